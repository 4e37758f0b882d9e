"""Lowering a flow to the tasks of one Airflow DAG: plain data, no Python text yet.

Each step becomes one task that runs the step runner. Airflow has no notion of a foreach index path,
so control travels through small helper tasks that read the runner's output (an XCom):

- a foreach split `F` is followed by `F-fanout`, which turns the split's `{"foreach_count": N}`
  (one per task of `F`) into the list of child index paths ("0", "1", ... or "2.0", "2.1", ...);
- a step inside foreach loops is a *mapped* task, expanded over the list of index paths it runs at.
  Nested foreach is flattened: the inner body is mapped over every (outer, inner) pair at once, so
  Airflow never has to map inside a mapped group (which it cannot do);
- a switch outside any foreach is followed by `S-route`, a branch operator that follows the case the
  runner chose and skips the others; a switch inside a foreach (a mapped task, where Airflow's
  branching would skip whole tasks, not single map indexes) is followed by one `S-case-X` task per
  case step, each listing the index paths that chose that case; a case nobody chose is mapped over
  nothing and so skipped.

Helper task ids contain "-", which step names (Python identifiers) never do, so they cannot collide.
Where a step's index paths come from is its *source*: None (not mapped) or the id of a helper task.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from flowc.diagnostics import Diagnostic
from flowc.ir import Flow, JoinKind, Step, StepKind, Transition

_T = TypeVar("_T")

# Airflow's trigger rule for a step where skipped paths meet: it runs if nothing upstream failed and
# at least one upstream task succeeded.
MEET = "none_failed_min_one_success"


@dataclass(frozen=True)
class Task:
    """One Airflow task. `role` is "step", "fanout", "route" or "case"."""

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


def plan_dag(flow: Flow) -> DagPlan:
    plan = DagPlan()
    steps = list(flow.walk())
    smap = flow.step_map
    parents = {s.name: flow.parents(s.name) for s in steps}
    # The helper-task tree: each helper's parent source, for finding where skipped paths meet.
    helper_parent: dict[str, str | None] = {}
    source: dict[str, str | None] = {}

    def edge_source(parent: Step, child: str) -> str | None:
        if parent.transition is Transition.FOREACH:
            return fanout_id(parent.name)
        if parent.transition is Transition.SWITCH and source[parent.name] is not None:
            return case_id(parent.name, child)
        return source[parent.name]

    for s in steps:
        ps = parents[s.name]
        if s.kind is StepKind.JOIN:
            assert s.closes is not None
            src = source[s.closes]
        elif not ps:
            src = None
        elif len(ps) == 1:
            src = edge_source(smap[ps[0]], s.name)
        else:
            src = _meeting_point([edge_source(smap[p], s.name) for p in ps], helper_parent)
        source[s.name] = src
        depth = _depth(src, helper_parent)
        if depth != s.foreach_depth:
            plan.diagnostics.append(
                _fc501(
                    flow,
                    s,
                    f"step {s.name!r} is inside {s.foreach_depth} foreach loop(s) but is reached through "
                    f"{depth} on this path; the Airflow target cannot map it consistently",
                )
            )
        # Where skipped paths meet (after a switch, or a foreach join whose body may be mapped over
        # nothing) the step must run as long as nothing failed.
        meets = (s.kind is not StepKind.JOIN and len(ps) > 1) or _is_foreach_join(s)
        plan.tasks.append(Task(s.name, "step", s.name, source=src, trigger_rule=MEET if meets else None))

        if s.transition is Transition.FOREACH:
            fid = fanout_id(s.name)
            helper_parent[fid] = src
            plan.tasks.append(Task(fid, "fanout", s.name, source=None, paths_from=src))
            plan.edges.append((s.name, fid))
        elif s.transition is Transition.SWITCH:
            _plan_switch(flow, s, src, parents, plan, helper_parent)

    for s in steps:
        for child in s.successors:
            if s.transition is Transition.FOREACH:
                plan.edges.append((fanout_id(s.name), child))
            elif s.transition is Transition.SWITCH:
                via = route_id(s.name) if source[s.name] is None else case_id(s.name, child)
                plan.edges.append((via, child))
            else:
                plan.edges.append((s.name, child))
        if _is_foreach_join(s):
            # A foreach over nothing maps its body over no paths, so the body is skipped; the join
            # still runs because its split's fanout succeeded. If the split itself was skipped (a
            # switch case not taken), the fanout is skipped too and so is the join.
            assert s.closes is not None
            plan.edges.append((fanout_id(s.closes), s.name))
    plan.edges = _unique(plan.edges)
    return plan


def _is_foreach_join(s: Step) -> bool:
    return s.join is JoinKind.FOREACH


def _plan_switch(
    flow: Flow,
    s: Step,
    src: str | None,
    parents: dict[str, tuple[str, ...]],
    plan: DagPlan,
    helper_parent: dict[str, str | None],
) -> None:
    targets = _unique(c.step for c in s.switch_cases)
    for target in targets:
        if len(parents[target]) > 1:
            plan.diagnostics.append(
                _fc501(
                    flow,
                    s,
                    f"case step {target!r} of switch {s.name!r} is also reached from another step; "
                    "Airflow would skip it whenever its case is not taken",
                )
            )
    if src is None:
        routes = tuple((c.value, c.step) for c in s.switch_cases)
        plan.tasks.append(Task(route_id(s.name), "route", s.name, routes=routes))
        plan.edges.append((s.name, route_id(s.name)))
        return
    for target in targets:
        cid = case_id(s.name, target)
        helper_parent[cid] = src
        values = tuple(c.value for c in s.switch_cases if c.step == target)
        plan.tasks.append(
            Task(cid, "case", s.name, paths_from=src, case_values=values, target=target),
        )
        plan.edges.append((s.name, cid))


def _chain(src: str | None, helper_parent: dict[str, str | None]) -> list[str | None]:
    out: list[str | None] = [src]
    while src is not None:
        src = helper_parent[src]
        out.append(src)
    return out


def _depth(src: str | None, helper_parent: dict[str, str | None]) -> int:
    return sum(1 for h in _chain(src, helper_parent) if h is not None and h.endswith("-fanout"))


def _meeting_point(sources: list[str | None], helper_parent: dict[str, str | None]) -> str | None:
    """The innermost source every one of `sources` descends from: where their paths meet again."""
    chains = [_chain(s, helper_parent) for s in sources]
    for candidate in chains[0]:
        if all(candidate in c for c in chains[1:]):
            return candidate
    return None


def _unique(items: Iterable[_T]) -> list[_T]:
    # dict keeps first-seen order; a list membership test here made wide flows quadratic
    return list(dict.fromkeys(items))


def _fc501(flow: Flow, step: Step, message: str) -> Diagnostic:
    return Diagnostic("FC501", message, flow.file, step.span)
