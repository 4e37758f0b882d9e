"""Runs inside the Airflow virtualenv (never imported by pytest): imports DAG files and runs DAGs.

One process pays Airflow's start-up once for the whole test session. Usage:

    python harness.py JOB.json RESULT.json

JOB: {"dags_folder": "...", "import_only": [folder, ...], "probes": [{"name", "dag_id", "task_id",
      "attrs": {...}, "env": {...}}],
      "runs": [{"name": ..., "dag_id": ..., "conf": {...}, "env": {...}, "retry_delay_seconds": N}]}
RESULT: {"airflow_version", "cpu_seconds", "import_errors": {file: error}, "dags": {dag_id: {task_id: {...}}},
         "imports": {folder: {"import_errors", "dags"}},
         "runs": {name: {"state", "tasks": {"task_id[map_index]": [state, try_number]}, "error"}},
         "probes": {name: {"value", "error"}}}

The environment must already point AIRFLOW_HOME and the database at a scratch folder.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import os
import sys
import traceback
from collections.abc import Iterator
from typing import Any


@contextlib.contextmanager
def _environ(env: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _describe(dag: Any) -> dict[str, Any]:
    out = {}
    for task in dag.tasks:
        # A MappedOperator (Airflow 2 and 3) keeps the operator's class and its partial() arguments.
        mapped = hasattr(task, "partial_kwargs")
        cls = task.operator_class if mapped else type(task)
        out[task.task_id] = {
            "operator": getattr(cls, "__name__", str(cls)),
            "mapped": mapped,
            "upstream": sorted(task.upstream_task_ids),
            "trigger_rule": str(getattr(task.trigger_rule, "value", task.trigger_rule)),
            "retries": task.partial_kwargs.get("retries") if mapped else task.retries,
        }
    return out


@contextlib.contextmanager
def _parse_only_its_file(dag: Any) -> Iterator[None]:
    """Airflow 3's dag.test() parses the whole DAGs folder again before every run (to write sibling
    DAGs to the database): with the suite's hundred DAGs in one folder, most of a run's time. During
    this run the folder's bag reads the DAG's own file only (its record is written as before)."""
    try:
        from airflow.dag_processing import dagbag as module
    except ImportError:  # Airflow 2: dag.test() does not parse
        yield
        return
    original = module.BundleDagBag

    class OneFileBag(original):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs["dag_folder"] = dag.fileloc
            super().__init__(*args, **kwargs)

    module.BundleDagBag = OneFileBag
    try:
        yield
    finally:
        module.BundleDagBag = original


def _run(dag: Any, conf: dict[str, Any]) -> dict[str, Any]:
    try:
        with _parse_only_its_file(dag):
            dr = dag.test(run_conf=conf or None)
    except Exception as exc:  # a bad conf is rejected before any task runs
        return {"state": "error", "error": f"{type(exc).__name__}: {exc}", "tasks": {}}
    from airflow.utils.session import create_session

    tasks: dict[str, Any] = {}
    with create_session() as session:
        from airflow.models.taskinstance import TaskInstance

        rows = session.query(TaskInstance).filter(TaskInstance.dag_id == dag.dag_id, TaskInstance.run_id == dr.run_id)
        for ti in rows:
            key = ti.task_id if ti.map_index < 0 else f"{ti.task_id}[{ti.map_index}]"
            tasks[key] = [str(getattr(ti.state, "value", ti.state)), ti.try_number]
        from airflow.models.dagrun import DagRun

        state = session.query(DagRun.state).filter(DagRun.run_id == dr.run_id).scalar()
    return {"state": str(getattr(state, "value", state)), "run_id": dr.run_id, "tasks": tasks, "error": None}


def _probe(bag: Any, probe: dict[str, Any]) -> dict[str, Any]:
    """Execute one helper task directly with given inputs: what it returns or the error it raises."""
    task = bag.get_dag(probe["dag_id"]).get_task(probe["task_id"])
    for name, value in probe.get("attrs", {}).items():
        setattr(task, name, value)
    with _environ(probe.get("env", {})):
        try:
            return {"value": task.execute(context={}), "error": None}
        except Exception as exc:
            return {"value": None, "error": f"{type(exc).__name__}: {exc}"}


def _render(bag: Any, render: dict[str, Any]) -> dict[str, Any]:
    """Render one task's templated fields as Airflow would at run time, with a minimal context."""
    from types import SimpleNamespace

    dag = bag.get_dag(render["dag_id"])
    task = dag.get_task(render["task_id"])
    context = {
        "run_id": render["run_id"],
        "ti": SimpleNamespace(try_number=render["try_number"]),
        "params": render["params"],
        "task": task,
    }
    task.render_template_fields(context, jinja_env=dag.get_template_env())
    env = [{"name": e.name, "value": e.value} for e in (task.env_vars or [])]
    return {"arguments": list(task.arguments), "env": env, "image": task.image}


def main(job_path: str, result_path: str) -> int:
    with open(job_path) as f:
        job = json.load(f)
    # dag.test() (Airflow 3) re-reads the configured DAGs folder to serialise the DAG it runs.
    os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = job["dags_folder"]
    import airflow
    from airflow.utils import db

    db.initdb()
    try:
        from airflow.dag_processing.dagbag import DagBag  # Airflow 3.1+
    except ImportError:
        from airflow.models.dagbag import DagBag

    # Examples are off through AIRFLOW__CORE__LOAD_EXAMPLES (Airflow 3 dropped the argument).
    bag = DagBag(dag_folder=job["dags_folder"])
    result: dict[str, Any] = {
        "airflow_version": airflow.__version__,
        "import_errors": {os.path.basename(k): v for k, v in bag.import_errors.items()},
        "dags": {dag_id: _describe(dag) for dag_id, dag in sorted(bag.dags.items())},
        "imports": {},
        "runs": {},
    }
    for folder in job.get("import_only", []):
        other = DagBag(dag_folder=folder)
        result["imports"][folder] = {
            "import_errors": {os.path.basename(k): v for k, v in other.import_errors.items()},
            "dags": {dag_id: _describe(dag) for dag_id, dag in sorted(other.dags.items())},
        }
    for run in job.get("runs", []):
        dag = bag.get_dag(run["dag_id"])
        if dag is None:
            result["runs"][run["name"]] = {"state": "error", "error": "DAG not found", "tasks": {}}
            continue
        # The runs of one DAG share this process, and rendering a task's templates writes the run's conf
        # into the task's own Param objects (ParamsDict.update keeps Param objects and sets their
        # value), so a later run that leaves a parameter out would see an earlier run's value instead
        # of the default. Each run starts from the parsed params. (Airflow's workers parse the DAG file
        # for every task, so a deployed DAG never carries values over.)
        pristine = {t.task_id: (copy.deepcopy(t.params), t.retry_delay) for t in dag.tasks}
        if run.get("retry_delay_seconds") is not None:
            # The DAG waits @retry's minutes_between_retries between attempts, as it must; a run that
            # compares what tasks leave has no use for the wait (dag.test() sleeps through it).
            for t in dag.tasks:
                t.retry_delay = datetime.timedelta(seconds=run["retry_delay_seconds"])
        with _environ(run.get("env", {})):
            try:
                result["runs"][run["name"]] = _run(dag, run.get("conf") or {})
            except Exception:
                result["runs"][run["name"]] = {"state": "error", "error": traceback.format_exc(), "tasks": {}}
        for t in dag.tasks:
            t.params, t.retry_delay = pristine[t.task_id]
    result["probes"] = {}
    for probe in job.get("probes", []):
        result["probes"][probe["name"]] = _probe(bag, probe)
    result["renders"] = {}
    for render in job.get("renders", []):
        result["renders"][render["name"]] = _render(DagBag(dag_folder=render["folder"]), render)
    import resource

    # CPU time of this process and of the tasks' runner processes (for docs/conformance.md's figures).
    used = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    result["cpu_seconds"] = round(sum(u.ru_utime + u.ru_stime for u in used), 1)
    with open(result_path, "w") as f:
        json.dump(result, f, indent=2, sort_keys=True, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
