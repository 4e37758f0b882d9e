"""flowc: write a flow once in the Metaflow style; run it locally, on Step Functions, Argo or Airflow.

This module is what flow files import (`from flowc import FlowSpec, step, Parameter`). It stays light:
the runner imports it in every task, so nothing here pulls in the compiler's dependencies.
"""

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
from flowc.current import current

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
