"""Hand-built IR for flows with loops (recursive switches), for runner tests that do not wait on the
analyzer: each flow's source is in flows/loops_flow.py, its IR is written out here."""

from __future__ import annotations

from typing import Any

from flowc.ir import Decorators, Flow, JoinKind, Span, Step, SwitchCase, Transition

_SPAN = Span(1, 1, 1, 2)


def linear(name: str, to: str, **kw: Any) -> Step:
    return Step(name, Transition.LINEAR, (to,), _SPAN, **kw)


def switch(name: str, condition: str, cases: dict[str, str], **kw: Any) -> Step:
    return Step(
        name,
        Transition.SWITCH,
        tuple(cases.values()),
        _SPAN,
        switch_condition=condition,
        switch_cases=tuple(SwitchCase(v, s) for v, s in cases.items()),
        **kw,
    )


def end() -> Step:
    return Step("end", Transition.END, (), _SPAN)


def flow(name: str, *steps: Step) -> Flow:
    return Flow(name=name, file="loops_flow.py", span=_SPAN, steps=steps, dialect="flowc")


def simple_loop(max_iterations: int | None = None) -> Flow:
    """start -> count (again: count, done: end) -> end."""
    return flow(
        "SimpleLoopFlow",
        linear("start", "count"),
        switch(
            "count",
            "go",
            {"again": "count", "done": "end"},
            loops=("count",),
            decorators=Decorators(max_iterations=max_iterations),
        ),
        end(),
    )


def body_loop() -> Flow:
    """start -> head -> body (again: head, done: after) -> after -> end."""
    return flow(
        "BodyLoopFlow",
        linear("start", "head"),
        linear("head", "body", loops=("head",)),
        switch("body", "go", {"again": "head", "done": "after"}, loops=("head",)),
        linear("after", "end"),
        end(),
    )


def foreach_loop() -> Flow:
    """start (foreach) -> poll (again: poll, done: join) -> join -> end: a loop inside a foreach body."""
    return flow(
        "ForeachLoopFlow",
        Step("start", Transition.FOREACH, ("poll",), _SPAN, foreach_var="items"),
        switch(
            "poll",
            "go",
            {"again": "poll", "done": "join"},
            loops=("poll",),
            foreach_scopes=("start",),
            split_scopes=("start",),
        ),
        Step("join", Transition.LINEAR, ("end",), _SPAN, takes_inputs=True, join=JoinKind.FOREACH, closes="start"),
        end(),
    )


def nested_loops() -> Flow:
    """start -> outer -> inner (again: inner, done: check) -> check (again: outer, done: end) -> end."""
    return flow(
        "NestedLoopsFlow",
        linear("start", "outer"),
        linear("outer", "inner", loops=("outer",)),
        switch("inner", "go", {"again": "inner", "done": "check"}, loops=("outer", "inner")),
        switch("check", "go", {"again": "outer", "done": "end"}, loops=("outer",)),
        end(),
    )


def branch_loop() -> Flow:
    """start -> (a, b); a loops on itself then leaves straight to the join; b -> join -> end."""
    return flow(
        "BranchLoopFlow",
        Step("start", Transition.BRANCH, ("a", "b"), _SPAN),
        switch("a", "go", {"again": "a", "done": "join"}, loops=("a",), split_scopes=("start",)),
        linear("b", "join", split_scopes=("start",)),
        Step("join", Transition.LINEAR, ("end",), _SPAN, takes_inputs=True, join=JoinKind.STATIC, closes="start"),
        end(),
    )
