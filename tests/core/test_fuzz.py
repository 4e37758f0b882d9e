"""No input makes the analyzer or the checks raise: mutated flows and random bytes get diagnostics."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flowc.compiler import analyze
from flowc.diagnostics import CODES
from tests.conftest import example_files, shape_files

SOURCES = [p.read_text() for p in example_files() + shape_files()]
TOKENS = [
    "self.next(",
    ")",
    "(",
    "@step",
    "def ",
    "inputs",
    "foreach=",
    "condition=",
    "{",
    "}",
    ":",
    "\n",
    "    ",
    "class ",
    "FlowSpec",
    "Parameter(",
    "'",
    '"',
    "\\",
    "@retry(times=",
    "-1",
    "self.",
    ",",
]


@st.composite
def mutated_source(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SOURCES))
    for _ in range(draw(st.integers(1, 4))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["delete", "insert", "duplicate_line", "token"]))
        if kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 40)) :]
        elif kind == "insert":
            text = text[:pos] + draw(st.text(max_size=8)) + text[pos:]
        elif kind == "token":
            text = text[:pos] + draw(st.sampled_from(TOKENS)) + text[pos:]
        else:
            lines = text.splitlines(keepends=True)
            if lines:
                i = draw(st.integers(0, len(lines) - 1))
                lines.insert(i, lines[i])
                text = "".join(lines)
    return text


def assert_clean(result_source: str, path: Path) -> None:
    a = analyze(path, source=result_source, all_flows=True)
    for d in a.diagnostics:
        assert d.code in CODES
        assert d.message
        if d.span is not None:
            assert d.span.line >= 1 and d.span.col >= 1
    if a.flow is not None:
        # a flow that passed must survive the JSON round trip
        assert type(a.flow).from_json(a.flow.to_json()) == a.flow


# CI explores the same examples every run (a red CI should be reproducible); set FLOWC_FUZZ_EXAMPLES
# locally to search wider with fresh random inputs.
SETTINGS = settings(
    max_examples=int(os.environ.get("FLOWC_FUZZ_EXAMPLES", "150")),
    deadline=None,
    derandomize=bool(os.environ.get("CI")) and "FLOWC_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow],
)


@SETTINGS
@given(mutated_source())
def test_mutated_flows_never_raise(tmp_path_factory, source: str) -> None:
    assert_clean(source, tmp_path_factory.mktemp("f") / "flow.py")


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_never_raises(tmp_path_factory, source: str) -> None:
    assert_clean(source, tmp_path_factory.mktemp("f") / "flow.py")


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_through_the_cli_never_raise(tmp_path_factory, data: bytes) -> None:
    from flowc.cli import main

    path = tmp_path_factory.mktemp("b") / "flow.py"
    path.write_bytes(data)
    assert main(["check", str(path), "--format", "json"]) in (0, 1)
