"""Paths through a flow: which task follows which, and which task(s) led to a task.

A task is (step, index path): one index per enclosing foreach (the item's position), outermost first,
then one per enclosing loop (the iteration, from 0), outermost first. Executors pass a task only its
own identity; everything else follows from the IR and from what the datastore recorded. Two
directions, one module, so that every executor and the runner agree:

- forward, for whoever drives a run (`flowc run`'s scheduler, test drivers, interpreters of the
  targets): `child_index` of an edge, `next_tasks` (the tasks a finished task leads to) and
  `arrivals_needed` (how many arrivals a join waits for: one per branch, or one per item);
- backward, for the runner: `resolve_inputs` finds the completed parent task(s) that led to a task.
  A candidate parent counts when its manifest exists and its recorded transition leads to the task
  (a switch's recorded case names it; any other step always leads to its successors). Never "the
  first parent that has output": a step after a switch reads the case that ran.

Edges come in four kinds (`edge_kind`): forward (same index), loop entry (the entered loop starts at
iteration 0), back edge (a switch case back to a loop's header: the header's iteration + 1) and loop
exit (the exited loop's iteration is dropped; going backward, the parent's last iteration is found by
listing its tasks). See docs/semantics.md.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flowc.datastore import layout
from flowc.ir import Flow, JoinKind, Step, Transition

if TYPE_CHECKING:
    from flowc.datastore.store import FlowDatastore

Index = tuple[int, ...]

# A loop runs at most this many iterations unless its header says otherwise (docs/semantics.md).
DEFAULT_MAX_ITERATIONS = 1000


class PathError(Exception):
    """The datastore does not show exactly the parent task(s) the flow's graph requires."""


class EdgeKind(str, enum.Enum):
    FORWARD = "forward"  # the child has the parent's index (or one more part, into a foreach body)
    LOOP_ENTRY = "loop_entry"  # into a loop from outside it: the loop starts at iteration 0
    BACK_EDGE = "back_edge"  # a switch case back to the header of a loop: the next iteration
    LOOP_EXIT = "loop_exit"  # out of one or more loops (and maybe into another): their iterations end


def edge_kind(flow: Flow, source: str, target: str) -> EdgeKind:
    """The kind of the edge `source -> target`. An edge that leaves one loop straight into another is
    a loop exit (its child still starts the entered loop at 0)."""
    s, t = flow.step(source), flow.step(target)
    if flow.is_back_edge(source, target):
        return EdgeKind.BACK_EDGE
    if not set(s.loops) <= set(t.loops):
        return EdgeKind.LOOP_EXIT
    if not set(t.loops) <= set(s.loops):
        return EdgeKind.LOOP_ENTRY
    return EdgeKind.FORWARD


def fmt_index(index: Index) -> str:
    return ".".join(str(i) for i in index)


def parse_index(text: str) -> Index:
    """`"2.1"` -> `(2, 1)`; `""` -> `()`. Raises ValueError for anything else."""
    if not text:
        return ()
    index = tuple(int(part) for part in text.split("."))
    if any(i < 0 for i in index):
        raise ValueError(f"index {text!r} has a negative part")
    return index


def task_name(step: str, index: Index) -> str:
    return f"{step}/{fmt_index(index)}" if index else step


def is_body_edge(source: Step, target: Step) -> bool:
    """True when `source` is a foreach split and `target` its body: the child gets the item's position."""
    return source.transition is Transition.FOREACH and target.name == source.successors[0]


def _split(step: Step, index: Index) -> tuple[Index, dict[str, int]]:
    """A task's index as (foreach part, iteration by loop header)."""
    if len(index) != step.index_depth:
        raise ValueError(
            f"step {step.name} has {step.index_depth} index part(s) ({len(step.foreach_scopes)} foreach, "
            f"{len(step.loops)} loop); got {fmt_index(index)!r}"
        )
    nf = len(step.foreach_scopes)
    return index[:nf], dict(zip(step.loops, index[nf:], strict=True))


def child_index(flow: Flow, source: str, index: Index, target: str, item: int | None = None) -> Index:
    """The index of the task of `target` that the task `(source, index)` leads to.

    `item` is the position in the foreach list for the edge from a foreach split to its body (and
    must be None for any other edge). Raises ValueError when `index` does not fit `source`.
    """
    s, t = flow.step(source), flow.step(target)
    fpart, iters = _split(s, index)
    if is_body_edge(s, t):
        if item is None or item < 0:
            raise ValueError(f"the edge {source} -> {target} enters a foreach: give the item's position")
        child_f = (*fpart, item)
    else:
        if item is not None:
            raise ValueError(f"the edge {source} -> {target} does not enter a foreach")
        child_f = fpart[: len(t.foreach_scopes)]
    back = flow.is_back_edge(source, target)
    child_l = tuple(iters[loop] + (1 if back and loop == target else 0) if loop in iters else 0 for loop in t.loops)
    return (*child_f, *child_l)


def split_index(flow: Flow, step: Step, index: Index, split: str) -> Index:
    """The index of the split task `split` that encloses (or is closed by) the task `(step, index)`.

    For the innermost foreach of a body task, its index without the item; for the split of a join,
    the join's own foreach part. Iterations of loops the split is in are the step's.
    """
    sp = flow.step(split)
    fpart, iters = _split(step, index)
    return (*fpart[: len(sp.foreach_scopes)], *(iters[loop] for loop in sp.loops))


# -- forward: what a finished task leads to --------------------------------------------------------


@dataclass(frozen=True)
class NextTask:
    """A task that a finished task leads to. `arrival` is True for a join: the finished task is one of
    the join's `arrivals_needed` inputs, and the join runs when all have arrived."""

    step: str
    index: Index
    arrival: bool = False


def taken_successors(step: Step, output: Mapping[str, Any]) -> tuple[str, ...]:
    """The successors a finished task of `step` goes to, given its output (a switch: the case that ran)."""
    if step.transition is Transition.SWITCH:
        case = output.get("switch_case")
        return tuple(c.step for c in step.switch_cases if c.value == case)
    return step.successors


def next_tasks(flow: Flow, step: str, index: Index, output: Mapping[str, Any]) -> list[NextTask]:
    """The tasks the finished task `(step, index)` leads to, given its output (`foreach_count`,
    `switch_case`). A foreach split leads to one body task per item, in order, or straight to its join
    (no arrival needed) when the list is empty."""
    s = flow.step(step)
    if s.transition is Transition.FOREACH:
        count = int(output["foreach_count"])
        if count == 0:
            join = join_of(flow, s.name)
            return [NextTask(join, child_index(flow, step, index, join))] if join else []
        body = s.successors[0]
        return [NextTask(body, child_index(flow, step, index, body, k)) for k in range(count)]
    out = []
    for name in taken_successors(s, output):
        t = flow.step(name)
        out.append(NextTask(name, child_index(flow, step, index, name), arrival=t.join is not None))
    return out


def join_of(flow: Flow, split: str) -> str | None:
    """The join that closes the split `split`, if any."""
    for s in flow.steps:
        if s.closes == split:
            return s.name
    return None


def arrivals_needed(flow: Flow, join: str, foreach_count: int | None = None) -> int:
    """How many arrivals the join waits for: one per branch of its static split, whichever path each
    branch took, or one per item of its foreach (`foreach_count`, from the split's output)."""
    j = flow.step(join)
    if j.join is JoinKind.FOREACH:
        if foreach_count is None:
            raise ValueError(f"join {join} closes a foreach: its split's foreach_count decides")
        return foreach_count
    if j.join is JoinKind.STATIC:
        assert j.closes is not None
        return len(flow.step(j.closes).successors)
    raise ValueError(f"step {join} is not a join")


class Arrivals:
    """Joins waiting for their inputs, for whoever drives a run: `add` the tasks a finished task leads
    to, get back those that may run now (a join once its last arrival came)."""

    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.counts: dict[tuple[str, Index], int] = {}
        self.needed: dict[tuple[str, Index], int] = {}

    def add(self, step: str, index: Index, output: Mapping[str, Any]) -> list[NextTask]:
        """The tasks that may run now that the task `(step, index)` finished with `output`."""
        s = self.flow.step(step)
        if s.transition is Transition.FOREACH:
            join = join_of(self.flow, step)
            if join is not None:
                key = (join, child_index(self.flow, step, index, join))
                self.needed[key] = arrivals_needed(self.flow, join, int(output["foreach_count"]))
        ready = []
        for nxt in next_tasks(self.flow, step, index, output):
            if not nxt.arrival:
                ready.append(nxt)
                continue
            key = (nxt.step, nxt.index)
            self.counts[key] = self.counts.get(key, 0) + 1
            if key not in self.needed:
                self.needed[key] = arrivals_needed(self.flow, nxt.step)
            if self.counts[key] == self.needed[key]:
                ready.append(NextTask(nxt.step, nxt.index))
        return ready

    def waiting(self) -> list[str]:
        """Joins that got some but not all of their arrivals."""
        return sorted(task_name(s, i) for (s, i), n in self.counts.items() if n != self.needed.get((s, i)))


def drive(flow: Flow, run: Callable[[str, Index], Mapping[str, Any]]) -> list[tuple[str, Index]]:
    """Run a whole flow one task at a time, in an order an orchestrator could: `run(step, index)` runs
    the task and returns its output (`foreach_count`, `switch_case`), or raises to stop. Returns the
    tasks in the order run. For tests and tools; `flowc run` runs tasks in parallel."""
    arrivals = Arrivals(flow)
    todo = [NextTask(flow.start_step, ())]
    done = []
    while todo:
        nxt = todo.pop(0)
        output = run(nxt.step, nxt.index)
        done.append((nxt.step, nxt.index))
        todo.extend(arrivals.add(nxt.step, nxt.index, output))
    return done


def loop_limit(flow: Flow, header: str) -> int:
    """The maximum number of iterations of the loop whose header is `header`."""
    # Set by `@loop(max_iterations=N)` on the header.
    limit = flow.step(header).decorators.max_iterations
    return limit if limit is not None else DEFAULT_MAX_ITERATIONS


def check_loop_limits(flow: Flow, step: str, index: Index) -> None:
    """Raise PathError when the task's index is past a loop's maximum iteration count."""
    s = flow.step(step)
    _, iters = _split(s, index)
    for header, it in iters.items():
        limit = loop_limit(flow, header)
        if it >= limit:
            raise PathError(_over_limit(header, limit))


def check_transition_limits(flow: Flow, step: str, index: Index, output: Mapping[str, Any]) -> None:
    """Raise PathError when the finished task `(step, index)` chose a back edge that would start an
    iteration past its loop's maximum: the task that would loop once too often fails, not its child."""
    s = flow.step(step)
    _, iters = _split(s, index)
    for target in taken_successors(s, output):
        if flow.is_back_edge(step, target):
            limit = loop_limit(flow, target)
            if iters[target] + 1 >= limit:
                raise PathError(
                    f"step {step} chose case {output.get('switch_case')!r} back to {target}: "
                    + _over_limit(target, limit)
                )


def _over_limit(header: str, limit: int) -> str:
    return (
        f"the loop at step {header} reached its maximum of {limit} iterations. If it should run longer, "
        f"raise it with @loop(max_iterations=N) on step {header}; otherwise check its exit condition"
    )


# -- backward: which completed task(s) led to a task -----------------------------------------------


class RunTasks:
    """What the datastore recorded for one run, read lazily: each manifest at most once, and a step's
    task indexes (for loop exits) with one listing per step."""

    def __init__(self, store: FlowDatastore, run_id: str) -> None:
        self.store = store
        self.run_id = run_id
        self._manifests: dict[tuple[str, Index], dict[str, Any] | None] = {}
        self._indexes: dict[str, list[Index]] = {}

    def manifest(self, step: str, index: Index) -> dict[str, Any] | None:
        key = (step, index)
        if key not in self._manifests:
            self._manifests[key] = self.store.read_manifest(self.run_id, step, fmt_index(index))
        return self._manifests[key]

    def indexes(self, step: str) -> list[Index]:
        """The indexes of the step's task folders (completed or not), from one listing."""
        if step not in self._indexes:
            prefix = layout.task_prefix(self.store.flow, self.run_id, step, "").rsplit("/", 1)[0]
            found = []
            for name in self.store.storage.list_dirs(prefix):
                try:
                    found.append(parse_index("" if name == layout.NO_INDEX else name))
                except ValueError:
                    continue
            self._indexes[step] = found
        return self._indexes[step]

    def url(self, step: str, index: Index) -> str:
        return self.store.storage.url(layout.manifest_key(self.store.flow, self.run_id, step, fmt_index(index)))


@dataclass(frozen=True)
class ParentTask:
    """A completed task that led to the task being resolved."""

    step: Step
    index: Index
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return task_name(self.step.name, self.index)


Pattern = tuple[int | None, ...]


def parent_pattern(flow: Flow, parent: Step, child: Step, index: Index, item: int | None = None) -> Pattern | None:
    """The index a task of `parent` has if it led to the task `(child, index)` over the edge
    `parent -> child`; None parts are iterations of loops the edge exits (found by listing). None
    when the edge cannot lead to this index (a loop entry to an iteration other than 0, a back edge
    to iteration 0). `item` is the position for a body task leading to a foreach join."""
    cf, citers = _split(child, index)
    if is_body_edge(parent, child):
        pf: tuple[int, ...] = cf[:-1]
    elif child.join is JoinKind.FOREACH and parent.foreach_scopes == (*child.foreach_scopes, child.closes):
        if item is None:
            raise ValueError(f"{parent.name} -> {child.name} closes a foreach: give the item's position")
        pf = (*cf, item)
    else:
        pf = cf[: len(parent.foreach_scopes)]
    back = child.name in parent.loops
    for loop in child.loops:
        if loop not in parent.loops and citers[loop] != 0:
            return None  # entering a loop starts it at iteration 0
    if back and citers[child.name] == 0:
        return None  # iteration 0 of a loop is entered from outside, never through its back edge
    pl = tuple(
        (citers[loop] - (1 if back and loop == child.name else 0)) if loop in citers else None for loop in parent.loops
    )
    return (*pf, *pl)


def leads_to(parent: Step, manifest: Mapping[str, Any], child: str) -> bool:
    """Whether the completed task of `parent` (its manifest) continues to `child`."""
    if parent.transition is Transition.SWITCH:
        return child in taken_successors(parent, manifest.get("output", {}))
    return child in parent.successors


@dataclass
class _Candidate:
    step: Step
    pattern: Pattern
    index: Index | None = None
    manifest: dict[str, Any] | None = None

    def describe(self, child: str) -> str:
        if self.index is None:
            known = ".".join("*" if p is None else str(p) for p in self.pattern)
            return f"{self.step.name}/{known} (no task)"
        name = task_name(self.step.name, self.index)
        if self.manifest is None:
            return f"{name} (not completed)"
        if self.step.transition is Transition.SWITCH:
            case = self.manifest.get("output", {}).get("switch_case")
            went = ", ".join(taken_successors(self.step, self.manifest.get("output", {}))) or "nowhere"
            return f"{name} (switch case {case!r} went to {went})"
        return f"{name} (leads to {child})"


def _find(tasks: RunTasks, cand: _Candidate) -> None:
    """Fill in the candidate's index and manifest: directly, or for a loop exit the last iteration."""
    if None not in cand.pattern:
        cand.index = tuple(p for p in cand.pattern if p is not None)
        cand.manifest = tasks.manifest(cand.step.name, cand.index)
        return
    matching = [
        i
        for i in tasks.indexes(cand.step.name)
        if len(i) == len(cand.pattern) and all(p is None or p == v for p, v in zip(cand.pattern, i, strict=True))
    ]
    # The last iteration is the one that left the loop; earlier ones went round again.
    for i in sorted(matching, reverse=True):
        m = tasks.manifest(cand.step.name, i)
        if m is not None:
            cand.index, cand.manifest = i, m
            return


def _counting(tasks: RunTasks, child: Step, cands: Iterable[_Candidate]) -> tuple[list[_Candidate], list[_Candidate]]:
    """All candidates (resolved) and those that completed and lead to `child`."""
    every = []
    good = []
    for c in cands:
        _find(tasks, c)
        every.append(c)
        if c.manifest is not None and leads_to(c.step, c.manifest, child.name):
            good.append(c)
    return every, good


def _one(child: Step, index: Index, every: list[_Candidate], good: list[_Candidate], what: str) -> ParentTask:
    me = task_name(child.name, index)
    if len(good) == 1:
        c = good[0]
        assert c.index is not None and c.manifest is not None
        return ParentTask(c.step, c.index, c.manifest)
    listed = "; ".join(c.describe(child.name) for c in every) or "none"
    if not good:
        raise PathError(
            f"{what}: no completed task leads to {me}; candidates: {listed}. A task runs only after the "
            f"task that leads to it has succeeded"
        )
    raise PathError(f"{what}: more than one completed task leads to {me}: {listed}")


def branches(flow: Flow, join: Step) -> list[tuple[str, list[Step]]]:
    """For a static join: each branch of its split (in the split's successor order) with the join's
    parents that lie on it."""
    assert join.closes is not None
    split = flow.step(join.closes)
    parents = set(flow.parents(join.name))
    out = []
    for first in split.successors:
        if first == join.name:
            out.append((first, [split]))
            continue
        found: list[str] = []
        seen = {first}
        todo = [first]
        while todo:
            name = todo.pop()
            if name in parents and name not in found:
                found.append(name)
            for nxt in flow.step(name).successors:
                if nxt != join.name and nxt not in seen and not flow.is_back_edge(name, nxt):
                    seen.add(nxt)
                    todo.append(nxt)
        out.append((first, [flow.step(p) for p in flow.parents(join.name) if p in found]))
    return out


def resolve_inputs(flow: Flow, step: str, index: Index, tasks: RunTasks) -> list[ParentTask]:
    """The completed parent task(s) that led to the task `(step, index)`, from the datastore.

    A non-join step has exactly one; a static join one per branch of its split, in the split's
    successor order (whichever case of a switch inside the branch ran); a foreach join one per item, in
    item order. The start step has none. Raises PathError naming the candidates when the datastore
    does not show exactly that, and ValueError when `index` does not fit the step.
    """
    s = flow.step(step)
    me = task_name(step, index)
    if s.join is JoinKind.FOREACH:
        assert s.closes is not None
        sidx = split_index(flow, s, index, s.closes)
        split = tasks.manifest(s.closes, sidx)
        if split is None:
            raise PathError(
                f"join {me} reads the foreach count: task {task_name(s.closes, sidx)} has not completed "
                f"(no manifest at {tasks.url(s.closes, sidx)})"
            )
        count = int(split["output"].get("foreach_count", 0))
        parents = [flow.step(p) for p in flow.parents(step)]
        out = []
        for k in range(count):
            cands = [_Candidate(p, pat) for p in parents if (pat := parent_pattern(flow, p, s, index, k)) is not None]
            every, good = _counting(tasks, s, cands)
            out.append(_one(s, index, every, good, f"join {me}, item {k}"))
        return out
    if s.join is JoinKind.STATIC:
        out = []
        for first, on_branch in branches(flow, s):
            cands = [_Candidate(p, pat) for p in on_branch if (pat := parent_pattern(flow, p, s, index)) is not None]
            every, good = _counting(tasks, s, cands)
            out.append(_one(s, index, every, good, f"join {me}, branch {first}"))
        return out
    parents = [flow.step(p) for p in flow.parents(step)]
    if not parents:
        return []
    cands = [_Candidate(p, pat) for p in parents if (pat := parent_pattern(flow, p, s, index)) is not None]
    if len(cands) == 1 and None not in cands[0].pattern:
        # The common case, one possible parent: its manifest is the only read.
        c = cands[0]
        c.index = tuple(p for p in c.pattern if p is not None)
        c.manifest = tasks.manifest(c.step.name, c.index)
        if c.manifest is None:
            raise PathError(
                f"{me} reads its parent: task {task_name(c.step.name, c.index)} of run {tasks.run_id} has "
                f"not completed (no manifest at {tasks.url(c.step.name, c.index)}). A task runs only after "
                f"its parents succeeded"
            )
    every, good = _counting(tasks, s, cands)
    return [_one(s, index, every, good, me)]
