"""How `metaflow` and `metaflow.x` resolve to `flowc.metaflow_compat` and `flowc.metaflow_compat.x`.

Each `metaflow.x` is a module object of its own (named `metaflow.x`, with `metaflow`'s spec) holding
the very objects of `flowc.metaflow_compat.x`, so `metaflow.current is flowc.current` and the flowc
modules keep their own names and specs. Used two ways:

- where Metaflow is not installed, by the finder `flowc-metaflow.pth` installs last on `sys.meta_path`
  (`_flowc_metaflow_finder`, at the top of site-packages);
- by the runner while it runs a task of a flow written `from metaflow import ...` (`forced()`): flowc
  runs that flow, so there `metaflow` means flowc's stand-in even beside a real Metaflow install.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PACKAGE = "flowc.metaflow_compat"
_KEEP_OWN = {"__name__", "__spec__", "__loader__", "__package__", "__path__", "__file__", "__cached__", "__builtins__"}


def _real_name(name: str) -> str:
    return PACKAGE + name[len("metaflow") :]


class _Alias(importlib.abc.Loader):
    def __init__(self, real: str) -> None:
        self.real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return types.ModuleType(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        real = importlib.import_module(self.real)
        module.__dict__.update({k: v for k, v in real.__dict__.items() if k not in _KEEP_OWN})
        if hasattr(real, "__path__"):
            # A package, whose submodules only this finder provides (normal finders search nothing).
            module.__path__ = []


def find_spec(name: str) -> importlib.machinery.ModuleSpec:
    """The spec of the stand-in for `name` (`metaflow` or `metaflow.x`); ModuleNotFoundError, saying
    so, for a Metaflow module flowc does not provide."""
    real = _real_name(name)
    try:
        found = importlib.util.find_spec(real)
    except ModuleNotFoundError:
        found = None
    if found is None or real.endswith(".finder"):
        raise ModuleNotFoundError(
            f"No module named {name!r}: Metaflow is not installed here, and flowc, which stands in for it, "
            f"does not provide {name!r} (flowc's docs/metaflow.md lists what it does)",
            name=name,
        )
    return importlib.machinery.ModuleSpec(name, _Alias(real), is_package=found.submodule_search_locations is not None)


class _Forced:
    """The same finder, first on `sys.meta_path`: while the runner runs a Metaflow-dialect task."""

    @classmethod
    def find_spec(cls, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name == "metaflow" or name.startswith("metaflow."):
            return find_spec(name)
        return None


@contextmanager
def forced() -> Iterator[None]:
    """`metaflow` and `metaflow.*` mean flowc's stand-in inside the block, whatever is installed."""
    saved = {k: v for k, v in sys.modules.items() if k == "metaflow" or k.startswith("metaflow.")}
    for k in saved:
        del sys.modules[k]
    sys.meta_path.insert(0, _Forced)
    try:
        yield
    finally:
        sys.meta_path.remove(_Forced)
        for k in [k for k in sys.modules if k == "metaflow" or k.startswith("metaflow.")]:
            del sys.modules[k]
        sys.modules.update(saved)
