"""flowc: write a flow once in the Metaflow style; run it locally, on Step Functions, Argo or Airflow.

This module is what flow files import (`from flowc import FlowSpec, step, Parameter`). It stays light:
the runner imports it in every task, so nothing here pulls in the compiler's dependencies.
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowc.api import (
        Config,
        FlowSpec,
        IncludeFile,
        JSONType,
        Parameter,
        card,
        catch,
        conda,
        conda_base,
        config_expr,
        environment,
        image,
        loop,
        project,
        pypi,
        pypi_base,
        resources,
        retry,
        schedule,
        step,
        timeout,
    )

# Imported now, not lazily: the name `current` is also the submodule's, and importing the submodule
# later (the runner does) would set `flowc.current` to the module instead of the object.
from flowc.current import current

# The names of flowc.api are imported when first used (PEP 562), so that a module of flowc's own (the
# analyzer, `flowc check`) can be imported without flowc.api and what it imports.
_LAZY = {
    name: "flowc.api"
    for name in (
        "Config",
        "FlowSpec",
        "IncludeFile",
        "JSONType",
        "Parameter",
        "card",
        "catch",
        "conda",
        "conda_base",
        "config_expr",
        "environment",
        "image",
        "loop",
        "project",
        "pypi",
        "pypi_base",
        "resources",
        "retry",
        "schedule",
        "step",
        "timeout",
    )
}

__version__ = "0.1.0"

__all__ = [
    "Config",
    "FlowSpec",
    "IncludeFile",
    "JSONType",
    "Parameter",
    "__version__",
    "card",
    "catch",
    "conda",
    "conda_base",
    "config_expr",
    "current",
    "environment",
    "image",
    "loop",
    "project",
    "pypi",
    "pypi_base",
    "resources",
    "retry",
    "schedule",
    "step",
    "timeout",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'flowc' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
