"""Which steps a flow enters and leaves by: `start` and `end`, or the ones `@step(start=True)` and
`@step(end=True)` name (Metaflow 2.19's annotations).

Metaflow's rule, followed here: exactly one step annotated wins; with none, the step named `start`
(`end`) is the entry (exit); a flow of a single step is both. Two annotated steps, or an annotated
step beside one named `start` (`end`), are refused as ambiguous.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass

from flowc.analyzer.context import MISSING, Context
from flowc.ir import Span

# `@step(...)` keywords: what each names.
_MARKS = {"start": "entry", "end": "exit"}


@dataclass(frozen=True)
class Ends:
    """The entry and exit step names (None when the flow has none, or it is ambiguous: reported)."""

    start: str | None
    end: str | None
    # Steps marked as the entry by annotation (or by being the only step), whatever their name.
    entry_marked: frozenset[str] = frozenset()


def step_call(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[bool, bool]:
    """What the method's `@step(start=..., end=...)` says, as (start, end); a bare `@step` says neither."""
    start = end = False
    for d in fn.decorator_list:
        if not isinstance(d, ast.Call) or ctx.api.resolve(d) != "step":
            continue
        if d.args:
            ctx.report(
                "FC304",
                d.args[0],
                "@step takes no positional arguments here",
                hint="write @step, @step(start=True) or @step(end=True)",
            )
        for kw in d.keywords:
            if kw.arg not in _MARKS:
                ctx.report(
                    "FC304",
                    ctx.text.keyword_span(kw) if kw.arg else kw.value,
                    f"@step has no argument '{kw.arg}'" if kw.arg else "@step takes only start= and end=",
                    hint="@step accepts start=True (the entry step) and end=True (the exit step)",
                )
                continue
            value = ctx.static(kw.value, "FC301", f"@step({kw.arg}=...)")
            if value is MISSING:
                continue
            if not isinstance(value, bool):
                ctx.report(
                    "FC302",
                    kw.value,
                    f"@step({kw.arg}=...) must be True or False, not {value!r}",
                    hint=f"@step({kw.arg}=True)",
                )
                continue
            if kw.arg == "start":
                start = value
            else:
                end = value
    return start, end


def find_ends(
    ctx: Context, at: Span, methods: Sequence[tuple[Context, ast.FunctionDef | ast.AsyncFunctionDef]]
) -> Ends:
    """The flow's entry and exit among its step methods (each with the context of the file it is in),
    reporting an ambiguous choice (FC106 / FC107 at the flow class; a missing one is the checks')."""
    names = [fn.name for _, fn in methods]
    marks = {fn.name: step_call(c, fn) for c, fn in methods}
    chosen: dict[str, str | None] = {}
    for i, (kw, code) in enumerate((("start", "FC106"), ("end", "FC107"))):
        annotated = sorted({n for n, m in marks.items() if m[i]})
        if len(annotated) > 1:
            ctx.report(
                code,
                at,
                f"several steps are marked @step({kw}=True): {', '.join(annotated)}",
                hint=f"a flow has exactly one {_MARKS[kw]} step: keep the mark on one of them",
            )
            chosen[kw] = None
        elif annotated and annotated[0] != kw and kw in names:
            ctx.report(
                code,
                at,
                f"ambiguous {_MARKS[kw]} step: '{annotated[0]}' is marked @step({kw}=True) but a step named "
                f"'{kw}' also exists",
                hint=f"rename the step '{kw}', or remove the @step({kw}=True) mark",
            )
            chosen[kw] = None
        else:
            chosen[kw] = annotated[0] if annotated else (kw if kw in names else None)
    entry = {n for n, m in marks.items() if m[0]}
    if len(set(names)) == 1:
        # A flow of one step: it is both the entry and the exit, as in Metaflow.
        chosen["start"] = chosen["end"] = names[0]
        entry = {names[0]}
    return Ends(chosen["start"], chosen["end"], frozenset(entry))
