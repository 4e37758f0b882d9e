"""`flowc resume`: a new run that reuses an earlier run's completed tasks and reruns the rest.

Metaflow's rules. The steps to rerun are the one named (if any) and every step after it. Going
through the graph as `flowc run` does, each task is **cloned** instead of run when

- its step is not to be rerun,
- the origin run has that task completed (same step, same index path: task identity is stable),
- every parent task that led to it in the new run was cloned too (so a task never mixes a new input
  with an old result), and
- its step has the same shape in the current code as in the origin's (transition, successors,
  foreach variable, switch cases): a cloned task's recorded output must still steer the new graph.

Cloning writes the task's manifest into the new run with the same artifact references (content-
addressed blobs are shared, never copied), its output and its foreach items, and `"origin"` naming
the run and attempt it came from. Everything else runs as usual, with `current.origin_run_id` set.
A killed run resumes like a failed one: only completed tasks (those with a manifest) are reused.
Parameters are the origin run's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flowc import paths
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow, Step


class ResumeError(Exception):
    """The run cannot be resumed as asked (no such run or step); the message says why."""


def steps_to_rerun(flow: Flow, step: str | None) -> frozenset[str]:
    """`step` and every step reachable from it (none when `step` is None: only what did not
    complete reruns)."""
    if step is None:
        return frozenset()
    try:
        flow.step(step)
    except KeyError:
        raise ResumeError(
            f"the flow has no step {step!r}; its steps: {', '.join(s.name for s in flow.steps)}"
        ) from None
    seen = {step}
    todo = [step]
    while todo:
        for nxt in flow.step(todo.pop()).successors:
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return frozenset(seen)


def _shape(step: Step) -> tuple[Any, ...]:
    cases = tuple((c.value, c.step) for c in step.switch_cases)
    return (step.transition, step.successors, step.foreach_var, step.switch_condition, cases, step.join)


@dataclass
class Cloner:
    """Decides, task by task, whether to clone it from the origin run, and clones it."""

    flow: Flow
    store: FlowDatastore
    run_id: str
    origin_run_id: str
    origin_flow: Flow | None
    rerun: frozenset[str]
    cloned: set[tuple[str, paths.Index]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._origin = paths.RunTasks(self.store, self.origin_run_id)
        self._new = paths.RunTasks(self.store, self.run_id)

    def _same_shape(self, step: str) -> bool:
        if self.origin_flow is None:
            return True  # the origin's graph is unknown: trust the task identities
        try:
            return _shape(self.origin_flow.step(step)) == _shape(self.flow.step(step))
        except KeyError:
            return False

    def try_clone(self, step: str, index: paths.Index) -> bool:
        """Clone the task `(step, index)` from the origin run if the rules allow; True when it was."""
        if step in self.rerun or not self._same_shape(step):
            return False
        origin = self._origin.manifest(step, index)
        if origin is None:
            return False
        try:
            parents = paths.resolve_inputs(self.flow, step, index, self._new)
        except (paths.PathError, ValueError):
            return False
        if any((p.step.name, p.index) not in self.cloned for p in parents):
            return False
        manifest = dict(origin)
        manifest["run_id"] = self.run_id
        manifest["origin"] = {"run_id": self.origin_run_id, "attempt": origin.get("attempt", 0)}
        if "run" in manifest:
            manifest.pop("run")  # the start task's record of who ran: the new run records its own
        self.store.write_task(self.run_id, step, paths.fmt_index(index), manifest, origin.get("output", {}))
        self._new._manifests.pop((step, index), None)
        self.cloned.add((step, index))
        return True


def origin_parameters(store: FlowDatastore, flow: Flow, origin_run_id: str) -> dict[str, Any]:
    """The parameter values the origin run was started with (run.json), else, for a run an
    orchestrator started, as its start task stored them (an IncludeFile's content cannot be given
    back as its path: such a parameter then takes its default)."""
    meta = store.read_run_meta(origin_run_id) or {}
    recorded = meta.get("parameters")
    if isinstance(recorded, Mapping):
        return {p.name: recorded[p.name] for p in flow.parameters if p.name in recorded}
    start = store.read_manifest(origin_run_id, flow.start_step) or {}
    refs = start.get("artifacts", {})
    return {
        p.name: store.load_value(refs[p.attr]["sha"]) for p in flow.parameters if p.attr in refs and not p.include_file
    }


def latest_run_id(store: FlowDatastore, run_ids: Iterable[str]) -> str | None:
    """The newest of `run_ids` by start time (run.json, else the start task)."""
    best: tuple[float, str] | None = None
    for rid in run_ids:
        meta = store.read_run_meta(rid)
        started = (meta or {}).get("started_at")
        if started is None:
            start = store.read_manifest(rid, "start")
            started = (start or {}).get("started_at")
        key = (float(started) if isinstance(started, (int, float)) else float("-inf"), rid)
        if best is None or key > best:
            best = key
    return best[1] if best else None


def check_configs(flow: Flow, origin: Flow, origin_run_id: str) -> None:
    """A resumed run sees the origin run's configs (as in Metaflow). flowc reads them again from
    their sources; where that gives other values (a config file changed since), resuming would mix
    two configurations in one run, so it is refused, naming the configs. Raises ResumeError."""
    now = {c.name: (c.value, c.text) for c in flow.configs}
    then = {c.name: (c.value, c.text) for c in origin.configs}
    differ = sorted(n for n in now.keys() | then.keys() if now.get(n) != then.get(n))
    if differ:
        raise ResumeError(
            f"the flow's configs ({', '.join(differ)}) have other values than in run {origin_run_id}; a resumed "
            f"run must see the origin run's: restore their files or defaults, or start a new run"
        )
