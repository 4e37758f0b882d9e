"""What `import metaflow` gives under flowc: Metaflow's names, mapped onto flowc's API and client.

Reached as `metaflow` where Metaflow is not installed (`flowc-metaflow.pth`), and always inside a task
flowc runs for a flow written `from metaflow import ...` (see `finder`). Decorators that only say where
or how a step runs (`@kubernetes`, `@batch`, `@conda`, ...) are recorded here and read by the compiler
from source; docs/metaflow.md says what each maps to. Client names load on first use.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flowc import (
    Config,
    FlowSpec,
    IncludeFile,
    JSONType,
    Parameter,
    card,
    catch,
    config_expr,
    current,
    environment,
    project,
    resources,
    retry,
    schedule,
    step,
    timeout,
)
from flowc.api import _recording_decorator

__version__ = "flowc"

kubernetes = _recording_decorator("kubernetes")
batch = _recording_decorator("batch")
conda = _recording_decorator("conda")
conda_base = _recording_decorator("conda_base")
pypi = _recording_decorator("pypi")
pypi_base = _recording_decorator("pypi_base")
secrets = _recording_decorator("secrets")
parallel = _recording_decorator("parallel")
trigger = _recording_decorator("trigger")
trigger_on_finish = _recording_decorator("trigger_on_finish")

_CLIENT = (
    "DataArtifact",
    "Flow",
    "Metaflow",
    "Run",
    "Step",
    "Task",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "metadata",
    "namespace",
)


@contextmanager
def profile(label: str, stats_dict: dict[str, float] | None = None) -> Iterator[None]:
    """Metaflow's `with profile("load"):`: prints how long the block took, or adds it (in ms) to
    `stats_dict[label]`."""
    start = time.time()
    if stats_dict is None:
        print(f"PROFILE: {label} starting")
    try:
        yield
    finally:
        took = (time.time() - start) * 1000
        if stats_dict is None:
            print(f"PROFILE: {label} completed in {took:.0f}ms")
        else:
            stats_dict[label] = stats_dict.get(label, 0.0) + took


def __getattr__(name: str) -> Any:
    if name in _CLIENT:
        from flowc import client

        return getattr(client, name)
    raise AttributeError(
        f"flowc's stand-in for metaflow has no {name!r} (Metaflow is not installed here; "
        f"flowc's docs/metaflow.md lists what is provided)"
    )


__all__ = [
    "Config",
    "FlowSpec",
    "IncludeFile",
    "JSONType",
    "Parameter",
    "batch",
    "card",
    "catch",
    "conda",
    "conda_base",
    "config_expr",
    "current",
    "environment",
    "kubernetes",
    "parallel",
    "profile",
    "project",
    "pypi",
    "pypi_base",
    "resources",
    "retry",
    "schedule",
    "secrets",
    "step",
    "timeout",
    "trigger",
    "trigger_on_finish",
    *_CLIENT,
]
