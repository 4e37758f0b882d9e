"""Splits and joins: every branch or foreach is closed by exactly one join that takes `inputs`, and
steps only meet at a join. Fills in each join's kind and the split it closes, and each step's scopes.

Walking the DAG in topological order, each step carries a stack of open splits, one frame per split:
(split step, branch taken). A split pushes a frame for each of its successors; a join pops one.
"""

from __future__ import annotations

from flowc.analyzer.flowclass import FlowDraft
from flowc.diagnostics import Diagnostic
from flowc.ir import Flow, JoinKind, Span, Step, Transition, evolve

Frame = tuple[str, str]  # (split step, the successor this branch started at)

_HEAD = "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n"
_END = "    @step\n    def end(self):\n        pass\n"
_BRANCH_JOINED = (
    _HEAD + "    @step\n    def start(self):\n        self.next(self.a, self.b)\n\n"
    "    @step\n    def a(self):\n        self.next(self.join)\n\n"
    "    @step\n    def b(self):\n        self.next(self.join)\n\n"
    "    @step\n    def join(self, inputs):\n        self.next(self.end)\n\n" + _END
)

EXAMPLES: dict[str, tuple[str, str]] = {
    "FC204": (
        _BRANCH_JOINED,
        _HEAD + "    @step\n    def start(self):\n        self.x = [1, 2]\n"
        '        self.next(self.a, foreach="x")\n\n'
        "    @step\n    def a(self):\n        self.next(self.end)\n\n" + _END,
    ),
    "FC205": (
        _BRANCH_JOINED,
        _HEAD + "    @step\n    def start(self):\n        self.next(self.a, self.b, self.c)\n\n"
        "    @step\n    def a(self):\n        self.next(self.join)\n\n"
        "    @step\n    def b(self):\n        self.next(self.join)\n\n"
        "    @step\n    def c(self):\n        self.next(self.end)\n\n"
        "    @step\n    def join(self, inputs):\n        self.next(self.end)\n\n" + _END,
    ),
    "FC206": (
        _BRANCH_JOINED,
        _HEAD + "    @step\n    def start(self):\n        self.next(self.a, self.b)\n\n"
        "    @step\n    def a(self):\n        self.next(self.join)\n\n"
        "    @step\n    def b(self):\n        self.next(self.join)\n\n"
        "    @step\n    def join(self):\n        self.next(self.end)\n\n" + _END,
    ),
    "FC109": (
        _BRANCH_JOINED,
        _HEAD + "    @step\n    def start(self):\n        self.next(self.a)\n\n"
        "    @step\n    def a(self, inputs):\n        self.next(self.end)\n\n" + _END,
    ),
}


def check(draft: FlowDraft, flow: Flow, diags: list[Diagnostic]) -> Flow:
    """Check splits and joins of `flow` (the draft's flow with its loops filled in)."""
    steps = flow.step_map
    file = flow.file

    def report(code: str, span: Span | None, message: str, hint: str | None = None) -> None:
        diags.append(Diagnostic(code, message, file, span, hint))

    def where(name: str) -> Span:
        return draft.name_spans.get(name, steps[name].span)

    stacks: dict[str, tuple[Frame, ...]] = {}
    closes: dict[str, str] = {}
    unclosed_reported: set[str] = set()
    order = list(flow.walk())
    parents: dict[str, list[str]] = {s.name: [] for s in order}
    for s in order:
        for t in s.successors:
            # A loop's back edge returns to a step already placed; it opens or closes nothing.
            if not flow.is_back_edge(s.name, t):
                parents[t].append(s.name)
    for s in order:
        if s.name == flow.start_step:
            if s.takes_inputs:
                report(
                    "FC109",
                    where(s.name),
                    "the start step cannot take inputs: nothing comes before it",
                    hint=f"def {s.name}(self):",
                )
            stacks[s.name] = ()
            continue
        incoming: list[tuple[str, tuple[Frame, ...]]] = []
        for p in parents[s.name]:
            ps = steps[p]
            out = stacks.get(p, ())
            if ps.is_split:
                out = (*out, (p, s.name))
            incoming.append((p, out))
        if not incoming:
            stacks[s.name] = ()
            continue
        if s.takes_inputs:
            tops = {out[-1][0] if out else None for _, out in incoming}
            prefixes = {out[:-1] for _, out in incoming}
            if None in tops:
                report(
                    "FC109",
                    where(s.name),
                    f"step '{s.name}' takes inputs, but no branch or foreach is open before it",
                    hint=f"remove its second parameter: def {s.name}(self):",
                )
                stacks[s.name] = incoming[0][1]
                continue
            if len(tops) > 1 or len(prefixes) > 1:
                names = ", ".join(sorted(str(t) for t in tops))
                report(
                    "FC205",
                    where(s.name),
                    f"join '{s.name}' receives branches of different splits ({names})",
                    hint="join the inner split first, then join the outer one",
                )
                stacks[s.name] = incoming[0][1][:-1]
                continue
            split = next(iter(tops))
            assert split is not None
            sp = steps[split]
            if sp.transition is Transition.BRANCH:
                covered = {out[-1][1] for _, out in incoming}
                missing = [b for b in sp.successors if b not in covered]
                if missing:
                    report(
                        "FC205",
                        where(s.name),
                        f"join '{s.name}' closes the branch at '{split}' but not its branch(es) "
                        f"{', '.join(repr(m) for m in missing)}",
                        hint=f"send every branch of '{split}' to '{s.name}'",
                    )
            closes[s.name] = split
            stacks[s.name] = next(iter(prefixes))
            continue
        outs = {out for _, out in incoming}
        if len(outs) > 1:
            tops = {out[-1][0] if out else None for out in outs}
            prefixes = {out[:-1] for out in outs}
            if len(tops) == 1 and None not in tops and len(prefixes) == 1:
                split = next(iter(tops))
                report(
                    "FC206",
                    where(s.name),
                    f"branches of '{split}' meet at '{s.name}', which does not take inputs",
                    hint=f"make it a join: def {s.name}(self, inputs):",
                )
                # Treat it as the join it should be, so the split is not also reported unclosed.
                stacks[s.name] = next(iter(prefixes))
                continue
            else:
                report(
                    "FC205",
                    where(s.name),
                    f"step '{s.name}' is reached from different branches that were never joined",
                    hint="join each split before its branches meet",
                )
        stacks[s.name] = incoming[0][1]
        if s.name == flow.end_step and stacks[s.name]:
            for split, _ in stacks[s.name]:
                if split not in unclosed_reported:
                    unclosed_reported.add(split)
                    kind = "foreach" if steps[split].transition is Transition.FOREACH else "branch"
                    report(
                        "FC204",
                        where(split),
                        f"the {kind} at '{split}' is never joined",
                        hint="add a join step that takes inputs, e.g. def join(self, inputs):, before end",
                    )
    new_steps = []
    for s in flow.steps:
        stack = stacks.get(s.name, ())
        scopes = tuple(f[0] for f in stack)
        fscopes = tuple(n for n in scopes if steps[n].transition is Transition.FOREACH)
        closed = closes.get(s.name)
        join_kind: JoinKind | None = None
        if closed is not None:
            join_kind = JoinKind.FOREACH if steps[closed].transition is Transition.FOREACH else JoinKind.STATIC
        new_steps.append(_complete(s, closed, join_kind, fscopes, scopes))
    return flow.with_steps(tuple(new_steps))


def _complete(
    s: Step, closes: str | None, kind: JoinKind | None, fscopes: tuple[str, ...], scopes: tuple[str, ...]
) -> Step:
    return evolve(s, closes=closes, join=kind, foreach_scopes=fscopes, split_scopes=scopes)
