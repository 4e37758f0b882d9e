"""The dag_id a flow is deployed under, given the lifecycle command's options (its @project branch)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flowc import project_names
from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow


def dag_id_of(flow: Flow, options: Mapping[str, Any]) -> str:
    from flowc.targets.airflow import dag_id

    branch = None
    try:
        if flow.project:
            branch = project_names.branch_name(options.get("branch"), bool(options.get("production")))
    except project_names.ProjectError as exc:
        raise CloudError(str(exc), USAGE) from None
    return dag_id(flow, branch)
