"""Cycles: the only cycles a flow may have are loops, and every loop is a recursive switch.

A loop repeats its steps until a switch picks a case that leaves it (Metaflow's recursive switch,
generalised: the case may go back to the switch itself or to an earlier step). flowc accepts a cycle
when it is a *natural loop*:

- it is entered only through one step, its header, which comes before every other step of the loop
  on every path from start (the header dominates the loop);
- every edge back to the header (a back edge) is a case of a switch inside the loop;
- its body holds no branch or foreach split and no join (a loop inside a foreach body or a branch is
  fine), and its header is not `start`.

Loops with the same header are one loop; two loops are either nested or apart (true of natural loops).
Any other cycle is FC203, with its path; a loop of a shape flowc cannot run is FC207. `@loop` on a step
that does not head a loop is FC307. The result is each step's `loops`: the headers of the loops that
enclose it, outermost first (see `flowc.ir.Step.loops`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flowc.analyzer.flowclass import FlowDraft
from flowc.diagnostics import Diagnostic
from flowc.ir import Span, Step, Transition, evolve

_HEAD = "from flowc import FlowSpec, step\n\nclass F(FlowSpec):\n"
_END = "    @step\n    def end(self):\n        pass\n"
_LOOP = (
    _HEAD + "    @step\n    def start(self):\n        self.n = 0\n        self.next(self.poll)\n\n"
    "    @step\n    def poll(self):\n        self.n += 1\n        self.go = 'again' if self.n < 3 else 'done'\n"
    "        self.next({'again': self.poll, 'done': self.end}, condition='go')\n\n" + _END
)

EXAMPLES: dict[str, tuple[str, str]] = {
    "FC203": (
        _LOOP,
        _HEAD + "    @step\n    def start(self):\n        self.next(self.a)\n\n"
        "    @step\n    def a(self):\n        self.next(self.b)\n\n"
        "    @step\n    def b(self):\n        self.next(self.a)\n\n" + _END,
    ),
    "FC207": (
        _LOOP,
        _HEAD + "    @step\n    def start(self):\n        self.next(self.a)\n\n"
        "    @step\n    def a(self):\n        self.xs = [1, 2]\n        self.next(self.b, foreach='xs')\n\n"
        "    @step\n    def b(self):\n        self.next(self.j)\n\n"
        "    @step\n    def j(self, inputs):\n        self.go = 'done'\n"
        "        self.next({'again': self.a, 'done': self.end}, condition='go')\n\n" + _END,
    ),
}

_Report = Callable[[str, Span | None, str, str], None]

_LOOP_HINT = (
    "a flow has no cycles except loops made by a switch case that goes back; to repeat work over items, use a foreach"
)


def _switch_hint(latch: str, header: str) -> str:
    return (
        f"to repeat steps, make '{latch}' a switch with a case back and one that leaves: "
        f"self.next({{'again': self.{header}, 'done': self.end}}, condition='go'); to repeat work over "
        "items, use a foreach"
    )


@dataclass
class LoopInfo:
    """What `analyze` found: each header's loop body (the header included), and whether every cycle
    is an acceptable loop."""

    bodies: dict[str, frozenset[str]] = field(default_factory=dict)
    # Steps in cycles reported as FC203 (the skeleton check does not also call them dead ends).
    in_bad_cycles: set[str] = field(default_factory=set)
    ok: bool = True

    def loops_of(self, name: str) -> tuple[str, ...]:
        """The headers of the loops enclosing `name`, outermost (largest) first."""
        found = [h for h, body in self.bodies.items() if name in body]
        return tuple(sorted(found, key=lambda h: -len(self.bodies[h])))


def analyze(draft: FlowDraft, succ: dict[str, list[str]], diags: list[Diagnostic]) -> LoopInfo:
    """Report every cycle that is not an acceptable loop; return the loops.

    `succ` holds the edges to known steps only (unknown targets are the skeleton check's FC101).
    """
    flow = draft.flow
    steps = flow.step_map
    names = [s.name for s in flow.steps]
    info = LoopInfo()
    if _acyclic(names, succ):
        # No cycle, so no loop and nothing to report: most flows, found in linear time.
        return info

    def report(code: str, span: Span | None, message: str, hint: str) -> None:
        diags.append(Diagnostic(code, message, flow.file, span, hint))
        info.ok = False

    dom = _Dominance(flow.start_step, succ) if flow.start_step in steps else _Dominance(None, succ)
    back = [(p, h) for p in names if p in dom for h in succ[p] if h in dom and dom.dominates(h, p)]
    back_set = set(back)
    reduced = {n: [t for t in succ[n] if (n, t) not in back_set] for n in names}
    # What is left once back edges are taken away must be acyclic: a cycle there has no single header.
    for comp, path in _components(names, reduced):
        info.in_bad_cycles |= comp
        entries = sorted(n for n in comp if n in dom and any(n in reduced[p] for p in names if p not in comp))
        hint = _LOOP_HINT
        if len(entries) > 1:
            hint = (
                f"this cycle can be entered at {', '.join(repr(e) for e in entries)}: a loop is entered only "
                f"through its first step, so send every way in to one of them"
            )
        report("FC203", draft.refs.get((path[-1], path[0])), f"cycle: {' -> '.join([*path, path[0]])}", hint)
    latches: dict[str, list[str]] = {}
    for p, h in back:
        if steps[p].transition is Transition.SWITCH:
            latches.setdefault(h, []).append(p)
            continue
        path = _path_within(h, p, succ, _natural_loop(h, [p], succ, names))
        info.in_bad_cycles |= set(path)
        report("FC203", draft.refs.get((p, h)), f"cycle: {' -> '.join([*path, h])}", _switch_hint(p, h))
    for h, ps in latches.items():
        info.bodies[h] = frozenset(_natural_loop(h, ps, succ, names))
    _check_bodies(draft, info, latches, report)
    return info


def _check_bodies(draft: FlowDraft, info: LoopInfo, latches: dict[str, list[str]], report: _Report) -> None:
    steps = draft.flow.step_map
    rank = {s.name: i for i, s in enumerate(draft.flow.steps)}

    def where(name: str) -> Span:
        return draft.name_spans.get(name, steps[name].span)

    for h in sorted(info.bodies, key=rank.__getitem__):
        body = info.bodies[h]
        latch = sorted(latches[h])[0]
        if h == draft.flow.start_step:
            report(
                "FC207",
                draft.refs.get((latch, h)),
                f"switch '{latch}' loops back to start: the start step runs once per run",
                "move the work to repeat into a step after start and loop back to that step",
            )
        for name in sorted(body, key=rank.__getitem__):
            s = steps[name]
            what = None
            if s.transition is Transition.FOREACH:
                what = f"the foreach at '{name}'"
            elif s.transition is Transition.BRANCH:
                what = f"the branch at '{name}'"
            elif s.takes_inputs:
                what = f"the join '{name}'"
            if what is not None:
                report(
                    "FC207",
                    where(name),
                    f"{what} is inside the loop that returns to '{h}' (back edge from '{latch}'); "
                    "a loop body cannot split or join",
                    "move the split and its join out of the loop, or put the loop inside the "
                    "foreach/branch instead (a loop in a foreach body or a branch works)",
                )
    for s in draft.flow.steps:
        limit = s.decorators.max_iterations
        if limit is None or s.name in info.bodies:
            continue
        enclosing = info.loops_of(s.name)
        hint = (
            f"put @loop on '{enclosing[-1]}', the step its loop returns to"
            if enclosing
            else "remove it: @loop(max_iterations=N) bounds a loop and goes on the step a switch case returns to"
        )
        report("FC307", where(s.name), f"@loop on step '{s.name}', which does not start a loop", hint)


def _acyclic(names: list[str], succ: dict[str, list[str]]) -> bool:
    """Whether the graph has no cycle (Kahn's algorithm: every step can be taken once its parents are)."""
    waiting = dict.fromkeys(names, 0)
    for n in names:
        for t in succ.get(n, ()):
            waiting[t] += 1
    ready = [n for n in names if waiting[n] == 0]
    taken = 0
    while ready:
        taken += 1
        for t in succ.get(ready.pop(), ()):
            waiting[t] -= 1
            if waiting[t] == 0:
                ready.append(t)
    return taken == len(names)


class _Dominance:
    """Which steps lie on every path from the root to which (dominate them), for the steps reachable
    from it. Cooper, Harvey and Kennedy's iterative algorithm over a reverse postorder gives each step
    its immediate dominator; numbering the tree they form answers "does a dominate b" in constant time
    (a whole set of dominators per step would be quadratic: 50 million entries for 10,000 steps in a row).
    """

    def __init__(self, root: str | None, succ: dict[str, list[str]]) -> None:
        self._enter: dict[str, int] = {}
        self._leave: dict[str, int] = {}
        if root is None:
            return
        order: list[str] = []
        seen = {root}
        stack = [(root, iter(succ.get(root, ())))]
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                order.append(node)
            elif nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, iter(succ.get(nxt, ()))))
        order.reverse()
        rank = {n: i for i, n in enumerate(order)}
        preds: dict[str, list[str]] = {n: [] for n in order}
        for n in order:
            for t in succ.get(n, ()):
                if t in rank:
                    preds[t].append(n)
        idom: dict[str, str] = {root: root}

        def intersect(a: str, b: str) -> str:
            while a != b:
                while rank[a] > rank[b]:
                    a = idom[a]
                while rank[b] > rank[a]:
                    b = idom[b]
            return a

        changed = True
        while changed:
            changed = False
            for n in order[1:]:
                done = [p for p in preds[n] if p in idom]
                new = done[0]
                for p in done[1:]:
                    new = intersect(p, new)
                if idom.get(n) != new:
                    idom[n] = new
                    changed = True
        children: dict[str, list[str]] = {n: [] for n in order}
        for n in order[1:]:
            children[idom[n]].append(n)
        clock = 0
        self._enter[root] = clock
        walk = [(root, iter(children[root]))]
        while walk:
            node, kids = walk[-1]
            kid = next(kids, None)
            clock += 1
            if kid is None:
                walk.pop()
                self._leave[node] = clock
            else:
                self._enter[kid] = clock
                walk.append((kid, iter(children[kid])))

    def __contains__(self, name: str) -> bool:
        """Whether `name` is reachable from the root."""
        return name in self._enter

    def dominates(self, a: str, b: str) -> bool:
        """Whether every path from the root to `b` passes through `a` (both reachable; a dominates a)."""
        return self._enter[a] <= self._enter[b] and self._leave[b] <= self._leave[a]


def _natural_loop(header: str, latches: list[str], succ: dict[str, list[str]], names: list[str]) -> set[str]:
    """The header and every step that reaches a latch without passing through the header."""
    preds: dict[str, list[str]] = {n: [] for n in names}
    for n in names:
        for t in succ[n]:
            preds[t].append(n)
    body = {header}
    todo = [p for p in latches if p != header]
    body.update(todo)
    while todo:
        for p in preds[todo.pop()]:
            if p not in body:
                body.add(p)
                todo.append(p)
    return body


def _path_within(start: str, goal: str, succ: dict[str, list[str]], allowed: set[str]) -> list[str]:
    """A shortest path start -> ... -> goal inside `allowed` (breadth first), for a readable report."""
    prev: dict[str, str] = {}
    frontier = [start]
    seen = {start}
    while frontier and goal not in seen:
        nxt = []
        for v in frontier:
            for t in succ[v]:
                if t in allowed and t not in seen:
                    seen.add(t)
                    prev[t] = v
                    nxt.append(t)
        frontier = nxt
    path = [goal]
    while path[-1] != start and path[-1] in prev:
        path.append(prev[path[-1]])
    return path[::-1]


def _components(names: list[str], succ: dict[str, list[str]]) -> list[tuple[set[str], list[str]]]:
    """Each cycle-carrying strongly connected component, with one readable cycle through it."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    out: list[tuple[set[str], list[str]]] = []
    rank = {n: i for i, n in enumerate(names)}
    counter = 0
    for root in names:
        if root in index:
            continue
        work = [(root, iter(succ[root]))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(succ[nxt])))
                elif nxt in on:
                    low[v] = min(low[v], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp: set[str] = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1 or v in succ[v]:
                    first = min(comp, key=rank.__getitem__)
                    back_to_first = [p for p in comp if first in succ[p]]
                    path = _path_within(first, min(back_to_first, key=rank.__getitem__), succ, comp)
                    out.append((comp, path))
    return out


def with_loops(steps: tuple[Step, ...], info: LoopInfo) -> tuple[Step, ...]:
    """The steps with their `loops` filled in."""
    if not info.bodies and not any(s.loops for s in steps):
        return steps  # no loops: every step's `loops` is () already
    return tuple(evolve(s, loops=info.loops_of(s.name)) for s in steps)
