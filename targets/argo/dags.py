"""The DAG templates of a flow on Argo: which task stands for what, and when each one runs.

**Frames.** Every step sits in a frame: its foreach splits then its loop headers (`foreach_scopes +
loops`, the parts of its task's index). Each frame is one DAG template: `main` for the top, a foreach
body (run once per item by a `withSequence` task) or a loop body (run once per iteration, by the task
that enters the loop and then by itself). Inside a frame, a task (a *unit*) stands for a step of the
frame, for a whole inner frame (`<split>-each`, `<header>-loop`), for the next iteration of this loop
(`<header>-next`, calling the same template again), or for a *gate* (below).

**When a task runs.** Argo marks a task Skipped when its `when` is false and Omitted when its
`depends` is false, and evaluates `depends` only once every task it names has finished. So:

- a task reached only through one switch's case (a *pure* case) depends on the switch having
  succeeded and has `when: '{{tasks.S.outputs.parameters.switch_index}}' == 'i'`, `i` the case's
  position among the switch's cases (any case value works: only digits reach the expression);
- any other task depends on *which of its incoming edges was taken*, written with task results only:
  `p.Succeeded` for a plain edge; for a switch case into a step also reached another way, the case's
  choice is seen through the switch's other cases: when each of them leads to a pure case task, "this
  case was chosen" is "every other case task was Skipped". When that does not hold (two cases of one
  switch lead to shared steps), a *gate* task observes the case instead: a `suspend` of zero seconds
  (no pod) with the case's `when`, whose Succeeded means the case was taken;
- a static join needs one taken edge per branch (`&&` across branches, `||` within one); a foreach
  join needs its split and its body group (Skipped when the foreach is empty).

**@catch's stand-in.** A step with `@catch` whose last attempt's pod fails (killed, out of memory,
crashed: the runner handles everything the step raises itself, so the pod fails only when its process
ends unseen) gets a second task, `<step>-fallback`, that depends on `<step>.Failed || <step>.Errored`
and runs `flowc step --fallback` (docs/runner.md, "@catch"); the steps after it take either task's
success (`(<step>.Succeeded || <step>-fallback.Succeeded)`). Argo judges a DAG by its leaf tasks'
branches (a failed task followed by a succeeded one fails nothing), so the run goes on. A foreach or
switch step cannot fall back (the runner refuses: where would the flow go?) and gets no such task.

A task never reads the outputs of a task that may have been skipped: since Argo 3.7.11/4.0.2 such a
task is requeued forever (3.7.11-3.7.12, 4.0.2-4.0.3) or fails (3.7.16+, 4.0.7+ without a default).
Every `{{tasks.X.outputs...}}` is read by a task that depends on `X.Succeeded`.

**Loops.** A loop's body is a DAG template with inputs `iteration` (and `prefix`, the index of the
enclosing frame); the back edge is the task `<header>-next`, which calls the same template with
`iteration + 1` (an Argo expression). Which case left the loop travels up as outputs: for each switch
`p` with a case that leaves, `exit_<p>` is the case (its position) `p` chose in the last iteration (or empty), read
from the next iteration when there was one (`??` falls back when that task was skipped). The frame
around the loop sees the loop task as a unit whose decisions are these outputs.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field

from flowc.ir import Flow, JoinKind, Step, Transition

from . import names

SWITCH_CASE = "switch_case"
# What decides a switch's edges: the chosen case's position (the runner's `switch_index` file).
SWITCH_INDEX = "switch_index"
FOREACH_COUNT = "foreach_count"

Frame = tuple[str, ...]


def falls_back(step: Step) -> bool:
    """Whether `step`'s task gets @catch's stand-in task when its pod fails (see the module's text)."""
    return step.decorators.catch is not None and step.transition not in (Transition.FOREACH, Transition.SWITCH)


@dataclass(frozen=True)
class Unit:
    """A task of one frame. `kind`: step, fallback (@catch's stand-in for the step), each (a foreach
    body), loop (a loop body), next (this loop's next iteration) or gate; `step` is the step, split,
    header or deciding switch it stands for."""

    kind: str
    step: str
    # For a gate: the group it observes (source unit key, output parameter, target unit key) and the
    # step its task is named after (the switch and its target: `check-to-report`).
    of: tuple[str, str, str] | None = None
    target: str = ""

    @property
    def key(self) -> str:
        if self.kind == "gate":
            assert self.of is not None
            return f"gate:{'|'.join(self.of)}"
        return f"{self.kind}:{self.step}"

    @property
    def original(self) -> str:
        """The name the task's label is made from."""
        if self.kind == "step":
            return self.step
        if self.kind == "gate":
            return f"{self.step}-to-{self.target}"
        return f"{self.step}-{self.kind}"


@dataclass
class Group:
    """The edges from one unit to one unit (or out of the frame: `target` None) under one decision:
    `param` is the source's output that chose them (None: always taken) and `values` its values."""

    source: Unit
    target: Unit | None
    param: str | None
    values: list[str] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # the IR steps the edges leave from


@dataclass
class Task:
    """One DAG task, before naming: when it runs. `depends` names units by key in braces
    (`{step:train}.Succeeded`), replaced by task names once the frame's tasks are named; `when` is
    (the deciding unit, its output, the values that run this task)."""

    unit: Unit
    depends: str | None = None
    when: tuple[Unit, str, tuple[str, ...]] | None = None


@dataclass
class FrameDag:
    frame: Frame
    kind: str  # main, foreach, loop
    units: list[Unit]
    groups: list[Group]
    tasks: dict[str, Task] = field(default_factory=dict)
    # Loop frames: output name -> (unit holding the decision, its parameter), in a stable order.
    exits: dict[str, tuple[Unit, str]] = field(default_factory=dict)


def frame_of(step: Step) -> Frame:
    return (*step.foreach_scopes, *step.loops)


class Dags:
    """Every frame of a flow, with its units, edges and run conditions."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.steps = flow.step_map
        self.order = list(flow.walk())
        self._ranks = {s.name: i for i, s in enumerate(flow.steps)}
        self.bodies = {h: {s.name for s in flow.steps if h in s.loops} for h in self._headers()}
        frames: set[Frame] = {()}
        # The steps inside each frame (its own and its inner frames'), in walk order: one pass, so a
        # flow of many loops or foreach bodies is not read once per frame.
        self.members: dict[Frame, list[Step]] = {}
        for s in self.order:
            f = frame_of(s)
            for i in range(len(f) + 1):
                frames.add(f[:i])
                self.members.setdefault(f[:i], []).append(s)
        self.frames = sorted(frames, key=lambda f: (len(f), [self._rank(x) for x in f]))
        exit_switches = sorted({p for h in self.bodies for p in self._exit_switches(h)}, key=self._rank)
        namer = names.Namer(exit_switches)
        # Output names carrying a loop's exit decisions: identifiers, as Argo expressions read them.
        self.exit_param = {p: "exit_" + namer[p].replace("-", "_") for p in exit_switches}
        self.dags = {f: self._frame(f) for f in self.frames}
        for dag in self.dags.values():
            self.conditions(dag)

    # -- structure -----------------------------------------------------------------------------------

    def _rank(self, step: str) -> int:
        return self._ranks[step]

    def _headers(self) -> list[str]:
        return [s.name for s in self.flow.steps if s.loops and s.loops[-1] == s.name]

    def _exit_switches(self, header: str) -> list[str]:
        body = self.bodies[header]
        return [p for p in body for t in self.steps[p].successors if t not in body]

    def kind(self, frame: Frame) -> str:
        if not frame:
            return "main"
        return "foreach" if self.steps[frame[-1]].transition is Transition.FOREACH else "loop"

    def unit(self, frame: Frame, step: str) -> Unit | None:
        """The unit of `frame` standing for `step`, or None when the step is outside the frame."""
        f = frame_of(self.steps[step])
        if f[: len(frame)] != frame:
            return None
        if f == frame:
            return Unit("step", step)
        inner = f[len(frame)]
        return Unit("each" if self.kind((*frame, inner)) == "foreach" else "loop", inner)

    def _frame(self, frame: Frame) -> FrameDag:
        kind = self.kind(frame)
        units: dict[str, Unit] = {}
        inside = self.members.get(frame, [])
        for s in inside:
            u = self.unit(frame, s.name)
            if u is not None:
                units.setdefault(u.key, u)
                if u.kind == "step" and s.transition is Transition.FOREACH:
                    each = Unit("each", s.name)
                    units.setdefault(each.key, each)
                if u.kind == "step" and falls_back(s):
                    stand_in = Unit("fallback", s.name)
                    units.setdefault(stand_in.key, stand_in)
        header = frame[-1] if kind == "loop" else None
        nxt = Unit("next", header) if header is not None else None
        if nxt is not None:
            units[nxt.key] = nxt
        groups: dict[tuple[str, str | None, str | None], Group] = {}
        exits: dict[str, tuple[Unit, str]] = {}
        for s in inside:
            u = self.unit(frame, s.name)
            if u is None:
                continue
            for i, t in enumerate(s.successors):
                if header is not None and t == header and self.flow.is_back_edge(s.name, t):
                    v: Unit | None = nxt
                else:
                    v = self.unit(frame, t)
                if v is not None and v.key == u.key:
                    continue
                param = self._decision(u, s)
                key = (u.key, param, v.key if v else None)
                g = groups.get(key)
                if g is None:
                    g = groups[key] = Group(u, v, param)
                if param is not None:
                    g.values.append(str(i))  # successors follow the cases: i is the case's position
                g.parents.append(s.name)
                if v is None and header is not None and param is not None:
                    exits.setdefault(self.exit_param[s.name], (u, param))
        dag = FrameDag(frame, kind, list(units.values()), list(groups.values()))
        dag.exits = dict(sorted(exits.items()))
        return dag

    def _decision(self, u: Unit, parent: Step) -> str | None:
        """The output of unit `u` that chooses the edge leaving `parent` (None: the edge is always taken)."""
        if u.kind == "step" and parent.transition is Transition.SWITCH:
            return SWITCH_INDEX
        if u.kind == "loop":
            # Only a switch's case leaves a loop (every other step's successor is in the loop).
            return self.exit_param[parent.name]
        return None

    # -- run conditions --------------------------------------------------------------------------------

    def conditions(self, dag: FrameDag) -> None:
        """Fill in `dag.tasks`: each unit's `depends` (as unit keys, named later) and `when`, adding
        gates where a case's choice cannot be read from other tasks' results."""
        incoming: dict[str, list[Group]] = {}
        for g in dag.groups:
            if g.target is not None:
                incoming.setdefault(g.target.key, []).append(g)
        outgoing: dict[str, list[Group]] = {}
        for g in dag.groups:
            outgoing.setdefault(g.source.key, []).append(g)

        def pure(g: Group) -> bool:
            """The target is reached only by this decided group, so it can carry the `when`."""
            if g.param is None or g.target is None:
                return False
            t = g.target
            if t.kind == "step" and self.steps[t.step].join is not None:
                return False
            return len(incoming.get(t.key, [])) == 1

        gates: list[Unit] = []

        def succeeded(u: Unit) -> str:
            """A `depends` term for "u's task is done": its own success, or its @catch stand-in's."""
            if u.kind == "step" and falls_back(self.steps[u.step]):
                return f"{{{u.key}}}.Succeeded || {{fallback:{u.step}}}.Succeeded"
            return f"{{{u.key}}}.Succeeded"

        def taken(g: Group) -> str:
            """A `depends` term (unit keys in braces) that holds exactly when group g's edges were taken."""
            if g.param is None or all(o.target == g.target for o in outgoing[g.source.key]):
                # Always taken once the source succeeded (every choice it has leads here).
                return succeeded(g.source)
            others = [o for o in outgoing[g.source.key] if o is not g]
            if all(pure(o) for o in others):
                assert all(o.target is not None for o in others)
                return " && ".join(f"{{{o.target.key}}}.Skipped" for o in others if o.target is not None)
            assert g.target is not None
            decider = g.parents[0]  # the switch whose case this is (inside the source, for a loop)
            gate = Unit("gate", decider, (g.source.key, g.param, g.target.key), target=g.target.step)
            if gate.key not in dag.tasks:
                gates.append(gate)
                dag.tasks[gate.key] = Task(
                    gate,
                    depends=f"{{{g.source.key}}}.Succeeded",
                    when=(g.source, g.param, tuple(g.values)),
                )
            return f"{{{gate.key}}}.Succeeded"

        for u in dag.units:
            task = Task(u)
            dag.tasks[u.key] = task
            groups = incoming.get(u.key, [])
            step = self.steps[u.step] if u.kind == "step" else None
            if u.kind == "each":
                task.depends = f"{{step:{u.step}}}.Succeeded"
                continue
            if u.kind == "fallback":
                # The pod failed (killed, out of memory, crashed) or errored (lost with its node).
                task.depends = f"{{step:{u.step}}}.Failed || {{step:{u.step}}}.Errored"
                continue
            if step is not None and step.join is JoinKind.FOREACH:
                assert step.closes is not None
                split, each = f"{{step:{step.closes}}}", f"{{each:{step.closes}}}"
                task.depends = f"{split}.Succeeded && ({each}.Succeeded || {each}.Skipped)"
                continue
            if not groups:
                continue
            if len(groups) == 1 and pure(groups[0]):
                g = groups[0]
                task.depends = f"{{{g.source.key}}}.Succeeded"
                assert g.param is not None
                task.when = (g.source, g.param, tuple(g.values))
                continue
            if step is not None and step.join is JoinKind.STATIC:
                by_branch: dict[str, list[str]] = {}
                for g in groups:
                    by_branch.setdefault(self._branch(step, g.parents[0]), []).append(taken(g))
                terms = [_or(ts) for _, ts in sorted(by_branch.items(), key=lambda kv: self._rank(kv[0]))]
                task.depends = " && ".join(_paren(t) if len(by_branch) > 1 else t for t in terms)
                continue
            task.depends = _or([taken(g) for g in groups])
        dag.units.extend(gates)

    def _branch(self, join: Step, parent: str) -> str:
        """The branch (successor of the join's split) that `parent` lies on."""
        assert join.closes is not None
        split = self.steps[join.closes]
        if parent == split.name:
            return join.name  # a branch that goes straight to the join
        for b in split.successors:
            if parent in self._reach(b, join.name):
                return b
        raise ValueError(f"{parent} is on no branch of {split.name}")  # the checks guarantee one

    @functools.cache  # noqa: B019 (one Dags per compile; the cache goes with it)
    def _reach(self, start: str, stop: str) -> frozenset[str]:
        seen = {start}
        todo = [start]
        while todo:
            for t in self.steps[todo.pop()].successors:
                if t != stop and t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)


def _or(terms: Iterable[str]) -> str:
    ts = list(dict.fromkeys(terms))
    if len(ts) == 1:
        return ts[0]
    return " || ".join(_paren(t) for t in ts)


def _paren(term: str) -> str:
    return f"({term})" if ("&&" in term or "||" in term) else term
