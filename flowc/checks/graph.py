"""The graph's skeleton: start and end exist, every self.next names a step, every step is reachable
from start and can reach end, and every cycle is a loop (flowc.checks.loops)."""

from __future__ import annotations

from dataclasses import dataclass

from flowc.analyzer.flowclass import FlowDraft
from flowc.checks import loops
from flowc.diagnostics import Diagnostic, Fix

_HEAD = "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n"

EXAMPLES: dict[str, tuple[str, str]] = {
    "FC101": (
        _HEAD + "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
        _HEAD + "    @step\n    def start(self):\n        self.next(self.ned)\n\n"
        "    @step\n    def end(self):\n        pass\n",
    ),
    "FC106": (
        _HEAD + "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
        _HEAD + "    @step\n    def begin(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
    ),
    "FC107": (
        _HEAD + "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
        _HEAD + "    @step\n    def start(self):\n        self.next(self.finish)\n\n"
        "    @step\n    def finish(self):\n        self.next(self.start)\n",
    ),
    "FC113": (
        _HEAD + "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
        _HEAD + "    @step\n    def start(self):\n        self.next(self.helper)\n\n"
        "    def helper(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
    ),
    "FC201": (
        _HEAD + "    @step\n    def start(self):\n        self.next(self.a)\n\n"
        "    @step\n    def a(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
        _HEAD + "    @step\n    def start(self):\n        self.next(self.end)\n\n"
        "    @step\n    def orphan(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n",
    ),
}


def _report(
    diags: list[Diagnostic],
    draft: FlowDraft,
    code: str,
    span: object,
    message: str,
    hint: str | None = None,
    fix: Fix | None = None,
) -> None:
    from flowc.ir import Span

    diags.append(Diagnostic(code, message, draft.flow.file, span if isinstance(span, Span) else None, hint, fix=fix))


@dataclass(frozen=True)
class GraphResult:
    ok: bool  # sound enough to analyse splits
    loops: loops.LoopInfo


def check(draft: FlowDraft, diags: list[Diagnostic]) -> GraphResult:
    """Report skeleton problems and cycles that are not loops (flowc.checks.loops)."""
    flow = draft.flow
    names = [s.name for s in flow.steps]
    known = set(names)
    ok = True
    start, end = flow.start_step, flow.end_step
    if start not in known:
        _report(
            diags,
            draft,
            "FC106",
            flow.span,
            f"flow '{flow.name}' has no start step",
            hint="add `@step def start(self): ...`: every run begins there",
        )
        ok = False
    if end not in known:
        _report(
            diags,
            draft,
            "FC107",
            flow.span,
            f"flow '{flow.name}' has no end step",
            hint="add `@step def end(self): pass`: every run finishes there",
        )
        ok = False
    # Unknown targets, each with the closest names and a fix when exactly one is close.
    for s in flow.steps:
        for t in s.successors:
            if t in known:
                continue
            ok = False
            span = draft.refs.get((s.name, t))
            if t in draft.methods:
                _report(
                    diags,
                    draft,
                    "FC113",
                    span,
                    f"self.next(self.{t}): '{t}' is a method but not a step",
                    hint=f"add @step above `def {t}`",
                )
                continue
            from difflib import get_close_matches

            close = get_close_matches(t, names, n=3, cutoff=0.6)
            certain = get_close_matches(t, names, n=2, cutoff=0.75)
            fix = Fix(span, close[0]) if span is not None and len(certain) == 1 and certain[0] == close[0] else None
            hint = (
                f"did you mean '{close[0]}'?"
                if len(close) == 1
                else (
                    f"did you mean one of: {', '.join(repr(c) for c in close)}?"
                    if close
                    else f"steps are: {', '.join(names)}"
                )
            )
            msg = f"self.next(self.{t}): no step named '{t}'"
            if len(close) == 1:
                msg += f"; did you mean '{close[0]}'?"
                hint = "run `flowc check --fix` to apply it" if fix else f"rename it to '{close[0]}'"
            _report(diags, draft, "FC101", span, msg, hint=hint, fix=fix)
    succ = {s.name: [t for t in s.successors if t in known] for s in flow.steps}
    # With an unknown target the graph is missing an edge, and a step whose self.next could not be
    # read (an earlier error) has none: reachability would only echo those errors.
    edges_known = ok
    broken = any(not s.successors and s.name != end for s in flow.steps)
    if start in known and edges_known and not broken:
        reach = _reachable(start, succ)
        for s in flow.steps:
            if s.name not in reach:
                ok = False
                _report(
                    diags,
                    draft,
                    "FC201",
                    draft.name_spans.get(s.name, s.span),
                    f"step '{s.name}' is never reached from {start}",
                    hint=f"every run finishes at {end}: some step's self.next must lead to it"
                    if s.name == end
                    else "name it in some step's self.next, or delete it",
                )
    loop_info = loops.analyze(draft, succ, diags)
    ok = ok and loop_info.ok
    if end in known and edges_known and not broken:
        pred: dict[str, list[str]] = {n: [] for n in names}
        for n, ts in succ.items():
            for t in ts:
                pred[t].append(n)
        back = _reachable(end, pred)
        for s in flow.steps:
            if s.name not in back and s.name not in loop_info.in_bad_cycles and s.name != end:
                ok = False
                _report(
                    diags,
                    draft,
                    "FC202",
                    draft.name_spans.get(s.name, s.span),
                    f"step '{s.name}' can never reach {end}",
                    hint=f"give it a self.next that leads to {end}",
                )
    return GraphResult(ok, loop_info)


def _reachable(root: str, succ: dict[str, list[str]]) -> set[str]:
    seen = {root}
    todo = [root]
    while todo:
        for t in succ.get(todo.pop(), ()):
            if t not in seen:
                seen.add(t)
                todo.append(t)
    return seen
