"""A flow's datastore: content-addressed artifacts, task manifests, outputs, run metadata, code.

Artifacts are pickles stored under the SHA-256 of their bytes, so an identical value is stored once
and a task that passes an artifact on unchanged only copies its hash. A task's manifest names its
whole namespace (artifact name -> hash, type, size) and is written after everything else: a task
exists for readers exactly when its manifest does.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import Iterable, Mapping
from typing import Any

from flowc.datastore import layout
from flowc.datastore.storage import NotFound, Storage, open_storage

MANIFEST_FORMAT = 1
# Below this size a PUT costs about what an existence check does, so small blobs are just written.
_CHECK_BEFORE_PUT = 256 * 1024


class ArtifactError(Exception):
    """An artifact could not be stored or read (unpicklable value, missing blob)."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dumps_json(obj: Any) -> bytes:
    return (json.dumps(obj, sort_keys=True, separators=(",", ":")) + "\n").encode()


def type_name(value: Any) -> str:
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


class FlowDatastore:
    """The datastore of one flow, under a storage root."""

    def __init__(self, storage: Storage, flow: str) -> None:
        self.storage = storage
        self.flow = flow
        self._known: set[str] = set()

    @classmethod
    def open(cls, root: str, flow: str) -> FlowDatastore:
        return cls(open_storage(root), flow)

    # -- artifacts -------------------------------------------------------------------------------

    def save_blob(self, data: bytes) -> str:
        sha = sha256(data)
        if sha in self._known:
            return sha
        key = layout.data_key(self.flow, sha)
        if len(data) < _CHECK_BEFORE_PUT or not self.storage.exists(key):
            self.storage.put(key, data)
        self._known.add(sha)
        return sha

    def load_blob(self, sha: str) -> bytes:
        try:
            return self.storage.get(layout.data_key(self.flow, sha))
        except NotFound:
            raise ArtifactError(f"artifact blob {sha} is missing from {self.storage.root}") from None

    def save_value(self, name: str, value: Any) -> dict[str, Any]:
        """Store `value`; returns its manifest entry (`sha`, `type`, `size`)."""
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            raise ArtifactError(
                f"artifact {name!r} ({type_name(value)}) cannot be stored: {exc}. Every attribute set "
                f"on self is saved; delete this one (del self.{name}) before the step ends"
            ) from exc
        return {"sha": self.save_blob(data), "type": type_name(value), "size": len(data)}

    def mark_known(self, shas: Iterable[str]) -> None:
        """Hashes already in the store (from parent manifests): no need to write or check them."""
        self._known.update(shas)

    def load_value(self, sha: str) -> Any:
        return pickle.loads(self.load_blob(sha))

    # -- tasks -----------------------------------------------------------------------------------

    def read_manifest(self, run_id: str, step: str, index: str = "") -> dict[str, Any] | None:
        try:
            data = self.storage.get(layout.manifest_key(self.flow, run_id, step, index))
        except NotFound:
            return None
        manifest: dict[str, Any] = json.loads(data)
        return manifest

    def write_task(
        self, run_id: str, step: str, index: str, manifest: Mapping[str, Any], output: Mapping[str, Any]
    ) -> None:
        """Publish a finished task: output files first, the manifest last."""
        self.storage.put(layout.output_key(self.flow, run_id, step, index), dumps_json(dict(output)))
        count = output.get("foreach_count")
        if count is not None:
            items = json.dumps(list(range(int(count))), separators=(",", ":")).encode()
            self.storage.put(layout.foreach_items_key(self.flow, run_id, step, index), items)
        self.storage.put(layout.manifest_key(self.flow, run_id, step, index), dumps_json(dict(manifest)))

    def completed_tasks(self, run_id: str) -> list[tuple[str, str]]:
        """`(step, index)` of every task of the run that has a manifest, from one listing of the run."""
        keys = self.storage.list(f"{layout.steps_prefix(self.flow, run_id)}/")
        return [t for t in (layout.task_of_manifest_key(self.flow, run_id, k) for k in keys) if t is not None]

    def task_artifacts(self, run_id: str, step: str, index: str = "") -> dict[str, Any]:
        """Every artifact of a completed task, loaded: for tests, notebooks and reports."""
        manifest = self.read_manifest(run_id, step, index)
        if manifest is None:
            raise NotFound(layout.manifest_key(self.flow, run_id, step, index))
        return {name: self.load_value(ref["sha"]) for name, ref in sorted(manifest["artifacts"].items())}

    # -- runs and code ---------------------------------------------------------------------------

    def run_ids(self) -> list[str]:
        """The ids of every run with anything in the datastore (run metadata, tasks or logs), sorted."""
        return self.storage.list_dirs(layout.runs_prefix(self.flow))

    def write_run_meta(self, run_id: str, meta: Mapping[str, Any]) -> None:
        self.storage.put(layout.run_meta_key(self.flow, run_id), dumps_json(dict(meta)))

    def read_run_meta(self, run_id: str) -> dict[str, Any] | None:
        try:
            meta: dict[str, Any] = json.loads(self.storage.get(layout.run_meta_key(self.flow, run_id)))
        except NotFound:
            return None
        return meta

    def read_heartbeat(self, run_id: str) -> dict[str, Any] | None:
        """The last heartbeat of a run `flowc run` is running (flowc.runner.lease), if any."""
        try:
            beat: dict[str, Any] = json.loads(self.storage.get(layout.heartbeat_key(self.flow, run_id)))
        except (NotFound, ValueError):
            return None
        return beat

    def has_code(self, code_id: str) -> bool:
        """Whether the code package `code_id` is stored (ids are content hashes: same id, same package)."""
        return self.storage.exists(layout.code_key(self.flow, code_id))

    def put_code(self, code_id: str, data: bytes) -> bool:
        """Upload a code package unless it is there already; True when it was written."""
        key = layout.code_key(self.flow, code_id)
        if self.storage.exists(key):
            return False
        self.storage.put(key, data)
        return True

    def get_code(self, code_id: str) -> bytes:
        return self.storage.get(layout.code_key(self.flow, code_id))
