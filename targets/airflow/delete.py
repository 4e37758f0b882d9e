"""`flowc delete --target airflow`: remove the DAG file from the DAGs folder and, given
`--airflow-url`, the DAG's records (runs, task instances) from Airflow's database through its REST
API. A scheduled DAG stops with its file. The datastore is kept. `dry_run` lists what would go."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.ir import Flow

from .api import AirflowApi
from .deploy import dags_folder_of, open_dags_folder
from .names import dag_id_of


def delete(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    dry_run = bool(options.get("dry_run"))
    dag_id = dag_id_of(flow, options)
    folder = open_dags_folder(dags_folder_of(options))
    name = f"{dag_id}.py"
    offline = folder.offline_reason()
    if offline:
        if not dry_run:
            from flowc.cloud import CloudError

            raise CloudError(offline)
        out.write(f"offline plan ({offline})\nwould delete {folder.describe(name)}, if it exists\n")
    elif dry_run:
        there = folder.read(name) is not None
        out.write(f"would delete {folder.describe(name)}\n" if there else f"no {folder.describe(name)} to delete\n")
    elif folder.remove(name):
        out.write(f"deleted {folder.describe(name)}\n")
    else:
        out.write(f"no {folder.describe(name)} to delete\n")
    if options.get("airflow_url"):
        api = AirflowApi.from_options(options)
        if dry_run:
            out.write(f"would delete DAG {dag_id}'s records from Airflow at {api.url}\n")
        elif api.dag(dag_id) is not None:
            api.delete_dag(dag_id)
            out.write(f"deleted DAG {dag_id}'s records from Airflow at {api.url}\n")
    if dry_run:
        out.write("dry run: nothing changed\n")
    return 0
