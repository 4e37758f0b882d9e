"""The client's `Metaflow`, `Flow` and `Run` (Metaflow's shape; see flowc.client)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from flowc.client import context
from flowc.client.base import ClientObject, plain_id, split_pathspec
from flowc.client.code import Code
from flowc.client.errors import FlowNotFound, InvalidPathspec, NamespaceMismatch, RunNotFound, StepNotFound
from flowc.client.reader import Reader, RunRecord, listing, when
from flowc.client.tasks import Step, Task, TaskData
from flowc.ir import Flow as FlowIR


class Metaflow:
    """Every flow in the datastore with at least one run in the current namespace."""

    def __init__(self, datastore: str | os.PathLike[str] | None = None) -> None:
        self.datastore = context.datastore_root(datastore)

    @property
    def flows(self) -> list[Flow]:
        return list(self)

    def __iter__(self) -> Iterator[Flow]:
        from flowc.datastore.storage import open_storage

        for name in open_storage(self.datastore).list_dirs(""):
            try:
                yield Flow(name, self.datastore)
            except (NamespaceMismatch, FlowNotFound, ValueError):
                continue

    def __getitem__(self, name: str) -> Flow:
        return Flow(name, self.datastore)

    def __str__(self) -> str:
        return "Metaflow()"

    __repr__ = __str__


class Flow(ClientObject):
    """A flow's runs in a datastore. `Flow("TrainFlow")`; `Flow("TrainFlow", "s3://bucket/flowc")`."""

    _NAME = "flow"

    def __init__(
        self,
        pathspec: str,
        datastore: str | os.PathLike[str] | None = None,
        *,
        _namespace_check: bool = True,
    ) -> None:
        (name,) = split_pathspec(pathspec, 1, "Flow('FlowName')")
        root = context.datastore_root(datastore)
        reader = Reader(name, root)
        if not reader.exists():
            raise FlowNotFound(f"no runs of flow {name!r} in {reader.root}; {reader.flows_message()}")
        self._setup(reader, _namespace_check)
        self.id = name
        if self._ns_check and self.latest_run is None:
            raise NamespaceMismatch(
                f"flow {name!r} has no run in namespace {self._ns!r}. namespace(None) reads every namespace"
            )

    @property
    def name(self) -> str:
        return self.id

    @property
    def datastore(self) -> str:
        return self._reader.root

    @property
    def pathspec(self) -> str:
        return self.id

    @property
    def parent(self) -> None:
        return None

    @property
    def tags(self) -> frozenset[str]:
        return frozenset()

    user_tags = system_tags = tags

    def is_in_namespace(self) -> bool:
        ns = context.get_namespace()
        return ns is None or any(ns in r.tags for r in self._all_runs())

    @property
    def created_at(self) -> datetime | None:
        runs = self._all_runs()
        return runs[-1].created_at if runs else None

    def _all_runs(self) -> list[Run]:
        """Every run, newest first (by start time; runs whose start is unknown come last)."""
        runs = []
        for rid in self._reader.run_ids():
            record = self._reader.run(rid)
            if record is not None:
                runs.append(Run._make(self._reader, record, False))

        def newest(run: Run) -> tuple[float, str]:
            started = run.created_at
            return (started.timestamp() if started is not None else float("-inf"), run.id)

        return sorted(runs, key=newest, reverse=True)

    def _children(self) -> list[Run]:
        runs = self._all_runs()
        if self._ns_check:
            runs = [r for r in runs if self._ns in r.tags]
        for r in runs:
            r._ns, r._ns_check = self._ns, self._ns_check
        return runs

    def runs(self, *tags: str) -> list[Run]:
        """The runs in the current namespace with every one of `tags`, newest first."""
        return list(self._filtered_children(*tags))

    def run(self, run_id: str | None = None) -> Run:
        """A run by id; None is the latest in the current namespace."""
        if run_id is None:
            latest = self.latest_run
            if latest is None:
                raise RunNotFound(f"no runs of flow {self.id!r} in {self.datastore}{self._ns_note()}")
            return latest
        return self[run_id]

    def _ns_note(self) -> str:
        return f" in namespace {self._ns!r} (namespace(None) reads every namespace)" if self._ns_check else ""

    @property
    def latest_run(self) -> Run | None:
        for run in self:
            return run
        return None

    @property
    def latest_successful_run(self) -> Run | None:
        for run in self:
            if run.successful:
                return run
        return None

    def __getitem__(self, run_id: str) -> Run:
        return Run._open(self._reader, run_id, self._ns_check)

    def __contains__(self, run_id: object) -> bool:
        return plain_id(run_id) and self._reader.run(str(run_id)) is not None

    @classmethod
    def _from_reader(cls, reader: Reader, namespace_check: bool) -> Flow:
        flow = cls.__new__(cls)
        flow._setup(reader, namespace_check)
        flow.id = reader.flow
        return flow


class Run(ClientObject):
    """One run. `Run("TrainFlow/<run_id>")` as in Metaflow; flowc's `Run("TrainFlow")` is the latest
    run in the current namespace and `Run("TrainFlow", run_id, datastore)` names one."""

    _NAME = "run"

    def __init__(
        self,
        pathspec: str,
        run_id: str | None = None,
        datastore: str | os.PathLike[str] | None = None,
        *,
        _namespace_check: bool = True,
    ) -> None:
        if not isinstance(pathspec, str):
            raise InvalidPathspec(f"Expects Run('FlowName/RunID'), got {pathspec!r}")
        if "/" in pathspec:
            if run_id is not None:
                raise InvalidPathspec(f"Run({pathspec!r}, {run_id!r}): give a pathspec or a flow and a run id")
            flow, run_id = split_pathspec(pathspec, 2, "Run('FlowName/RunID')")
        else:
            flow = pathspec
        reader = Reader(flow, context.datastore_root(datastore))
        if run_id is None:
            if not reader.exists():
                raise RunNotFound(f"no runs of flow {flow!r} in {reader.root}; {reader.flows_message()}")
            found = Flow._from_reader(reader, _namespace_check).run(None)
            self._init(reader, found._record, _namespace_check)
            return
        other = Run._open(reader, run_id, _namespace_check)
        self._init(reader, other._record, _namespace_check)

    @classmethod
    def _open(cls, reader: Reader, run_id: str, namespace_check: bool) -> Run:
        if not plain_id(run_id):
            raise RunNotFound(f"{run_id!r} is not a run id")
        record = reader.run(run_id)
        if record is None:
            if not reader.exists():
                raise RunNotFound(f"no runs of flow {reader.flow!r} in {reader.root}; {reader.flows_message()}")
            ids = reader.run_ids()
            raise RunNotFound(f"no run {run_id!r} of flow {reader.flow!r} in {reader.root}; runs: {listing(ids[::-1])}")
        run = cls._make(reader, record, namespace_check)
        run._check_namespace()
        return run

    @classmethod
    def _make(cls, reader: Reader, record: RunRecord, namespace_check: bool) -> Run:
        run = cls.__new__(cls)
        run._init(reader, record, namespace_check)
        return run

    def _init(self, reader: Reader, record: RunRecord, namespace_check: bool) -> None:
        self._setup(reader, namespace_check)
        self._record = record
        self.id = record.run_id
        self._steps: dict[str, Step] = {}

    def _run(self) -> RunRecord:
        return self._record

    # -- what the run is -------------------------------------------------------------------------

    @property
    def flow(self) -> str:
        """The flow's name."""
        return self._reader.flow

    @property
    def datastore(self) -> str:
        return self._reader.root

    @property
    def pathspec(self) -> str:
        return f"{self.flow}/{self.id}"

    @property
    def metadata(self) -> dict[str, Any] | None:
        """`run.json` as `flowc run` wrote it, or None for a run an orchestrator started."""
        meta = self._record.meta
        return dict(meta) if meta is not None else None

    def _meta(self, key: str) -> Any:
        return (self._record.meta or {}).get(key)

    @property
    def _ir(self) -> FlowIR | None:
        return self._reader.ir(self.code_id)

    @property
    def _start_name(self) -> str:
        ir = self._ir
        return ir.start_step if ir is not None else "start"

    @property
    def _end_name(self) -> str:
        ir = self._ir
        return ir.end_step if ir is not None else "end"

    def _manifest(self, step: str, index: str = "") -> Mapping[str, Any] | None:
        return self._record.manifest(step, index)

    @property
    def status(self) -> str:
        """succeeded, failed, interrupted or running as `flowc run` recorded it, or died for a run
        recorded as running whose process is gone (flowc.runner.lease). For a run an orchestrator
        started: succeeded once its end task completed, else unknown (running or failed: the
        orchestrator knows)."""
        status = self._meta("status")
        if status == "running":
            from flowc.runner import lease

            meta = self._record.meta or {}
            if not lease.alive(meta, self._reader.store.read_heartbeat(self.id)):
                return lease.DIED
        if status:
            return str(status)
        return "succeeded" if self._manifest(self._end_name) is not None else "unknown"

    @property
    def successful(self) -> bool:
        """True when the end step completed."""
        return self.status == "succeeded"

    @property
    def finished(self) -> bool:
        """True when the end step completed (a flowc task that fails leaves no result)."""
        return self._manifest(self._end_name) is not None

    @property
    def code_id(self) -> str | None:
        """The id of the run's code package."""
        if self._meta("code"):
            return str(self._meta("code"))
        # A run an orchestrator started has no run.json: every task's manifest names the code (the
        # start task's first, whatever the flow calls its entry step).
        completed = self._record.completed()
        for step in sorted(completed, key=lambda s: s != "start"):
            for index in completed[step][:1]:
                m = self._manifest(step, index)
                if m is not None and m.get("code"):
                    return str(m["code"])
        return None

    @property
    def code(self) -> Code | None:
        """The run's code package (`.flowspec`, `.tarball`, `.extract()`), or None when it is missing."""
        return Code._open(self._reader, self.code_id)

    @property
    def created_at(self) -> datetime | None:
        """When the run started."""
        if self._meta("started_at") is not None:
            return when(self._meta("started_at"))
        start = self._manifest(self._start_name)
        return when(start.get("started_at")) if start is not None else None

    started_at = created_at

    @property
    def finished_at(self) -> datetime | None:
        """When the end task finished (Metaflow's rule); for a failed `flowc run`, when it stopped."""
        end = self._manifest(self._end_name)
        if end is not None:
            return when(end.get("finished_at"))
        return when(self._meta("finished_at"))

    @property
    def duration(self) -> float | None:
        """Seconds from start to finish."""
        start, end = self.created_at, self.finished_at
        return (end - start).total_seconds() if start is not None and end is not None else None

    @property
    def origin_pathspec(self) -> str | None:
        """The run this one was resumed from (`flowc resume`), as a pathspec."""
        origin = self._meta("origin_run_id")
        return f"{self.flow}/{origin}" if origin else None

    @property
    def task_count(self) -> int:
        """How many tasks completed."""
        return sum(len(indexes) for indexes in self._record.completed().values())

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters' values as the steps saw them (the start task's artifacts); while the start
        task has not completed, the values the run was started with."""
        recorded = self._meta("parameters")
        if isinstance(recorded, Mapping):
            names = list(recorded)
        else:
            recorded = {}
            names = [p.name for p in self._ir.parameters] if self._ir is not None else []
        if self._start_name in self._record.completed():
            start = self[self._start_name].task
            assert start is not None
            return {n: start[n].data if n in start else recorded.get(n) for n in names}
        return {n: recorded[n] for n in names if n in recorded}

    @property
    def trigger(self) -> None:
        """Event triggers are not supported: always None."""
        return None

    # -- steps and tasks -------------------------------------------------------------------------

    def _step_names(self) -> list[str]:
        """The steps that have a task (completed, or started and left a log), in the flow's order."""
        tasks = self._record.tasks()
        ir = self._ir
        order = [s.name for s in ir.steps] if ir is not None else []
        rest = sorted(set(tasks) - set(order), key=lambda s: (s == self._end_name, s != self._start_name, s))
        return [s for s in order if s in tasks] + rest

    def _children(self) -> list[Step]:
        # Metaflow lists a run's steps newest first: the end step first.
        return [self[name] for name in reversed(self._step_names())]

    def steps(self, *tags: str) -> list[Step]:
        """The steps that ran, newest first (Metaflow's order: `end` first)."""
        return list(self._filtered_children(*tags))

    def __getitem__(self, step: str) -> Step:
        if step in self._steps:
            return self._steps[step]
        tasks = self._record.tasks()
        if step not in tasks:
            ir = self._ir
            known = ir is not None and any(s.name == step for s in ir.steps)
            present = listing(self._step_names())
            if known:
                raise StepNotFound(
                    f"step {step!r} of run {self.pathspec} has no task (run {self.status}); steps that ran: {present}"
                )
            raise StepNotFound(f"run {self.pathspec} has no step {step!r}; steps that ran: {present}")
        self._steps[step] = Step._make(self, step, tasks[step])
        return self._steps[step]

    def __contains__(self, step: object) -> bool:
        return isinstance(step, str) and step in self._record.tasks()

    @property
    def end_task(self) -> Task | None:
        """The end step's task, or None before it completed."""
        if self._end_name not in self._record.completed():
            return None
        return self[self._end_name].task

    @property
    def data(self) -> TaskData | None:
        """The end task's artifacts (`run.data.best_lr`); None before the end step completed."""
        end = self.end_task
        return end.data if end is not None else None
