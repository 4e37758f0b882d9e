"""What the client objects read from a datastore, each thing once: run records, manifests, listings
of tasks and logs, the IR of a code package. Read-only; boto3 only for an `s3://` root.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from flowc.datastore import layout
from flowc.datastore import package as code_package
from flowc.datastore.storage import LocalStorage, NotFound, Storage
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow as FlowIR

# How many names an error message lists before it says "and N more".
_LISTED = 12


def listing(names: list[str]) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:_LISTED])
    more = len(names) - _LISTED
    return f"{shown}, and {more} more" if more > 0 else shown


def when(ts: Any) -> datetime | None:
    """A datastore timestamp (seconds since the epoch) as a naive local datetime, as Metaflow's client
    gives them (so `datetime.now() - run.finished_at` works)."""
    return datetime.fromtimestamp(float(ts)) if isinstance(ts, (int, float)) else None


def index_tuple(index: str) -> tuple[int, ...]:
    return tuple(int(p) for p in index.split(".")) if index else ()


class RunRecord:
    """One run's listing: its tasks (completed ones and ones with logs only), read once."""

    def __init__(self, reader: Reader, run_id: str, meta: dict[str, Any] | None) -> None:
        self.reader = reader
        self.run_id = run_id
        self.meta = meta
        self._completed: dict[str, list[str]] | None = None
        self._logs: dict[tuple[str, str], list[int]] | None = None
        self._manifests: dict[tuple[str, str], dict[str, Any] | None] = {}

    def completed(self) -> dict[str, list[str]]:
        """step -> index paths of the tasks that have a manifest."""
        if self._completed is None:
            tasks: dict[str, list[str]] = {}
            for step, index in self.reader.store.completed_tasks(self.run_id):
                tasks.setdefault(step, []).append(index)
            self._completed = tasks
        return self._completed

    def manifest(self, step: str, index: str) -> dict[str, Any] | None:
        key = (step, index)
        if key not in self._manifests:
            known = self._completed is None or index in self._completed.get(step, [])
            self._manifests[key] = self.reader.store.read_manifest(self.run_id, step, index) if known else None
        return self._manifests[key]

    # -- logs ------------------------------------------------------------------------------------

    def log_storages(self) -> list[Storage]:
        """Where this run's logs may be: the datastore, and the local folder `flowc run` named in
        run.json when the datastore is remote (an S3 run's logs stay on the machine that ran it)."""
        out: list[Storage] = [self.reader.store.storage]
        local = (self.meta or {}).get("log_root")
        if isinstance(local, str) and local != self.reader.root and Path(local).is_dir():
            out.append(LocalStorage(local))
        return out

    def logs(self) -> dict[tuple[str, str], list[int]]:
        """(step, index) -> the attempts that left a log, ascending."""
        if self._logs is None:
            found: dict[tuple[str, str], set[int]] = {}
            head = f"{layout.run_prefix(self.reader.flow, self.run_id)}/logs/"
            for storage in self.log_storages():
                for key in storage.list(head):
                    parts = key[len(head) :].split("/")
                    if len(parts) != 3 or not parts[2].startswith("attempt-") or not parts[2].endswith(".log"):
                        continue
                    try:
                        attempt = int(parts[2][len("attempt-") : -len(".log")])
                    except ValueError:
                        continue
                    index = "" if parts[1] == layout.NO_INDEX else parts[1]
                    found.setdefault((parts[0], index), set()).add(attempt)
            self._logs = {k: sorted(v) for k, v in found.items()}
        return self._logs

    def read_log(self, step: str, index: str, attempt: int) -> bytes | None:
        key = layout.log_key(self.reader.flow, self.run_id, step, index, str(attempt))
        for storage in self.log_storages():
            try:
                return storage.get(key)
            except NotFound:
                continue
        return None

    # -- everything a step has -------------------------------------------------------------------

    def tasks(self) -> dict[str, list[str]]:
        """step -> index paths of every task known: completed, or started and left a log."""
        out = {step: list(indexes) for step, indexes in self.completed().items()}
        for step, index in self.logs():
            if index not in out.setdefault(step, []):
                out[step].append(index)
        return out


class Reader:
    """One flow's datastore, shared by the client objects of that flow, with what was read cached."""

    def __init__(self, flow: str, root: str) -> None:
        if not flow or "/" in flow:
            raise ValueError(f"{flow!r} is not a flow name")
        self.flow = flow
        self.store = FlowDatastore.open(root, flow)
        self.root = self.store.storage.root
        self._irs: dict[str, FlowIR | None] = {}
        self._runs: dict[str, RunRecord] = {}

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

    def exists(self) -> bool:
        return bool(self.store.storage.list_dirs(self.flow))

    def run_ids(self) -> list[str]:
        return self.store.run_ids()

    def run(self, run_id: str) -> RunRecord | None:
        """The run's record, or None when the datastore has nothing of it."""
        if run_id not in self._runs:
            meta = self.store.read_run_meta(run_id)
            if meta is None and not self.store.storage.list_dirs(layout.run_prefix(self.flow, run_id)):
                return None
            self._runs[run_id] = RunRecord(self, run_id, meta)
        return self._runs[run_id]

    def flows_message(self) -> str:
        flows = self.store.storage.list_dirs("")
        return f"flows there: {listing(flows)}" if flows else "it holds no flows"


def tags_of(record: RunRecord) -> tuple[list[str], list[str]]:
    """(user tags, system tags) of a run: from run.json (`flowc run`), else from what its start task
    recorded (runs an orchestrator started), else none."""
    source: Mapping[str, Any] | None = record.meta
    if source is None or "system_tags" not in source:
        start = record.manifest("start", "")
        source = (start or {}).get("run") if start is not None else None
    if not isinstance(source, Mapping):
        return [], []
    user = [t for t in source.get("tags", []) if isinstance(t, str)]
    system = [t for t in source.get("system_tags", []) if isinstance(t, str)]
    return user, system


def read_json(data: bytes) -> Any:
    return json.loads(data)
