"""`flowc show` draws switch cases and loops apart from plain edges, in every format."""

from __future__ import annotations

import textwrap

from flowc import show
from flowc.compiler import analyze
from flowc.ir import Flow

NESTED = """
from flowc import FlowSpec, loop, step


class Nested(FlowSpec):
    @step
    def start(self):
        self.next(self.outer)

    @loop(max_iterations=5)
    @step
    def outer(self):
        self.next(self.inner)

    @step
    def inner(self):
        self.go = "next"
        self.next({"again": self.inner, "next": self.tally}, condition="go")

    @step
    def tally(self):
        self.go = "done"
        self.next({"again": self.outer, "done": self.end}, condition="go")

    @step
    def end(self):
        pass
"""


def nested(write_flow) -> Flow:
    flow = analyze(write_flow(textwrap.dedent(NESTED))).flow
    assert flow is not None
    return flow


def test_outline_marks_loop_headers_and_back_edges(write_flow) -> None:
    text = show.outline(nested(write_flow))
    assert "outer [linear, loop header]" in text
    assert "'again': inner (loop back), 'next': tally" in text
    assert "'again': outer (loop back), 'done': end" in text
    assert "loop at most 5 iterations" in text
    # Loop bodies are indented under their loop.
    inner = next(line for line in text.splitlines() if line.strip().startswith("inner "))
    tally = next(line for line in text.splitlines() if line.strip().startswith("tally "))
    assert len(inner) - len(inner.lstrip()) > len(tally) - len(tally.lstrip())


def test_mermaid_dashes_back_edges_and_boxes_each_loop(write_flow) -> None:
    text = show.mermaid(nested(write_flow))
    assert 's_inner -.->|"again ↺"| s_inner' in text
    assert 's_tally -.->|"again ↺"| s_outer' in text
    assert 's_tally -->|"done"| s_end' in text
    lines = text.splitlines()
    outer = lines.index('    subgraph loop_outer["loop outer (at most 5 iterations)"]')
    inner = lines.index('        subgraph loop_inner["loop inner"]')
    assert outer < inner
    assert lines.count("        end") == 1 and lines.count("    end") == 1


def test_dot_dashes_back_edges_outside_the_ranking_and_clusters_loops(write_flow) -> None:
    text = show.dot(nested(write_flow))
    assert '"tally" -> "outer" [label="again ↺", style=dashed, constraint=false];' in text
    assert '"tally" -> "end" [label="done", style=solid, arrowhead=empty];' in text
    assert 'subgraph "cluster_loop_outer" {' in text
    assert 'subgraph "cluster_loop_inner" {' in text
    assert text.count("{") == text.count("}")


def test_switch_cases_are_labelled_without_loops(write_flow) -> None:
    from tests.conftest import SHAPES

    flow = analyze(SHAPES / "switch.py").flow
    assert flow is not None
    assert 's_start -->|"big"| s_big' in show.mermaid(flow)
    assert '"start" -> "big" [label="big", style=solid, arrowhead=empty];' in show.dot(flow)
    assert "subgraph" not in show.mermaid(flow)


def test_mermaid_case_labels_keep_any_value_as_text(write_flow) -> None:
    # Mermaid reads a label as HTML and ends it at `"` or `|`: every such character is an entity code,
    # and `#` too, so a value that already looks like one stays as written.
    source = (
        "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n    @step\n    def start(self):\n"
        "        self.c = 'x'\n        self.next({'<b>\"a|b\"</b> & #lt;': self.a, 'x': self.end}, condition='c')\n\n"
        "    @step\n    def a(self):\n        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
    )
    flow = analyze(write_flow(source)).flow
    assert flow is not None
    assert 's_start -->|"#lt;b#gt;#quot;a#124;b#quot;#lt;/b#gt; #amp; #35;lt;"| s_a' in show.mermaid(flow)
