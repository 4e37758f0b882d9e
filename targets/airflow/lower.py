"""Lowering a flow to the tasks of one Airflow DAG: plain data, no Python text yet.

Each step becomes one task that runs the step runner. Airflow has no notion of a foreach index path,
so control travels through small helper tasks that read the runner's output (an XCom):

- a foreach split `F` is followed by `F-fanout`, which turns the split's `{"foreach_count": N}`
  (one per task of `F`) into the list of child index paths ("0", "1", ... or "2.0", "2.1", ...);
- a step inside foreach loops is a *mapped* task, expanded over the list of index paths it runs at.
  Nested foreach is flattened: the inner body is mapped over every (outer, inner) pair at once, so
  Airflow never has to map inside a mapped group (which it cannot do);
- a switch outside any foreach is followed by `S-route`, a branch operator that follows the case the
  runner chose and skips the others. A case whose step is also reached another way (a case that skips
  ahead, a case that is `end`) goes through a gate `S-to-X` (an EmptyOperator): the route follows or
  skips the gate, never the shared step itself, because Airflow's branching only skips direct
  downstream tasks that no followed task leads to, and a shared step would count the route's own
  success as a way in;
- a switch inside a foreach (a mapped task, where Airflow's branching would skip whole tasks, not
  single map indexes) is followed by one `S-case-X` task per case step, each listing the index paths
  that chose that case; a case nobody chose is mapped over nothing and so skipped. Where ways in meet
  inside a foreach, the step runs at the paths of all of them: the switch's own paths when they are
  every case of one switch, else the union a `X-paths` task makes of its sources' lists;
- where ways in meet, or a join waits on a branch that may arrive through a skipped task, the trigger
  rule is `none_failed_min_one_success`: skipped ways in do not stop the step, a failed one does.

Airflow cannot loop (FC503, see `flowc.target_api.refuse_loops`), and cannot map a task inside a
mapped group: a foreach inside a foreach is one mapped task over every pair of items, whose number
must stay within `[core] max_map_length` (a compile warning says so).

Helper task ids contain "-", which step names (Python identifiers) never do, so they cannot collide.
Where a step's index paths come from is its *source*: None (not mapped) or the id of a helper task.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow, JoinKind, Step, StepKind, Transition

_T = TypeVar("_T")

# Airflow's trigger rule for a step where skipped paths meet: it runs if nothing upstream failed and
# at least one upstream task succeeded.
MEET = "none_failed_min_one_success"


@dataclass(frozen=True)
class Task:
    """One Airflow task. `role` is "step", "fanout", "route", "case", "gate" or "paths"."""

    task_id: str
    role: str
    step: str
    # Mapped tasks are expanded over the output of this helper task (a list of index paths).
    source: str | None = None
    trigger_rule: str | None = None
    # fanout: the split's own source (None when the split is not mapped);
    # case: the switch's source, and the case values that lead to `target`.
    paths_from: str | None = None
    case_values: tuple[str, ...] = ()
    # route: case value -> task id to follow.
    routes: tuple[tuple[str, str], ...] = ()
    target: str | None = None
    # paths: the helper tasks whose lists of index paths it joins.
    sources: tuple[str, ...] = ()


@dataclass
class DagPlan:
    tasks: list[Task] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def task(self, task_id: str) -> Task:
        for t in self.tasks:
            if t.task_id == task_id:
                return t
        raise KeyError(task_id)


def fanout_id(step: str) -> str:
    return f"{step}-fanout"


def route_id(step: str) -> str:
    return f"{step}-route"


def case_id(step: str, target: str) -> str:
    return f"{step}-case-{target}"


def gate_id(step: str, target: str) -> str:
    return f"{step}-to-{target}"


def paths_id(step: str) -> str:
    return f"{step}-paths"


class _Planner:
    def __init__(self, flow: Flow) -> None:
        self.flow = flow
        self.plan = DagPlan()
        self.smap = flow.step_map
        self.parents = {s.name: flow.parents(s.name) for s in flow.steps}
        # The helper-task tree: each helper's parent source, for counting foreach depths.
        self.helper_parent: dict[str, str | None] = {}
        self.source: dict[str, str | None] = {}
        # Each switch inside a foreach: its case helpers, one per case step.
        self.cases_of: dict[str, set[str]] = {}

    def edge_source(self, parent: Step, child: str) -> str | None:
        """Where the index paths of the edge parent -> child come from."""
        if parent.transition is Transition.FOREACH:
            return fanout_id(parent.name)
        if parent.transition is Transition.SWITCH and self.source[parent.name] is not None:
            return case_id(parent.name, child)
        return self.source[parent.name]

    def meeting_source(self, step: Step, sources: list[str | None]) -> str | None:
        """The paths a step runs at when several ways in meet: theirs, all together."""
        unique = _unique(sources)
        if len(unique) == 1:
            return unique[0]
        for switch, cases in self.cases_of.items():
            if set(unique) == cases:
                # Every case of one switch: together they are the switch's own paths.
                return self.source[switch]
        if None in unique:
            return None  # a depth mismatch, reported by the caller
        pid = paths_id(step.name)
        helpers = tuple(s for s in unique if s is not None)
        self.helper_parent[pid] = self.helper_parent[helpers[0]]
        self.plan.tasks.append(Task(pid, "paths", step.name, trigger_rule="none_failed", sources=helpers))
        self.plan.edges.extend((h, pid) for h in helpers)
        return pid

    def run(self) -> DagPlan:
        steps = list(self.flow.walk())
        for s in steps:
            ps = self.parents[s.name]
            if s.kind is StepKind.JOIN:
                assert s.closes is not None
                src = self.source[s.closes]
            elif not ps:
                src = None
            else:
                src = self.meeting_source(s, [self.edge_source(self.smap[p], s.name) for p in ps])
            self.source[s.name] = src
            depth = _depth(src, self.helper_parent)
            if depth != s.foreach_depth:
                self.plan.diagnostics.append(
                    _fc501(
                        self.flow,
                        s,
                        f"step {s.name!r} is inside {s.foreach_depth} foreach loop(s) but is reached through "
                        f"{depth} on this path; the Airflow target cannot map it consistently",
                    )
                )
            rule = MEET if self._meets(s) else None
            self.plan.tasks.append(Task(s.name, "step", s.name, source=src, trigger_rule=rule))
            if s.transition is Transition.FOREACH:
                fid = fanout_id(s.name)
                self.helper_parent[fid] = src
                self.plan.tasks.append(Task(fid, "fanout", s.name, source=None, paths_from=src))
                self.plan.edges.append((s.name, fid))
            elif s.transition is Transition.SWITCH:
                self._switch(s, src)
        for s in steps:
            for child in s.successors:
                if s.transition is Transition.FOREACH:
                    self.plan.edges.append((fanout_id(s.name), child))
                elif s.transition is Transition.SWITCH:
                    self.plan.edges.append((self._via(s, child), child))
                else:
                    self.plan.edges.append((s.name, child))
            if s.join is JoinKind.FOREACH:
                # A foreach over nothing maps its body over no paths, so the body is skipped; the join
                # still runs because its split's fanout succeeded. If the split itself was skipped (a
                # switch case not taken), the fanout is skipped too and so is the join.
                assert s.closes is not None
                self.plan.edges.append((fanout_id(s.closes), s.name))
        self.plan.edges = _unique(self.plan.edges)
        return self.plan

    def _meets(self, s: Step) -> bool:
        """Whether some way into the step may be skipped while the step must run."""
        ps = self.parents[s.name]
        if s.join is JoinKind.FOREACH:
            return True  # its body is skipped when the foreach is empty
        if s.join is JoinKind.STATIC:
            assert s.closes is not None
            # One way in per branch means every way in runs; more means some branch arrives through
            # a switch's case, and the other cases are skipped.
            return len(ps) > len(self.smap[s.closes].successors)
        return len(ps) > 1

    def _shared(self, target: str) -> bool:
        return len(self.parents[target]) > 1

    def _via(self, s: Step, child: str) -> str:
        """The task a switch's case reaches its step through."""
        if self.source[s.name] is not None:
            return case_id(s.name, child)
        return gate_id(s.name, child) if self._shared(child) else route_id(s.name)

    def _switch(self, s: Step, src: str | None) -> None:
        targets = _unique(c.step for c in s.switch_cases)
        if src is None:
            routes = tuple(
                (c.value, gate_id(s.name, c.step) if self._shared(c.step) else c.step) for c in s.switch_cases
            )
            self.plan.tasks.append(Task(route_id(s.name), "route", s.name, routes=routes))
            self.plan.edges.append((s.name, route_id(s.name)))
            for target in targets:
                if self._shared(target):
                    gid = gate_id(s.name, target)
                    self.plan.tasks.append(Task(gid, "gate", s.name, target=target))
                    self.plan.edges.append((route_id(s.name), gid))
            return
        self.cases_of[s.name] = {case_id(s.name, t) for t in targets}
        for target in targets:
            cid = case_id(s.name, target)
            self.helper_parent[cid] = src
            values = tuple(c.value for c in s.switch_cases if c.step == target)
            self.plan.tasks.append(Task(cid, "case", s.name, paths_from=src, case_values=values, target=target))
            self.plan.edges.append((s.name, cid))


def plan_dag(flow: Flow) -> DagPlan:
    return _Planner(flow).run()


def nested_foreach_warnings(flow: Flow) -> list[Diagnostic]:
    """A foreach inside a foreach is one mapped task over every pair of items on Airflow."""
    out = []
    for s in flow.steps:
        if s.transition is Transition.FOREACH and s.foreach_scopes:
            outer = " x ".join(repr(f) for f in s.foreach_scopes)
            out.append(
                Diagnostic(
                    "FC501",
                    f"the foreach at {s.name!r} is inside the foreach at {outer}: Airflow cannot map a task "
                    "inside a mapped group, so its body runs as one mapped task over every pair of items, "
                    "whose number (the product of the widths) must stay within Airflow's [core] "
                    "max_map_length (1024 by default) or the run fails at the fan-out",
                    flow.file,
                    s.span,
                    hint="raise AIRFLOW__CORE__MAX_MAP_LENGTH above the largest product you expect, or run "
                    "the flow on Step Functions or Argo, where each level maps on its own",
                    severity=Severity.WARNING,
                )
            )
    return out


def _chain(src: str | None, helper_parent: dict[str, str | None]) -> list[str | None]:
    out: list[str | None] = [src]
    while src is not None:
        src = helper_parent[src]
        out.append(src)
    return out


def _depth(src: str | None, helper_parent: dict[str, str | None]) -> int:
    return sum(1 for h in _chain(src, helper_parent) if h is not None and h.endswith("-fanout"))


def _unique(items: Iterable[_T]) -> list[_T]:
    # dict keeps first-seen order; a list membership test here made wide flows quadratic
    return list(dict.fromkeys(items))


def _fc501(flow: Flow, step: Step, message: str) -> Diagnostic:
    return Diagnostic("FC501", message, flow.file, step.span)
