"""The client's `Step`, `Task`, `DataArtifact` and a task's `data` (Metaflow's shape; see flowc.client)."""

from __future__ import annotations

import json
import os
from collections import namedtuple
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flowc.client.base import NO_INDEX, ClientObject, Metadata, split_pathspec
from flowc.client.code import Code
from flowc.client.errors import ArtifactNotFound, ClientError, TaskNotFound
from flowc.client.reader import RunRecord, index_tuple, listing, when
from flowc.datastore import layout
from flowc.datastore.store import ArtifactError

if TYPE_CHECKING:
    from flowc.client.runs import Run


class Step(ClientObject):
    """A step of a run and its tasks, in index order. `Step("TrainFlow/<run>/train")`."""

    _NAME = "step"

    def __init__(
        self, pathspec: str, datastore: str | os.PathLike[str] | None = None, *, _namespace_check: bool = True
    ) -> None:
        from flowc.client.runs import Run

        flow, run_id, name = split_pathspec(pathspec, 3, "Step('FlowName/RunID/StepName')")
        run = Run(f"{flow}/{run_id}", datastore=datastore, _namespace_check=_namespace_check)
        other = run[name]
        self._init(run, name, other._indexes)

    @classmethod
    def _make(cls, run: Run, name: str, indexes: list[str]) -> Step:
        step = cls.__new__(cls)
        step._init(run, name, indexes)
        return step

    def _init(self, run: Run, name: str, indexes: list[str]) -> None:
        self._reader = run._reader
        self._ns, self._ns_check = run._ns, run._ns_check
        self._run_obj = run
        self.id = name
        self._indexes = sorted(indexes, key=index_tuple)
        self._tasks: dict[str, Task] = {}

    def _run(self) -> RunRecord:
        return self._run_obj._record

    @property
    def name(self) -> str:
        return self.id

    @property
    def run_id(self) -> str:
        return self._run_obj.id

    @property
    def pathspec(self) -> str:
        return f"{self._run_obj.pathspec}/{self.id}"

    @property
    def indexes(self) -> list[str]:
        """The index paths of the step's tasks ("" outside any foreach), in order."""
        return list(self._indexes)

    def _children(self) -> list[Task]:
        return [self[i] for i in self._indexes]

    def tasks(self, *tags: str) -> list[Task]:
        """The step's tasks, in index order."""
        return list(self._filtered_children(*tags))

    @property
    def task(self) -> Task | None:
        """The step's task (for a foreach step, its first task); None when it has none."""
        return self[self._indexes[0]] if self._indexes else None

    @property
    def control_task(self) -> None:
        return None

    @property
    def environment_info(self) -> None:
        return None

    @property
    def created_at(self) -> datetime | None:
        starts = [t.created_at for t in self if t.created_at is not None]
        return min(starts) if starts else None

    started_at = created_at

    @property
    def finished_at(self) -> datetime | None:
        """When the step's last task finished."""
        ends = [t.finished_at for t in self if t.finished_at is not None]
        return max(ends) if ends else None

    def __getitem__(self, task_id: str | int | tuple[int, ...] | list[int]) -> Task:
        key = _normalise_index(task_id)
        if key not in self._tasks:
            if key not in self._indexes:
                shown = [i or NO_INDEX for i in self._indexes]
                raise TaskNotFound(f"step {self.pathspec} has no task {key or NO_INDEX!r}; tasks: {listing(shown)}")
            self._tasks[key] = Task._make(self, key, None)
        return self._tasks[key]

    def __contains__(self, task_id: object) -> bool:
        try:
            return _normalise_index(task_id) in self._indexes  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False

    def __len__(self) -> int:
        return len(self._indexes)


def _normalise_index(index: str | int | tuple[int, ...] | list[int]) -> str:
    """A task id as the datastore spells it: "" outside any foreach, else the dot-joined index path."""
    if isinstance(index, bool):
        raise TypeError(f"a task id is an index path such as '2' or '1.2' (or '_'), not {index!r}")
    if isinstance(index, int):
        return str(index)
    if isinstance(index, (tuple, list)):
        return ".".join(str(int(i)) for i in index)
    if isinstance(index, str):
        return "" if index in (NO_INDEX, "") else index.strip()
    raise TypeError(f"a task id is an index path such as '2' or '1.2' (or '_'), not {index!r}")


class Task(ClientObject):
    """One task: a step at one index path. `Task("TrainFlow/<run>/train/2")`, `Task(..., attempt=1)`.

    A task that failed has no artifacts (flowc keeps only a completed attempt's results) but keeps its
    logs: `finished`/`successful` are False and `stdout` shows what it printed."""

    _NAME = "task"

    def __init__(
        self,
        pathspec: str,
        attempt: int | None = None,
        *,
        datastore: str | os.PathLike[str] | None = None,
        _namespace_check: bool = True,
    ) -> None:
        flow, run_id, step, task_id = split_pathspec(pathspec, 4, "Task('FlowName/RunID/StepName/TaskID')")
        owner = Step(f"{flow}/{run_id}/{step}", datastore, _namespace_check=_namespace_check)
        found = owner[task_id]
        self._init(owner, found.index_path, _check_attempt(attempt))

    @classmethod
    def _make(cls, step: Step, index: str, attempt: int | None) -> Task:
        task = cls.__new__(cls)
        task._init(step, index, attempt)
        return task

    def _init(self, step: Step, index: str, attempt: int | None) -> None:
        self._reader = step._reader
        self._ns, self._ns_check = step._ns, step._ns_check
        self._step = step
        self._attempt = attempt
        self.index_path = index
        self.id = index or NO_INDEX
        self._values: dict[str, Any] = {}

    def _run(self) -> RunRecord:
        return self._step._run()

    @property
    def step(self) -> str:
        """The step's name."""
        return self._step.id

    @property
    def run_id(self) -> str:
        return self._step.run_id

    @property
    def pathspec(self) -> str:
        return f"{self._step.pathspec}/{self.id}"

    @property
    def manifest(self) -> Mapping[str, Any]:
        """The task's manifest (docs/datastore.md); empty for a task that did not complete, or when
        another attempt than the completed one was asked for."""
        m = self._run().manifest(self.step, self.index_path)
        if m is None or (self._attempt is not None and int(m.get("attempt", 0)) != self._attempt):
            return {}
        return m

    @property
    def foreach_index(self) -> tuple[int, ...]:
        """The index path as a tuple of ints."""
        return index_tuple(self.index_path)

    @property
    def index(self) -> int | None:
        """The position in the innermost foreach (Metaflow's `Task.index`); None outside any foreach."""
        ir = self._step._run_obj._ir
        if ir is not None:
            try:
                depth = ir.step(self.step).foreach_depth
            except KeyError:
                depth = len(self.foreach_index)
        else:
            depth = len(self.foreach_index)
        return self.foreach_index[depth - 1] if depth else None

    @property
    def attempt(self) -> int:
        """The attempt whose results these are (the completed one), else the latest that left a log."""
        return self.current_attempt

    @property
    def current_attempt(self) -> int:
        if self._attempt is not None:
            return self._attempt
        m = self._run().manifest(self.step, self.index_path)
        if m is not None:
            return int(m.get("attempt", 0))
        attempts = self._run().logs().get((self.step, self.index_path), [0])
        return attempts[-1]

    @property
    def finished(self) -> bool:
        return bool(self.manifest)

    @property
    def successful(self) -> bool:
        """True when the task completed and its step did not fail: as in Metaflow, a task whose error
        `@catch` caught is finished but not successful (the run goes on)."""
        return bool(self.manifest) and not self.manifest.get("caught")

    @property
    def caught(self) -> dict[str, str] | None:
        """`{"type", "message"}` when `@catch` caught the step's error, else None."""
        caught = self.manifest.get("caught")
        return dict(caught) if caught else None

    @property
    def exception(self) -> str | None:
        """The error `@catch` caught, as `Type: message`; None otherwise."""
        c = self.caught
        return f"{c.get('type')}: {c.get('message')}" if c else None

    @property
    def created_at(self) -> datetime | None:
        return when(self.manifest.get("started_at")) or self._step._run_obj.created_at

    started_at = created_at

    @property
    def finished_at(self) -> datetime | None:
        return when(self.manifest.get("finished_at"))

    @property
    def duration(self) -> float | None:
        start, end = self.manifest.get("started_at"), self.manifest.get("finished_at")
        return float(end) - float(start) if isinstance(start, (int, float)) and isinstance(end, (int, float)) else None

    @property
    def runtime_name(self) -> str | None:
        for t in self.system_tags:
            if t.startswith("runtime:"):
                return t.split(":", 1)[1]
        return None

    @property
    def code(self) -> Code | None:
        return Code._open(self._reader, self.manifest.get("code") or self._step._run_obj.code_id)

    @property
    def environment_info(self) -> None:
        return None

    @property
    def origin_pathspec(self) -> str | None:
        """The task this one was cloned from by `flowc resume`, as a pathspec."""
        origin = self.manifest.get("origin")
        if isinstance(origin, Mapping) and origin.get("run_id"):
            return f"{self._reader.flow}/{origin['run_id']}/{self.step}/{self.id}"
        return None

    @property
    def metadata(self) -> list[Metadata]:
        """What is known of the task as Metaflow's metadata list (attempt, code package, datastore, origin)."""
        m = self.manifest
        ts = int(float(m.get("finished_at", 0)) * 1000)
        ds_type = "s3" if self._reader.root.startswith("s3://") else "local"
        facts: dict[str, Any] = {"attempt": self.current_attempt, "ds-type": ds_type, "ds-root": self._reader.root}
        if m.get("code"):
            where = self._reader.store.storage.url(layout.code_key(self._reader.flow, m["code"]))
            facts["code-package"] = json.dumps({"ds_type": ds_type, "sha": m["code"], "location": where})
        origin = m.get("origin")
        if isinstance(origin, Mapping) and origin.get("run_id"):
            facts["origin-run-id"] = origin["run_id"]
            facts["origin-task-id"] = self.id
        return [Metadata(k, str(v), ts, k, self) for k, v in facts.items()]

    @property
    def metadata_dict(self) -> dict[str, str]:
        return {m.name: m.value for m in self.metadata}

    # -- artifacts -------------------------------------------------------------------------------

    @property
    def artifact_names(self) -> list[str]:
        """Every artifact's name, sorted (including names that start with `_`)."""
        return sorted(self.manifest.get("artifacts", {}))

    def _ref(self, name: str) -> Mapping[str, Any] | None:
        ref: Mapping[str, Any] | None = self.manifest.get("artifacts", {}).get(name)
        return ref

    def _children(self) -> list[DataArtifact]:
        # As Metaflow: names starting with "_" are private and not listed (but can be asked for).
        return [self[name] for name in self.artifact_names if not name.startswith("_")]

    def __getitem__(self, name: str) -> DataArtifact:
        ref = self._ref(name)
        if ref is None:
            why = "" if self.manifest else " (it did not complete: a failed task keeps its logs, not its artifacts)"
            raise ArtifactNotFound(
                f"task {self.pathspec} has no artifact {name!r}{why}; it has: {listing(self.artifact_names)}"
            )
        return DataArtifact._make(self, name, ref)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._ref(name) is not None

    def _value(self, name: str) -> Any:
        if name in self._values:
            return self._values[name]
        ref = self._ref(name)
        if ref is None:
            self[name]  # raises ArtifactNotFound with the listing
        assert ref is not None
        try:
            value = self._reader.store.load_value(str(ref["sha"]))
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

    @property
    def data(self) -> TaskData:
        """The artifacts as attributes (`task.data.lr`), each loaded on first access."""
        return TaskData(self)

    @property
    def artifacts(self) -> Any:
        """The artifacts as a named tuple of `DataArtifact`s (`task.artifacts.lr.size`)."""
        arts = self._children()
        kind: Any = namedtuple("MetaflowArtifacts", [a.id for a in arts])  # type: ignore[misc]
        return kind._make(arts)

    # -- logs ------------------------------------------------------------------------------------

    def _log_bytes(self) -> bytes | None:
        """The attempt's log, None when none was kept. A task `flowc resume` cloned has the log of
        the task it was cloned from."""
        data = self._run().read_log(self.step, self.index_path, self.current_attempt)
        origin = self.manifest.get("origin")
        if data is None and isinstance(origin, Mapping) and origin.get("run_id"):
            record = self._reader.run(str(origin["run_id"]))
            if record is not None:
                data = record.read_log(self.step, self.index_path, int(origin.get("attempt", 0)))
        return data

    def _log(self) -> str:
        data = self._log_bytes()
        return data.decode("utf-8", errors="replace") if data is not None else ""

    @property
    def log(self) -> str:
        """What the task printed, stdout and stderr interleaved as written ("" when no log was kept:
        an orchestrator's tasks log to the orchestrator)."""
        return self._log()

    @property
    def stdout(self) -> str:
        """The task's log. flowc keeps stdout and stderr together, in the order written, so `stdout`
        and `stderr` both give the whole log."""
        return self._log()

    @property
    def stderr(self) -> str:
        """The task's log: the same as `stdout` (see there)."""
        return self._log()

    @property
    def stdout_size(self) -> int:
        return len(self._log().encode())

    stderr_size = stdout_size

    def loglines(self, stream: str = "stdout", as_unicode: bool = True) -> Iterator[tuple[datetime | None, Any]]:
        """(timestamp, line) pairs; flowc's logs carry no per-line times, so the timestamp is None."""
        if stream not in ("stdout", "stderr"):
            raise ValueError("stream is 'stdout' or 'stderr'")
        for line in self._log().splitlines():
            yield None, (line if as_unicode else line.encode())


def _check_attempt(attempt: Any) -> int | None:
    if attempt is None:
        return None
    try:
        value = int(attempt)
    except (TypeError, ValueError):
        raise TaskNotFound("an attempt is an integer") from None
    if value < 0:
        raise TaskNotFound("an attempt is 0 or more")
    return value


class DataArtifact(ClientObject):
    """One artifact of a task: `.data` (loaded on first access), `.sha`, `.size`, `.type`."""

    _NAME = "artifact"

    def __init__(
        self,
        pathspec: str,
        attempt: int | None = None,
        *,
        datastore: str | os.PathLike[str] | None = None,
        _namespace_check: bool = True,
    ) -> None:
        flow, run_id, step, task_id, name = split_pathspec(
            pathspec, 5, "DataArtifact('FlowName/RunID/StepName/TaskID/ArtifactName')"
        )
        task = Task(
            f"{flow}/{run_id}/{step}/{task_id}", attempt, datastore=datastore, _namespace_check=_namespace_check
        )
        other = task[name]
        self._init(task, name, other._ref_entry)

    @classmethod
    def _make(cls, task: Task, name: str, ref: Mapping[str, Any]) -> DataArtifact:
        art = cls.__new__(cls)
        art._init(task, name, ref)
        return art

    def _init(self, task: Task, name: str, ref: Mapping[str, Any]) -> None:
        self._reader = task._reader
        self._ns, self._ns_check = task._ns, task._ns_check
        self._task = task
        self._attempt = task._attempt
        self.id = name
        self._ref_entry = ref

    def _run(self) -> RunRecord:
        return self._task._run()

    @property
    def name(self) -> str:
        return self.id

    @property
    def pathspec(self) -> str:
        return f"{self._task.pathspec}/{self.id}"

    @property
    def data(self) -> Any:
        return self._task._value(self.id)

    @property
    def sha(self) -> str:
        return str(self._ref_entry["sha"])

    @property
    def size(self) -> int:
        """Bytes, pickled."""
        return int(self._ref_entry.get("size", 0))

    @property
    def type(self) -> str:
        """The value's type name, from the manifest (nothing is loaded)."""
        return str(self._ref_entry.get("type", "?"))

    @property
    def created_at(self) -> datetime | None:
        return self._task.finished_at

    finished_at = created_at


class TaskData:
    """A task's artifacts as attributes (`data.best_lr`), each loaded on first access (MetaflowData)."""

    def __init__(self, task: Task) -> None:
        object.__setattr__(self, "_task", task)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        task: Task = object.__getattribute__(self, "_task")
        return task._value(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("artifacts are read-only")

    def __contains__(self, name: object) -> bool:
        return name in self._task

    def __dir__(self) -> list[str]:
        return [n for n in self._task.artifact_names if not n.startswith("_")]

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dir__())

    def __repr__(self) -> str:
        return f"<MetaflowData: {', '.join(self.__dir__())}>"

    __str__ = __repr__
