"""The client's two global choices, as in Metaflow: which namespace to read, and which datastore.

Namespace: `namespace(ns)` sets it (`None`: every run), `get_namespace()` reads it, and
`default_namespace()` resets it to who you are (`flowc.identity`: `user:<name>`, or
`production:<token>` in a deployed task). Objects outside the namespace are skipped when listing and
refused when asked for by id.

Datastore (Metaflow's "metadata provider"): `metadata(where)` picks it (`local@/path/.flowc`, a
folder, or `s3://bucket/prefix`), `get_metadata()` names it (`local@<folder>` or `s3@s3://...`), and
`default_metadata()` resets it: inside a running task, the run's own datastore; else `FLOWC_DATASTORE`;
else the nearest `.flowc` folder in the working directory or above it (as Metaflow finds `.metaflow`);
else `./.flowc`.
"""

from __future__ import annotations

import os
from pathlib import Path

from flowc import identity
from flowc.current import current

DATASTORE_VAR = "FLOWC_DATASTORE"
DEFAULT_FOLDER = ".flowc"

_UNSET = object()
_namespace: object = _UNSET
_datastore: str | None = None


def namespace(ns: str | None) -> str | None:
    """Read only objects tagged `ns` from now on (None: all). Returns the namespace set."""
    global _namespace
    if ns is not None and (not isinstance(ns, str) or not ns):
        raise ValueError(f"a namespace is a tag such as 'user:alice', or None for all; not {ns!r}")
    _namespace = ns
    return get_namespace()


def get_namespace() -> str | None:
    if _namespace is _UNSET:
        return default_namespace()
    return _namespace  # type: ignore[return-value]


def default_namespace() -> str | None:
    """Back to the default: the running task's namespace, else who you are. None when no user is
    known (`FLOWC_USER`/`USER` unset or root): then every run is visible."""
    global _namespace
    ns = current.namespace if current.is_running_flow else identity.namespace_tag()
    _namespace = ns
    return ns


def _parse(where: str) -> str:
    kind, at, rest = where.partition("@")
    if at and kind in ("local", "s3"):
        where = rest
    if not where:
        raise ValueError("metadata(...): name a folder or s3://bucket/prefix")
    if where.startswith("s3://"):
        return where.rstrip("/")
    if "://" in where:
        raise ValueError(f"unsupported datastore {where!r}: use a local folder or s3://bucket/prefix")
    return str(Path(where).expanduser().resolve())


def metadata(where: str) -> str:
    """Read runs from another datastore from now on. Returns `get_metadata()`."""
    global _datastore
    _datastore = _parse(where)
    return get_metadata()


def default_metadata() -> str:
    global _datastore
    _datastore = None
    return get_metadata()


def get_metadata() -> str:
    root = datastore_root()
    return f"s3@{root}" if root.startswith("s3://") else f"local@{root}"


def _nearest_folder() -> str | None:
    here = Path.cwd()
    for folder in (here, *here.parents):
        candidate = folder / DEFAULT_FOLDER
        if candidate.is_dir():
            return str(candidate)
    return None


def datastore_root(explicit: str | os.PathLike[str] | None = None) -> str:
    """The datastore to read: `explicit` when given, else as the module docstring says."""
    if explicit is not None:
        return _parse(os.fspath(explicit))
    if _datastore is not None:
        return _datastore
    if current.is_running_flow and current._info.get("datastore"):
        return _parse(str(current._info["datastore"]))
    env = os.environ.get(DATASTORE_VAR)
    if env:
        return _parse(env)
    return _nearest_folder() or str(Path(DEFAULT_FOLDER).resolve())
