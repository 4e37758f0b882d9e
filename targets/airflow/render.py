"""Rendering the DAG file from its Jinja2 template; every value goes through `py_literal`."""

from __future__ import annotations

import functools
import importlib.resources
from collections.abc import Sequence
from typing import Any

import jinja2
from flowc.targets.airflow.literals import py_literal

from flowc.ir import Flow

TEMPLATE = "airflow_dag.py.j2"


@functools.lru_cache(maxsize=1)
def _template() -> jinja2.Template:
    # Read through importlib.resources: `flowc.templates` maps to the top-level templates/ folder, which
    # jinja2.PackageLoader("flowc", "templates") cannot see in an editable install.
    source = importlib.resources.files("flowc.templates").joinpath(TEMPLATE).read_text(encoding="utf-8")
    env = jinja2.Environment(
        autoescape=False,  # the output is Python, not HTML; values are escaped by `py` instead
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["py"] = py_literal
    return env.from_string(source)


def render_dag(
    *,
    flow: Flow,
    dag_id: str,
    mode: str,
    dag_args: Sequence[tuple[str, Any]],
    tasks: Sequence[dict[str, Any]],
    edges: Sequence[tuple[str, str]],
) -> str:
    doc = f"Airflow DAG {dag_id!r} for the flowc flow {flow.name!r} ({mode} mode). Generated: do not edit."
    return _template().render(
        module_doc=doc,
        flow_name=flow.name,
        parameter_names=[p.name for p in flow.parameters],
        mode=mode,
        dag_args=dag_args,
        tasks=tasks,
        edges=edges,
    )
