"""Loops (recursive switches) in the checks: which cycles are loops, each step's `loops`, and the
diagnostics for every other cycle (FC203), loop shapes flowc cannot run (FC207) and `@loop` (FC302,
FC307)."""

from __future__ import annotations

import textwrap

from flowc.compiler import analyze
from flowc.ir import Flow


def source(body: str, imports: str = "FlowSpec, step") -> str:
    return f"from flowc import {imports}\n\n\nclass F(FlowSpec):\n" + textwrap.indent(textwrap.dedent(body), "    ")


def checked(write_flow, body: str, imports: str = "FlowSpec, step") -> Flow:
    a = analyze(write_flow(source(body, imports)))
    assert a.flow is not None, [(d.code, d.message) for d in a.diagnostics]
    assert not a.diagnostics, [(d.code, d.message) for d in a.diagnostics]
    return a.flow


def problems(write_flow, body: str, imports: str = "FlowSpec, step") -> list[tuple[str, str, int | None]]:
    a = analyze(write_flow(source(body, imports)))
    return [(d.code, d.message, d.span.line if d.span else None) for d in a.diagnostics]


def loops(flow: Flow) -> dict[str, tuple[str, ...]]:
    return {s.name: s.loops for s in flow.steps}


SELF_LOOP = """
@step
def start(self):
    self.n = 0
    self.next(self.poll)

@step
def poll(self):
    self.n += 1
    self.go = "again" if self.n < 3 else "done"
    self.next({"again": self.poll, "done": self.end}, condition="go")

@step
def end(self):
    pass
"""


def test_a_switch_that_returns_to_itself_is_a_loop(write_flow) -> None:
    flow = checked(write_flow, SELF_LOOP)
    assert loops(flow) == {"start": (), "poll": ("poll",), "end": ()}
    assert flow.is_back_edge("poll", "poll")
    assert not flow.is_back_edge("start", "poll")
    assert [s.name for s in flow.walk()] == ["start", "poll", "end"]
    assert flow.step("poll").index_depth == 1


def test_a_switch_may_return_to_an_earlier_step(write_flow) -> None:
    flow = checked(
        write_flow,
        """
        @step
        def start(self):
            self.next(self.fetch)

        @step
        def fetch(self):
            self.next(self.check)

        @step
        def check(self):
            self.go = "done"
            self.next({"retry": self.fetch, "done": self.after}, condition="go")

        @step
        def after(self):
            self.next(self.end)

        @step
        def end(self):
            pass
        """,
    )
    assert loops(flow) == {"start": (), "fetch": ("fetch",), "check": ("fetch",), "after": (), "end": ()}
    assert flow.is_back_edge("check", "fetch")


def test_nested_loops_are_listed_outermost_first(write_flow) -> None:
    flow = checked(
        write_flow,
        """
        @step
        def start(self):
            self.next(self.outer)

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
        """,
    )
    assert loops(flow)["inner"] == ("outer", "inner")
    assert loops(flow)["outer"] == ("outer",)
    assert loops(flow)["tally"] == ("outer",)
    assert flow.step("inner").index_depth == 2


def test_a_loop_inside_a_foreach_body_and_inside_a_branch(write_flow) -> None:
    flow = checked(
        write_flow,
        """
        @step
        def start(self):
            self.next(self.a, self.b)

        @step
        def a(self):
            self.xs = [1, 2]
            self.next(self.poll, foreach="xs")

        @step
        def poll(self):
            self.go = "done"
            self.next({"again": self.poll, "done": self.each_done}, condition="go")

        @step
        def each_done(self):
            self.next(self.a_join)

        @step
        def a_join(self, inputs):
            self.next(self.join)

        @step
        def b(self):
            self.go = "done"
            self.next({"again": self.b, "done": self.join}, condition="go")

        @step
        def join(self, inputs):
            self.next(self.end)

        @step
        def end(self):
            pass
        """,
    )
    poll = flow.step("poll")
    assert poll.loops == ("poll",) and poll.foreach_scopes == ("a",) and poll.index_depth == 2
    assert flow.step("b").loops == ("b",)
    assert flow.step("join").closes == "start"
    assert flow.step("a_join").closes == "a"


def test_loop_max_iterations_is_in_the_ir(write_flow) -> None:
    flow = checked(
        write_flow,
        SELF_LOOP.replace("@step\ndef poll", "@loop(max_iterations=7)\n@step\ndef poll"),
        "FlowSpec, loop, step",
    )
    assert flow.step("poll").decorators.max_iterations == 7
    assert Flow.from_json(flow.to_json()) == flow


def test_loop_on_a_step_that_starts_no_loop_is_reported(write_flow) -> None:
    body = SELF_LOOP.replace("@step\ndef end", "@loop(max_iterations=7)\n@step\ndef end")
    found = problems(write_flow, body, "FlowSpec, loop, step")
    assert [(c, line) for c, _, line in found] == [("FC307", 19)]
    assert "does not start a loop" in found[0][1]


def test_loop_without_max_iterations_is_reported(write_flow) -> None:
    body = SELF_LOOP.replace("@step\ndef poll", "@loop\n@step\ndef poll")
    assert [c for c, _, _ in problems(write_flow, body, "FlowSpec, loop, step")] == ["FC302"]


def test_a_cycle_through_a_linear_step_stays_a_cycle(write_flow) -> None:
    found = problems(
        write_flow,
        """
        @step
        def start(self):
            self.next(self.a)

        @step
        def a(self):
            self.go = "x"
            self.next({"x": self.b, "y": self.end}, condition="go")

        @step
        def b(self):
            self.next(self.a)

        @step
        def end(self):
            pass
        """,
    )
    assert [(c, m) for c, m, _ in found] == [("FC203", "cycle: a -> b -> a")]


def test_a_cycle_entered_at_two_steps_is_refused_with_both_entries(write_flow) -> None:
    found = analyze(
        write_flow(
            source(
                """
                @step
                def start(self):
                    self.go = "x"
                    self.next({"x": self.x, "y": self.y}, condition="go")

                @step
                def x(self):
                    self.next({"on": self.y, "done": self.end}, condition="go")

                @step
                def y(self):
                    self.next({"on": self.x, "done": self.end}, condition="go")

                @step
                def end(self):
                    pass
                """
            )
        )
    ).diagnostics
    assert [d.code for d in found] == ["FC203"]
    assert "x -> y -> x" in found[0].message
    assert found[0].hint is not None and "'x', 'y'" in found[0].hint


def test_a_foreach_inside_a_loop_is_refused(write_flow) -> None:
    found = problems(
        write_flow,
        """
        @step
        def start(self):
            self.next(self.a)

        @step
        def a(self):
            self.xs = [1]
            self.next(self.b, foreach="xs")

        @step
        def b(self):
            self.next(self.j)

        @step
        def j(self, inputs):
            self.go = "done"
            self.next({"again": self.a, "done": self.end}, condition="go")

        @step
        def end(self):
            pass
        """,
    )
    assert [c for c, _, _ in found] == ["FC207", "FC207"]
    assert "the foreach at 'a' is inside the loop that returns to 'a'" in found[0][1]
    assert "the join 'j'" in found[1][1]


def test_start_cannot_head_a_loop(write_flow) -> None:
    found = problems(
        write_flow,
        """
        @step
        def start(self):
            self.go = "done"
            self.next({"again": self.start, "done": self.end}, condition="go")

        @step
        def end(self):
            pass
        """,
    )
    assert [c for c, _, _ in found] == ["FC207"]
    assert "start" in found[0][1]


def test_a_loop_with_no_way_out_never_reaches_end(write_flow) -> None:
    found = problems(
        write_flow,
        """
        @step
        def start(self):
            self.next(self.a)

        @step
        def a(self):
            self.go = "x"
            self.next({"x": self.a, "y": self.b}, condition="go")

        @step
        def b(self):
            self.next({"x": self.a, "y": self.b}, condition="go")

        @step
        def end(self):
            pass
        """,
    )
    assert [(c, m) for c, m, _ in found if c != "FC201"] == [
        ("FC202", "step 'start' can never reach end"),
        ("FC202", "step 'a' can never reach end"),
        ("FC202", "step 'b' can never reach end"),
    ]
