"""Getting a task's code: fetch the code package once per machine, import the user's module.

Extracted packages are cached by id (content hash), so a machine that runs many tasks of one flow
downloads and unpacks its code once. Extraction goes to a temporary folder that is renamed into place,
so concurrent tasks never see half a package.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowc.datastore import package as code_package
from flowc.datastore.storage import LocalStorage, NotFound
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow


class CodeError(Exception):
    """The code package cannot be found or loaded."""


@dataclass(frozen=True)
class LoadedCode:
    flow: Flow
    root: Path  # the extracted package
    flow_file: Path  # the flow's source, inside root/code

    @property
    def code_dir(self) -> Path:
        return self.root / "code"


def cache_root(store: FlowDatastore) -> Path:
    env = os.environ.get("FLOWC_CACHE_DIR")
    if env:
        return Path(env) / "code"
    if isinstance(store.storage, LocalStorage):
        return store.storage.path / ".cache" / "code"
    return Path.home() / ".cache" / "flowc" / "code"


# Packages this process has read, by folder. An id is a content hash, so what a folder holds never
# changes; the fork server reads a run's package once and its children find it here.
_read: dict[Path, LoadedCode] = {}


def _unpack(root: Path, fill: Callable[[Path], None]) -> None:
    """Fill a cache folder through a temporary one renamed into place: no task sees half a package."""
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{root.name}."))
    try:
        fill(tmp)
        os.rename(tmp, root)
    except OSError:
        # Another process unpacked the same package first; theirs is identical.
        if not (root / "meta.json").is_file():
            raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def cache_package(store: FlowDatastore, package: code_package.CodePackage) -> None:
    """Put a package this process built into the local cache, as `fetch` would unpack it from the
    datastore. `flowc run` does it while the fork server starts, so that no task waits for it."""
    root = cache_root(store) / f"{store.flow}-{package.id}"
    if not (root / "meta.json").is_file():
        _unpack(root, lambda tmp: code_package.write_members(package.members, tmp))


def fetch(store: FlowDatastore, code_id: str) -> LoadedCode:
    root = cache_root(store) / f"{store.flow}-{code_id}"
    if not (root / "meta.json").is_file():
        _read.pop(root, None)
        try:
            data = store.get_code(code_id)
        except NotFound:
            raise CodeError(
                f"code package {code_id} of flow {store.flow} is not in {store.storage.root}: "
                f"upload it first (flowc package / flowc deploy)"
            ) from None
        _unpack(root, lambda tmp: code_package.extract(data, tmp))
    elif root in _read:
        return _read[root]
    meta = json.loads((root / "meta.json").read_text())
    flow = Flow.from_json((root / "flow.json").read_text())
    loaded = _read[root] = LoadedCode(flow=flow, root=root, flow_file=root / "code" / meta["flow_file"])
    return loaded


@contextmanager
def flow_modules(dialect: str) -> Iterator[None]:
    """While a task of a flow written `from metaflow import ...` runs (its import and its step), the
    `metaflow` modules are flowc's stand-in (flowc.metaflow_compat), whatever else is installed:
    flowc runs that flow, so `from metaflow import current` inside a step must mean flowc's."""
    if dialect != "metaflow":
        yield
        return
    from flowc.metaflow_compat.finder import forced

    with forced():
        yield


def import_flow_class(code: LoadedCode) -> type[Any]:
    """Import the flow's module from the package and return its flow class (user code runs here).
    For a Metaflow-dialect flow, call it inside `flow_modules`."""
    if str(code.code_dir) not in sys.path:
        sys.path.insert(0, str(code.code_dir))
    module_name = code.flow_file.stem
    spec = importlib.util.spec_from_file_location(module_name, code.flow_file)
    if spec is None or spec.loader is None:
        raise CodeError(f"cannot import {code.flow_file}")
    module = importlib.util.module_from_spec(spec)
    # Registered before it runs, so classes defined in the flow file pickle and unpickle by name.
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    cls = getattr(module, code.flow.name, None)
    if not isinstance(cls, type):
        raise CodeError(f"{code.flow_file.name} defines no class {code.flow.name}")
    return cls
