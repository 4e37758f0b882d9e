"""`flowc status --target airflow`: a DAG run's state and its failed tasks, from Airflow's REST API.

The run is `--run ID`, else the newest. A failed task is named by its step, with its map index for a
task of a foreach body (`train[3]`); tasks that did not run because an upstream one failed
(`upstream_failed`) are listed apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.cloud import CloudError
from flowc.ir import Flow

from .api import AirflowApi
from .names import dag_id_of


def _label(ti: dict[str, Any]) -> str:
    index = ti.get("map_index", -1)
    return f"{ti['task_id']}[{index}]" if isinstance(index, int) and index >= 0 else str(ti["task_id"])


def status(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    dag_id = dag_id_of(flow, options)
    api = AirflowApi.from_options(options)
    run_id = options.get("run_id")
    run = api.dag_run(dag_id, run_id)
    if run is None:
        if run_id:
            raise CloudError(f"DAG {dag_id} has no run {run_id!r} in Airflow at {api.url}")
        if api.dag(dag_id) is None:
            raise CloudError(f"Airflow at {api.url} has no DAG {dag_id}: deploy the flow first (flowc deploy)")
        out.write(f"DAG {dag_id}: no runs yet (flowc trigger starts one)\n")
        return 0
    out.write(f"run {run['dag_run_id']}: {run.get('state')}\n")
    if run.get("start_date"):
        end = f", ended {run['end_date']}" if run.get("end_date") else ""
        out.write(f"  started {run['start_date']}{end}\n")
    instances = sorted(
        api.task_instances(dag_id, str(run["dag_run_id"])), key=lambda t: (t["task_id"], t.get("map_index", -1))
    )
    failed = [_label(t) for t in instances if t.get("state") == "failed"]
    blocked = [_label(t) for t in instances if t.get("state") == "upstream_failed"]
    if failed:
        out.write(f"  failed steps: {', '.join(failed)}\n")
    if blocked:
        out.write(f"  not run (upstream failed): {', '.join(blocked)}\n")
    return 0
