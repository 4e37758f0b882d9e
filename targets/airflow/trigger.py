"""`flowc trigger --target airflow`: start a DAG run through Airflow's REST API (v1 or v2); print its id.

Parameters (`--param name=value`) are typed and checked against the flow, then sent as the run's
`conf`, which the DAG's params validate and the start task receives as one JSON object. A DAG that
is paused keeps the run queued until it is unpaused; that is said, not changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.cloud import CloudError
from flowc.ir import Flow
from flowc.lifecycle import typed_parameters

from .api import AirflowApi
from .names import dag_id_of


def trigger(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    conf = typed_parameters(flow, list(options.get("params") or []))
    dag_id = dag_id_of(flow, options)
    if options.get("dry_run"):
        # Offline: Airflow is not asked whether the DAG exists.
        import json

        body = {"conf": dict(conf), **({"dag_run_id": options["run_name"]} if options.get("run_name") else {})}
        out.write(
            f"would start a run of DAG {dag_id} (POST dags/{dag_id}/dagRuns): {json.dumps(body, sort_keys=True)}\n"
        )
        out.write("dry run: nothing started\n")
        return 0
    api = AirflowApi.from_options(options)
    dag = api.dag(dag_id)
    if dag is None:
        raise CloudError(
            f"Airflow at {api.url} has no DAG {dag_id}: deploy the flow (flowc deploy), and give Airflow's DAG "
            "processor a moment to read it"
        )
    run = api.trigger(dag_id, dict(conf), options.get("run_name") or None)
    out.write(f"{run['dag_run_id']}\n")
    if dag.get("is_paused"):
        out.write(f"note: DAG {dag_id} is paused: the run waits until it is unpaused (airflow dags unpause {dag_id})\n")
    return 0
