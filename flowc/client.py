"""Read what runs produced: runs, their steps and tasks, and the tasks' artifacts. Read-only.

    from flowc.client import Flow, Run

    run = Run("HyperparamSweepFlow")              # the latest run in ./.flowc
    run.status, run.parameters                    # "succeeded", {"epochs": 40, ...}
    run.end.best_lr                               # an artifact of the end task
    [t.data.mse for t in run["train"].tasks]      # every task of a foreach step, in index order
    run["train"]["2"]["lr"]                       # one task by its foreach index path ("2", "1.2")
    Flow("HyperparamSweepFlow", datastore="s3://bucket/flowc").runs()   # newest first

Everything is read through `flowc.datastore` (docs/datastore.md), so a local folder and an S3 prefix
behave the same, and runs of every engine can be read: `flowc run` also leaves run metadata
(`run.json`: parameters, status, timing); for runs started by an orchestrator these come from the
task manifests and the code package. Artifacts are loaded on first access and kept. Nothing here
writes to the datastore, and importing it loads neither the compiler's dependencies nor boto3 (that
only for an `s3://` datastore).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from flowc.datastore import layout
from flowc.datastore import package as code_package
from flowc.datastore.storage import NotFound
from flowc.datastore.store import ArtifactError, FlowDatastore
from flowc.ir import Flow as FlowIR

__all__ = [
    "ArtifactInfo",
    "ArtifactNotFound",
    "ClientError",
    "Flow",
    "Run",
    "RunNotFound",
    "Step",
    "StepNotFound",
    "Task",
    "TaskData",
    "TaskNotFound",
]

DEFAULT_DATASTORE = ".flowc"
# How many names an error message lists before it says "and N more".
_LISTED = 12


class ClientError(Exception):
    """Something asked for cannot be read from the datastore."""


class NotFoundError(ClientError, LookupError):
    """The run, step, task or artifact asked for is not in the datastore."""


class RunNotFound(NotFoundError):
    pass


class StepNotFound(NotFoundError):
    pass


class TaskNotFound(NotFoundError):
    pass


class ArtifactNotFound(NotFoundError, KeyError, AttributeError):
    """No artifact of that name. A KeyError for `task["x"]` and an AttributeError for `task.data.x`,
    so `in`, `hasattr` and `getattr(..., default)` work as usual."""

    def __str__(self) -> str:  # KeyError would show the message's repr
        return str(self.args[0]) if self.args else ""


def _listing(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:_LISTED])
    more = len(names) - _LISTED
    return f"{shown}, and {more} more" if more > 0 else shown


def _when(ts: Any) -> datetime | None:
    return datetime.fromtimestamp(float(ts), tz=timezone.utc) if isinstance(ts, (int, float)) else None


def _index_tuple(index: str) -> tuple[int, ...]:
    return tuple(int(p) for p in index.split(".")) if index else ()


def _normalise_index(index: str | int | tuple[int, ...] | list[int]) -> str:
    if isinstance(index, bool):
        raise TypeError(f"a task index is a foreach index path such as '2' or '1.2', not {index!r}")
    if isinstance(index, int):
        return str(index)
    if isinstance(index, (tuple, list)):
        return ".".join(str(int(i)) for i in index)
    if isinstance(index, str):
        return "" if index == layout.NO_INDEX else index.strip()
    raise TypeError(f"a task index is a foreach index path such as '2' or '1.2', not {index!r}")


class _Reader:
    """One flow's datastore, shared by the objects of one `Flow`/`Run`, with what was read cached."""

    def __init__(self, flow: str, datastore: str | os.PathLike[str]) -> None:
        if not flow:
            raise ValueError("a flow name is required")
        self.flow = flow
        self.store = FlowDatastore.open(os.fspath(datastore), flow)
        self.root = self.store.storage.root
        self._irs: dict[str, FlowIR | None] = {}

    def ir(self, code_id: str | None) -> FlowIR | None:
        """The compiled flow from a code package, or None when it cannot be read."""
        if not code_id:
            return None
        if code_id not in self._irs:
            try:
                data = code_package.read_member(self.store.get_code(code_id), "flow.json")
                self._irs[code_id] = FlowIR.from_json(data.decode())
            except (NotFound, KeyError, ValueError, OSError):
                self._irs[code_id] = None
        return self._irs[code_id]

    def no_runs_message(self) -> str:
        flows = self.store.storage.list_dirs("")
        there = f"; flows there: {_listing(flows)}" if flows else "; it holds no flows"
        return f"no runs of flow {self.flow!r} in {self.root}{there}"


@dataclass(frozen=True)
class ArtifactInfo:
    """What a task's manifest says about one artifact, without loading it."""

    name: str
    type: str
    size: int  # bytes, pickled
    sha: str


class TaskData:
    """A task's artifacts as attributes (`data.best_lr`), each loaded on first access."""

    def __init__(self, task: Task) -> None:
        object.__setattr__(self, "_task", task)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        task: Task = object.__getattribute__(self, "_task")
        return task[name]

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("artifacts are read-only")

    def __contains__(self, name: object) -> bool:
        return name in self._task

    def __dir__(self) -> list[str]:
        return self._task.artifact_names

    def __iter__(self) -> Iterator[str]:
        return iter(self._task.artifact_names)

    def __repr__(self) -> str:
        return f"<TaskData {self._task.pathspec}: {', '.join(self._task.artifact_names)}>"


class Task:
    """One completed task: a step at one foreach index path ("" outside any foreach)."""

    def __init__(self, reader: _Reader, run_id: str, step: str, index: str, manifest: Mapping[str, Any]) -> None:
        self._reader = reader
        self.run_id = run_id
        self.step = step
        self.index = index
        self.manifest: Mapping[str, Any] = manifest
        self._values: dict[str, Any] = {}

    @property
    def id(self) -> str:
        """`train/2.1`, or the step's name outside any foreach (as `current.task_id`)."""
        return f"{self.step}/{self.index}" if self.index else self.step

    @property
    def pathspec(self) -> str:
        return f"{self._reader.flow}/{self.run_id}/{self.id}"

    @property
    def foreach_index(self) -> tuple[int, ...]:
        return _index_tuple(self.index)

    @property
    def attempt(self) -> int:
        return int(self.manifest.get("attempt", 0))

    @property
    def started_at(self) -> datetime | None:
        return _when(self.manifest.get("started_at"))

    @property
    def finished_at(self) -> datetime | None:
        return _when(self.manifest.get("finished_at"))

    @property
    def duration(self) -> float | None:
        start, end = self.manifest.get("started_at"), self.manifest.get("finished_at")
        return float(end) - float(start) if isinstance(start, (int, float)) and isinstance(end, (int, float)) else None

    @property
    def caught(self) -> dict[str, str] | None:
        """`{"type", "message"}` when `@catch` caught the step's error, else None."""
        caught = self.manifest.get("caught")
        return dict(caught) if caught else None

    @property
    def artifacts(self) -> dict[str, ArtifactInfo]:
        """Every artifact's name, type and size, from the manifest (nothing is loaded)."""
        refs: Mapping[str, Mapping[str, Any]] = self.manifest.get("artifacts", {})
        return {
            name: ArtifactInfo(name, str(ref.get("type", "?")), int(ref.get("size", 0)), str(ref["sha"]))
            for name, ref in sorted(refs.items())
        }

    @property
    def artifact_names(self) -> list[str]:
        return sorted(self.manifest.get("artifacts", {}))

    @property
    def data(self) -> TaskData:
        return TaskData(self)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self.manifest.get("artifacts", {})

    def __getitem__(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        ref = self.manifest.get("artifacts", {}).get(name)
        if ref is None:
            raise ArtifactNotFound(
                f"task {self.pathspec} has no artifact {name!r}; it has: {_listing(self.artifact_names)}"
            )
        try:
            value = self._reader.store.load_value(ref["sha"])
        except ArtifactError as exc:
            raise ClientError(f"artifact {name!r} of {self.pathspec}: {exc}") from exc
        except Exception as exc:  # unpickling runs the value's own code: any error can come out
            raise ClientError(
                f"artifact {name!r} of {self.pathspec} ({ref.get('type', '?')}) cannot be loaded: "
                f"{type(exc).__name__}: {exc}. If its type is defined in your flow's code, make that module "
                f"importable (run from the flow's folder, or add it to sys.path)"
            ) from exc
        self._values[name] = value
        return value

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self:
            return default
        return self[name]

    def __repr__(self) -> str:
        return f"Task({self.pathspec!r})"


class Step:
    """A step of a run and its completed tasks, in foreach index order."""

    def __init__(self, reader: _Reader, run_id: str, name: str, indexes: list[str]) -> None:
        self._reader = reader
        self.run_id = run_id
        self.name = name
        self._indexes = sorted(indexes, key=_index_tuple)
        self._tasks: dict[str, Task] = {}

    @property
    def pathspec(self) -> str:
        return f"{self._reader.flow}/{self.run_id}/{self.name}"

    @property
    def indexes(self) -> list[str]:
        """The foreach index paths of the completed tasks ("" outside any foreach)."""
        return list(self._indexes)

    @property
    def tasks(self) -> list[Task]:
        return [self[i] for i in self._indexes]

    @property
    def task(self) -> Task:
        """The step's only task; an error for a foreach step with several."""
        if len(self._indexes) != 1:
            raise TaskNotFound(
                f"step {self.pathspec} has {len(self._indexes)} tasks; pick one by index: {_listing(self._indexes)}"
            )
        return self[self._indexes[0]]

    def __getitem__(self, index: str | int | tuple[int, ...]) -> Task:
        key = _normalise_index(index)
        if key not in self._tasks:
            manifest = self._reader.store.read_manifest(self.run_id, self.name, key) if key in self._indexes else None
            if manifest is None:
                shown = [i or '""' for i in self._indexes]
                raise TaskNotFound(f"step {self.pathspec} has no completed task {key!r}; tasks: {_listing(shown)}")
            self._tasks[key] = Task(self._reader, self.run_id, self.name, key, manifest)
        return self._tasks[key]

    def __iter__(self) -> Iterator[Task]:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self._indexes)

    def __repr__(self) -> str:
        return f"Step({self.pathspec!r}, tasks={len(self._indexes)})"


class Run:
    """One run of a flow. `run_id=None` is the latest run (newest start time)."""

    def __init__(
        self, flow: str, run_id: str | None = None, datastore: str | os.PathLike[str] = DEFAULT_DATASTORE
    ) -> None:
        reader = _Reader(flow, datastore)
        if run_id is None:
            runs = Flow._from_reader(reader).runs()
            if not runs:
                raise RunNotFound(reader.no_runs_message())
            run_id = runs[0].id
            meta: dict[str, Any] | None = runs[0]._meta
        else:
            if not run_id or "/" in run_id or run_id in (".", ".."):
                raise RunNotFound(f"{run_id!r} is not a run id")
            meta = reader.store.read_run_meta(run_id)
            if meta is None and not reader.store.storage.list_dirs(layout.run_prefix(flow, run_id)):
                ids = reader.store.run_ids()
                if not ids:
                    raise RunNotFound(reader.no_runs_message())
                raise RunNotFound(f"no run {run_id!r} of flow {flow!r} in {reader.root}; runs: {_listing(ids[::-1])}")
        self._init(reader, run_id, meta)

    @classmethod
    def _make(cls, reader: _Reader, run_id: str, meta: dict[str, Any] | None) -> Run:
        run = cls.__new__(cls)
        run._init(reader, run_id, meta)
        return run

    def _init(self, reader: _Reader, run_id: str, meta: dict[str, Any] | None) -> None:
        self._reader = reader
        self.id = run_id
        self._meta = meta
        self._tasks: dict[str, list[str]] | None = None
        self._steps: dict[str, Step] = {}
        self._manifests: dict[str, Mapping[str, Any] | None] = {}

    # -- what the run is -------------------------------------------------------------------------

    @property
    def flow(self) -> str:
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
        return dict(self._meta) if self._meta is not None else None

    def _manifest(self, step: str) -> Mapping[str, Any] | None:
        """The manifest of a step's task outside any foreach (start, end), read once."""
        if step not in self._manifests:
            self._manifests[step] = self._reader.store.read_manifest(self.id, step)
        return self._manifests[step]

    @property
    def status(self) -> str:
        """succeeded, failed, interrupted or running as `flowc run` recorded it. For a run an
        orchestrator started: succeeded once its end task completed, else unknown (running or failed:
        the orchestrator knows)."""
        if self._meta is not None and self._meta.get("status"):
            return str(self._meta["status"])
        return "succeeded" if self._manifest("end") is not None else "unknown"

    @property
    def successful(self) -> bool:
        return self.status == "succeeded"

    @property
    def code(self) -> str | None:
        """The id of the run's code package."""
        if self._meta is not None and self._meta.get("code"):
            return str(self._meta["code"])
        start = self._manifest("start")
        return str(start["code"]) if start is not None and start.get("code") else None

    @property
    def started_at(self) -> datetime | None:
        if self._meta is not None and "started_at" in self._meta:
            return _when(self._meta["started_at"])
        start = self._manifest("start")
        return _when(start.get("started_at")) if start is not None else None

    @property
    def finished_at(self) -> datetime | None:
        if self._meta is not None:
            return _when(self._meta.get("finished_at"))
        end = self._manifest("end")
        return _when(end.get("finished_at")) if end is not None else None

    @property
    def duration(self) -> float | None:
        start, end = self.started_at, self.finished_at
        return (end - start).total_seconds() if start is not None and end is not None else None

    @property
    def task_count(self) -> int:
        """How many tasks completed."""
        recorded = self._meta.get("tasks") if self._meta is not None else None
        if isinstance(recorded, Mapping) and self.status != "running":
            return sum(1 for t in recorded.values() if isinstance(t, Mapping) and t.get("exit_code") == 0)
        return sum(len(indexes) for indexes in self._completed().values())

    @property
    def parameters(self) -> dict[str, Any]:
        """The parameters' values as the steps saw them (the start task's artifacts); while the start
        task has not completed, the values the run was started with."""
        names: list[str]
        if self._meta is not None and isinstance(self._meta.get("parameters"), Mapping):
            recorded: Mapping[str, Any] = self._meta["parameters"]
            names = list(recorded)
        else:
            recorded = {}
            ir = self._reader.ir(self.code)
            names = [p.name for p in ir.parameters] if ir is not None else []
        if "start" in self._completed():
            start = self["start"].task
            return {n: start[n] if n in start else recorded.get(n) for n in names}
        return {n: recorded[n] for n in names if n in recorded}

    # -- steps and tasks -------------------------------------------------------------------------

    def _completed(self) -> dict[str, list[str]]:
        if self._tasks is None:
            tasks: dict[str, list[str]] = {}
            for step, index in self._reader.store.completed_tasks(self.id):
                tasks.setdefault(step, []).append(index)
            self._tasks = tasks
        return self._tasks

    def _step_order(self) -> list[str]:
        done = self._completed()
        ir = self._reader.ir(self.code)
        order = [s.name for s in ir.steps] if ir is not None else []
        rest = sorted(set(done) - set(order), key=lambda s: (s == "end", s != "start", s))
        return [s for s in order if s in done] + rest

    @property
    def steps(self) -> list[Step]:
        """The steps with at least one completed task, in the flow's order."""
        return [self[name] for name in self._step_order()]

    def __getitem__(self, step: str) -> Step:
        if step in self._steps:
            return self._steps[step]
        done = self._completed()
        if step not in done:
            ir = self._reader.ir(self.code)
            known = ir is not None and any(s.name == step for s in ir.steps)
            present = _listing(self._step_order())
            if known:
                raise StepNotFound(
                    f"step {step!r} of run {self.pathspec} has no completed task (run {self.status}); "
                    f"steps with completed tasks: {present}"
                )
            raise StepNotFound(f"run {self.pathspec} has no step {step!r}; steps with completed tasks: {present}")
        self._steps[step] = Step(self._reader, self.id, step, done[step])
        return self._steps[step]

    def __contains__(self, step: object) -> bool:
        return isinstance(step, str) and step in self._completed()

    def __iter__(self) -> Iterator[Step]:
        return iter(self.steps)

    @property
    def end(self) -> TaskData:
        """The end task's artifacts: a run's results (`run.end.best_lr`)."""
        return self["end"].task.data

    def __repr__(self) -> str:
        return f"Run({self.pathspec!r}, status={self.status!r})"


class Flow:
    """A flow's runs in a datastore."""

    def __init__(self, name: str, datastore: str | os.PathLike[str] = DEFAULT_DATASTORE) -> None:
        self._reader = _Reader(name, datastore)

    @classmethod
    def _from_reader(cls, reader: _Reader) -> Flow:
        flow = cls.__new__(cls)
        flow._reader = reader
        return flow

    @property
    def name(self) -> str:
        return self._reader.flow

    @property
    def datastore(self) -> str:
        return self._reader.root

    def runs(self) -> list[Run]:
        """Every run, newest first (by start time; runs whose start is unknown come last)."""
        store = self._reader.store
        runs = [Run._make(self._reader, rid, store.read_run_meta(rid)) for rid in store.run_ids()]

        def newest(run: Run) -> tuple[float, str]:
            started = run.started_at
            return (started.timestamp() if started is not None else float("-inf"), run.id)

        return sorted(runs, key=newest, reverse=True)

    def run(self, run_id: str | None = None) -> Run:
        """A run by id; None is the latest."""
        return Run(self.name, run_id, self.datastore)

    @property
    def latest_run(self) -> Run:
        return self.run(None)

    @property
    def latest_successful_run(self) -> Run:
        for run in self.runs():
            if run.successful:
                return run
        raise RunNotFound(f"no successful run of flow {self.name!r} in {self.datastore}")

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs())

    def __repr__(self) -> str:
        return f"Flow({self.name!r}, datastore={self.datastore!r})"
