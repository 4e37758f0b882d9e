"""The executors of the conformance suite: each runs a batch of cases and returns one dump per case.

Every executor runs the real step runner; they differ in who decides what runs when, and in how a task
gets its process: `flowc run` (tasks forked from a preloaded server), `flowc run --spawn` (a fresh
interpreter per task), a driver that runs one `flowc step` process per task in graph order (what an
orchestrator does), Airflow 3 and 2 (`dag.test()`, local mode, one Airflow process per version for
the whole batch), Step Functions worker mode on moto's ASL interpreter, the Argo interpreter of the
tests, and Metaflow itself (the oracle, in its own virtualenv).

Each case runs in a folder of its own under the batch's work folder, with its own datastore, so flows
that share a class name never meet. A batch never raises for a flow that fails: the failure is the
dump's outcome, and the log path is kept for the test's message.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow
from tests.conformance import canonical
from tests.conformance.corpus import Case, flow_of, param_text
from tests.conftest import ROOT

PYTHON = sys.executable
FLOWC = (PYTHON, "-m", "flowc")
# Same user everywhere: Metaflow and flowc both derive names from it (current.username, branch_name).
USER = "conformance"
TASK_TIMEOUT = 120
# A whole `flowc run`: --spawn starts a fresh interpreter per task, and the corpus's biggest flows have
# dozens of tasks (a loaded machine took over 120 s for graph_nested_foreach). A local run that waits
# @retry's delay is caught by tests/runner (test_a_local_run_retries_at_once), not by this limit.
RUN_TIMEOUT = 600


@dataclass
class Result:
    dump: canonical.Dump
    log: str = ""


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("METAFLOW_", "FLOWC_", "AIRFLOW"))}
    env.pop("VIRTUAL_ENV", None)
    env.update({"USER": USER, "USERNAME": USER, "LOGNAME": USER, "PYTHONUNBUFFERED": "1"})
    env.update(extra)
    return env


def refused(case: Case, why: str) -> Result:
    """flowc refused the flow (check or compile): the same dump on every flowc executor."""
    return Result({"outcome": "refused", "failed_step": None, "tasks": {}}, why)


def analysis_problems(case: Case) -> str:
    from flowc.compiler import analyze

    a = analyze(case.path)
    return "; ".join(f"{d.code} {d.message}" for d in a.diagnostics if d.severity.value == "error")


# -- reading a flowc datastore -----------------------------------------------------------------------


def dump_store(store: FlowDatastore, run_id: str, ok: bool, failed_step: str | None) -> canonical.Dump:
    tasks: dict[str, Any] = {}
    for step, index in sorted(store.completed_tasks(run_id)):
        manifest = store.read_manifest(run_id, step, index)
        assert manifest is not None
        values = {}
        for name in canonical.user_artifacts(list(manifest["artifacts"])):
            try:
                value = store.load_value(manifest["artifacts"][name]["sha"])
            except Exception as exc:  # a class of the flow's module, not importable here
                values[name] = {"unloadable": f"{type(exc).__name__}: {exc}"}
                continue
            # Like Metaflow's, flowc's tasks carry the flow's name as `name`: left out on both sides.
            if name == "name" and value == store.flow:
                continue
            values[name] = canonical.canonical(value)
        tasks[f"{step}/{index}" if index else step] = values
    return {"outcome": "ok" if ok else "failed", "failed_step": None if ok else failed_step, "tasks": tasks}


def _step_of(task: str) -> str:
    return task.split("/", 1)[0]


# -- flowc run (forked and --spawn) ------------------------------------------------------------------

_FAILED_LINE = re.compile(r"^\[\s*[\d.]+s\]\s+(\S+)\s+FAILED", re.M)


def _flowc_run(case: Case, work: Path, spawn: bool) -> Result:
    flow = flow_of(case.path)
    if flow is None:
        return refused(case, analysis_problems(case))
    datastore = work / "datastore"
    argv = [*FLOWC, "run", str(case.path), "--datastore", str(datastore), "--run-id", "conformance"]
    argv += ["--max-workers", "2", "--color", "never"]
    for name, value in case.params:
        argv += ["--param", f"{name}={param_text(flow, name, value)}"]
    if spawn:
        argv.append("--spawn")
    log = work / "run.log"
    try:
        with log.open("w") as out:
            proc = subprocess.run(
                argv, stdout=out, stderr=subprocess.STDOUT, env=base_env(), cwd=case.path.parent, timeout=RUN_TIMEOUT
            )
        code = proc.returncode
    except subprocess.TimeoutExpired:
        code = -1
        with log.open("a") as out:
            out.write(f"\nconformance: killed after {RUN_TIMEOUT}s\n")
    text = log.read_text()
    failed = _FAILED_LINE.findall(text)
    store = FlowDatastore.open(str(datastore), flow.name)
    failed_step = _step_of(failed[0]) if failed else ("<timeout>" if code == -1 else None)
    return Result(dump_store(store, "conformance", code == 0, failed_step), str(log))


def flowc_run(cases: list[Case], work: Path) -> dict[str, Result]:
    return _each(cases, work, lambda c, w: _flowc_run(c, w, spawn=False), workers=2)


def flowc_spawn(cases: list[Case], work: Path) -> dict[str, Result]:
    return _each(cases, work, lambda c, w: _flowc_run(c, w, spawn=True), workers=2)


def _each(cases: list[Case], work: Path, one: Callable[[Case, Path], Result], workers: int) -> dict[str, Result]:
    def run(case: Case) -> tuple[str, Result]:
        folder = work / case.key
        folder.mkdir(parents=True, exist_ok=True)
        try:
            return case.id, one(case, folder)
        except Exception:  # the harness itself broke: say so in the dump, never hide it
            import traceback

            return case.id, Result(
                {"outcome": "harness-error", "failed_step": None, "tasks": {}}, traceback.format_exc()
            )

    with ThreadPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(run, cases))


# -- one `flowc step` per task, in graph order (what an orchestrator does) ----------------------------

Index = tuple[int, ...]


class _TaskFailed(Exception):
    pass


class StepDriver:
    """Runs a flow one `flowc step` process at a time, each task once its inputs are done, its children
    from its output (foreach count, switch case): flowc.paths.drive, the same rules as `flowc run`."""

    def __init__(self, flow: Flow, case: Case, work: Path) -> None:
        self.flow, self.case, self.work = flow, case, work
        self.datastore = str(work / "datastore")

    def run(self) -> Result:
        from flowc import paths
        from flowc.datastore.package import build_code_package

        package = build_code_package(self.flow, self.case.path)
        store = FlowDatastore.open(self.datastore, self.flow.name)
        store.put_code(package.id, package.data)
        log = self.work / "driver.log"
        failed: str | None = None
        with log.open("w") as out:

            def run(step: str, index: Index) -> dict[str, Any]:
                output = self._task(package.id, step, index, out)
                if output is None:
                    raise _TaskFailed(step)
                return output

            try:
                paths.drive(self.flow, run)
            except _TaskFailed as exc:
                failed = str(exc)
        return Result(dump_store(store, "conformance", failed is None, failed), str(log))

    def _task(self, code: str, step: str, index: Index, out: Any) -> dict[str, Any] | None:
        from flowc.runner.scheduler import exit_text
        from flowc.runner.task import EXIT_INTERRUPTED, EXIT_USAGE

        s = self.flow.step(step)
        times = s.decorators.retry.times if s.decorators.retry else 0
        out_file = self.work / "outputs" / f"{step}-{'.'.join(map(str, index)) or '_'}.json"
        fallback: str | None = None
        for attempt in range(times + 2):
            if attempt > times and fallback is None:
                break
            argv = [*FLOWC, "step", "--flow", self.flow.name, "--code", code, "--step", step]
            argv += ["--run-id", "conformance", "--datastore", self.datastore, "--attempt", str(attempt)]
            argv += ["--index", ".".join(map(str, index)), "--output-json", str(out_file)]
            if step == self.flow.start_step:
                argv += ["--params-json", json.dumps(self.case.param_values)]
            if attempt > times and fallback is not None:
                # The last attempt's process ended unseen (killed, crashed) and the step has @catch: as
                # an orchestrator must (docs/targets), a stand-in task publishes what @catch would have.
                argv += ["--fallback", fallback]
            out.write(f"$ {' '.join(argv)}\n")
            out.flush()
            try:
                proc = subprocess.run(
                    argv, stdout=out, stderr=subprocess.STDOUT, env=base_env(), cwd=self.work, timeout=TASK_TIMEOUT
                )
            except subprocess.TimeoutExpired:
                out.write(f"conformance: killed after {TASK_TIMEOUT}s\n")
                continue
            if proc.returncode == 0 and out_file.exists():
                output: dict[str, Any] = json.loads(out_file.read_text())
                out_file.unlink()
                return output
            if proc.returncode == 0:
                out.write("conformance: exit 0 without an output: a failed task\n")
            how = exit_text(proc.returncode) if proc.returncode else "exit 0 without publishing the task"
            if attempt == times and s.decorators.catch and proc.returncode not in (EXIT_USAGE, EXIT_INTERRUPTED):
                fallback = how
        return None


def step_driver(cases: list[Case], work: Path) -> dict[str, Result]:
    def one(case: Case, folder: Path) -> Result:
        flow = flow_of(case.path)
        if flow is None:
            return refused(case, analysis_problems(case))
        return StepDriver(flow, case, folder).run()

    return _each(cases, work, one, workers=2)


# -- the Argo interpreter of the tests ---------------------------------------------------------------


def argo(cases: list[Case], work: Path) -> dict[str, Result]:
    from flowc.targets.argo import deploy

    from tests.targets.argo.conftest import EXECUTABLE, compile_argo
    from tests.targets.argo.interpreter import SUCCEEDED, Interpreter

    def one(case: Case, folder: Path) -> Result:
        from flowc.targets.argo import load_manifests

        flow = flow_of(case.path)
        if flow is None:
            return refused(case, analysis_problems(case))
        datastore = str(folder / "datastore")
        result = compile_argo(flow, datastore=datastore, executable=EXECUTABLE)
        errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity.value == "error"]
        if errors:
            return refused(case, "; ".join(errors))
        docs = load_manifests(result)
        deploy.upload_code(flow, docs, dry_run=False)
        pods = folder / "pods"
        pods.mkdir(exist_ok=True)
        params = {k: param_text(flow, k, v) for k, v in case.params}
        run = Interpreter(docs[0], pods, max_workers=2).submit("conformance", params)
        failed = [n.arguments.get("step", n.template) for n in run.failed()]
        log = folder / "argo.log"
        log.write_text("\n".join(f"{n.path} {n.phase} {n.argv}\n{n.stderr[-3000:]}" for n in run.nodes))
        store = FlowDatastore.open(datastore, flow.name)
        ok = run.phase == SUCCEEDED
        return Result(dump_store(store, "conformance", ok, failed[0] if failed else None), str(log))

    return _each(cases, work, one, workers=2)


# -- Airflow 3 and 2: dag.test() in local mode, one Airflow process per version --------------------

AIRFLOW_VENVS = {"airflow3": ".venv-airflow", "airflow2": ".venv-airflow2"}
AIRFLOW_HARNESS = ROOT / "tests" / "targets" / "airflow" / "harness.py"


def airflow_python(version: str) -> Path | None:
    python = ROOT / AIRFLOW_VENVS[version] / "bin" / "python"
    return python if python.exists() else None


def _airflow_step(flow: Flow, task_id: str) -> str:
    # Task ids are step names, or a step's helper task (`start-fanout`, `classify-case-even`).
    tid = task_id.split("[", 1)[0]
    return tid if tid in flow.step_map else tid.split("-", 1)[0]


_DAG_ID = re.compile(r"^(\s*dag_id=).+,$", re.M)


def airflow(version: str, cases: list[Case], work: Path) -> dict[str, Result]:
    """Every case's DAG in one DAGs folder, each under the case's own DAG id (flows of the corpus share
    class names), run by tests/targets/airflow/harness.py: one Airflow process for the whole batch."""
    from flowc.compiler import compile_flow
    from flowc.datastore.package import build_code_package

    python = airflow_python(version)
    if python is None:
        raise RuntimeError(f"{AIRFLOW_VENVS[version]} is missing: run .ci/setup.d/30-airflow.sh")
    out: dict[str, Result] = {}
    runs, planned = [], {}
    dags = work / "dags"
    dags.mkdir(parents=True, exist_ok=True)
    for case in cases:
        folder = work / case.key
        folder.mkdir(parents=True, exist_ok=True)
        flow = flow_of(case.path)
        if flow is None:
            out[case.id] = refused(case, analysis_problems(case))
            continue
        datastore = folder / "datastore"
        datastore.mkdir(exist_ok=True)
        result = compile_flow(str(case.path), "airflow", {"mode": "local", "datastore": str(datastore)})
        errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity.value == "error"]
        if errors or not result.files:
            out[case.id] = refused(case, "; ".join(errors))
            continue
        (dag_file,) = result.files
        dag = case.key.replace("-", "_")
        text, n = _DAG_ID.subn(lambda m, dag=dag: f"{m.group(1)}{dag!r},", dag_file.content, count=1)
        assert n == 1, "no dag_id= line in the DAG file"
        (dags / f"{dag}.py").write_text(text)
        package = build_code_package(flow, case.path)
        FlowDatastore.open(str(datastore), flow.name).put_code(package.id, package.data)
        # @retry's delay is kept in the DAG (tests/golden) but not waited here: dag.test() would sleep
        # through minutes_between_retries (two minutes for rows/retry_at_once) for nothing compared.
        runs.append({"name": case.id, "dag_id": dag, "conf": case.param_values, "retry_delay_seconds": 0})
        planned[case.id] = (flow, datastore)
    if not runs:
        return out
    home = work / "airflow-home"
    home.mkdir(exist_ok=True)
    job, result_file, log = work / "job.json", work / "result.json", work / "airflow.log"
    job.write_text(json.dumps({"dags_folder": str(dags), "runs": runs}))
    env = base_env(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
    )
    with log.open("w") as f:
        subprocess.run(
            [str(python), str(AIRFLOW_HARNESS), str(job), str(result_file)],
            stdout=f,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=work,
            timeout=2400,
            check=False,
        )
    report = json.loads(result_file.read_text()) if result_file.exists() else {}
    results, import_errors = report.get("runs", {}), report.get("import_errors", {})
    for name, (flow, datastore) in planned.items():
        run = results.get(name)
        if run is None or run["state"] == "error":
            why = run.get("error") if run else f"no result; import errors {import_errors}; {log.read_text()[-3000:]}"
            out[name] = Result({"outcome": "harness-error", "failed_step": None, "tasks": {}}, f"{why}\n{log}")
            continue
        failed = sorted(_airflow_step(flow, t) for t, (state, _) in run["tasks"].items() if state == "failed")
        store = FlowDatastore.open(str(datastore), flow.name)
        ok = run["state"] == "success"
        dump = dump_store(store, run["run_id"], ok, failed[0] if failed else None)
        out[name] = Result(dump, f"{log} (run {run['run_id']}; tasks {run['tasks']})")
    return out


# -- Step Functions, worker mode, on moto's ASL interpreter -----------------------------------------

SFN_ROLE = "arn:aws:iam::123456789012:role/flowc-sfn"
SCHEDULER_ROLE = "arn:aws:iam::123456789012:role/flowc-scheduler"
# Executions in flight at once, each compiled, deployed, started and read back by a thread of its own,
# and tasks run at once by the worker: the machine's cores are the limit, not moto (moto_env patches
# its 60 s default timeout, so a task that waits in the queue is not cut off).
SFN_IN_FLIGHT = 4
SFN_WORKER_CONCURRENCY = 4
SFN_BUCKET = "flowc-conformance"
# The longest one execution may take (a hang fails its test, never the batch).
SFN_EXECUTION_TIMEOUT = 600
# Test-only knob: the suite waits this long between @retry attempts instead of the deployed
# `minutes_between_retries` (Metaflow's default: 2 minutes), rewritten into the definition before it is
# created. What `flowc compile`/`flowc deploy` emit keeps Metaflow's delay (test_lowering asserts it).
SFN_RETRY_INTERVAL_SECONDS = 1


def shorten_retry_delays(definition: str) -> str:
    """The definition with every `Retry`'s IntervalSeconds set to SFN_RETRY_INTERVAL_SECONDS."""

    def walk(machine: dict[str, Any]) -> None:
        for state in machine["States"].values():
            for retrier in state.get("Retry", ()):
                retrier["IntervalSeconds"] = SFN_RETRY_INTERVAL_SECONDS
            for branch in state.get("Branches", ()):
                walk(branch)
            if "ItemProcessor" in state:
                walk(state["ItemProcessor"])

    machine = json.loads(definition)
    walk(machine)
    return json.dumps(machine, separators=(",", ":"), sort_keys=True)


def sfn_worker(cases: list[Case], work: Path) -> dict[str, Result]:
    from flowc.targets.step_functions import deploy

    from flowc.compiler import compile_flow
    from tests.targets.step_functions.moto_env import moto_server

    with moto_server() as aws:
        s3, sfn, scheduler = aws.client("s3"), aws.client("stepfunctions"), aws.client("scheduler")
        s3.create_bucket(Bucket=SFN_BUCKET)
        queue = str(aws.client("sqs").create_queue(QueueName="flowc-conformance")["QueueUrl"])
        log = work / "worker.log"
        argv = [*FLOWC, "worker", "--queue", queue, "--concurrency", str(SFN_WORKER_CONCURRENCY)]
        worker = subprocess.Popen(
            [*argv, "--heartbeat-seconds", "5"],
            env=base_env(**aws.env),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            cwd=work,
        )

        def one(case: Case, folder: Path) -> Result:
            flow = flow_of(case.path)
            if flow is None:
                return refused(case, analysis_problems(case))
            datastore = f"s3://{SFN_BUCKET}/{case.key}"
            options = {"datastore": datastore, "mode": "worker", "queue_url": queue, "name": case.key}
            result = compile_flow(str(case.path), "step-functions", options)
            errors = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity.value == "error"]
            if errors or result.output is None:
                return refused(case, "; ".join(errors))
            try:
                plan = deploy.plan(result.output, sfn, s3, scheduler, SFN_ROLE, SCHEDULER_ROLE)
                plan.definition = shorten_retry_delays(plan.definition)
                arn = deploy.apply(plan, flow, sfn, s3, scheduler)
            except Exception as exc:  # CreateStateMachine refused the definition
                return refused(case, f"deploy: {type(exc).__name__}: {exc}")
            try:
                params = json.dumps(case.param_values)
                execution = sfn.start_execution(stateMachineArn=arn, name="conformance", input=params)
            except Exception as exc:  # StartExecution refused the input
                dump = {"outcome": "harness-error", "failed_step": None, "tasks": {}}
                return Result(dump, f"StartExecution: {type(exc).__name__}: {exc}")
            return _sfn_result(sfn, s3, flow, datastore, execution["executionArn"], log)

        try:
            return _each(cases, work, one, workers=SFN_IN_FLIGHT)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


def _sfn_result(sfn: Any, s3: Any, flow: Flow, datastore: str, arn: str, log: Path) -> Result:
    from flowc.datastore.s3 import S3Storage
    from tests.targets.step_functions.moto_env import wait_for_execution

    try:
        done = wait_for_execution(sfn, arn, timeout=SFN_EXECUTION_TIMEOUT)
    except TimeoutError as exc:
        done = {"status": "TIMED_OUT", "cause": str(exc)}
    ok = done["status"] == "SUCCEEDED"
    cause = str(done.get("cause") or "")
    m = re.search(r"step (\S+?)(?:/[\d.]+)? failed", cause)
    failed_step = m.group(1) if m else (None if ok else f"<{done['status']}>")
    try:
        store = FlowDatastore(S3Storage(datastore, client=s3), flow.name)
        dump = dump_store(store, "conformance", ok, failed_step)
    except Exception as exc:  # reading the run back failed: say so for this run only
        dump = {"outcome": "harness-error", "failed_step": None, "tasks": {}}
        cause = f"reading the datastore: {type(exc).__name__}: {exc}; {cause}"
    return Result(dump, f"{log}; execution {done['status']}: {cause[:2000]}")


# -- Metaflow, the oracle ----------------------------------------------------------------------------

METAFLOW_VENV = ROOT / ".venv-metaflow"
ORACLE = Path(__file__).with_name("metaflow_oracle.py")


def metaflow_python() -> Path | None:
    python = METAFLOW_VENV / "bin" / "python"
    return python if python.exists() else None


def metaflow(cases: list[Case], work: Path, cache: dict[str, Result] | None = None) -> dict[str, Result]:
    python = metaflow_python()
    assert python is not None, "no .venv-metaflow: run .ci/setup.d/40-metaflow.sh"

    def one(case: Case, folder: Path) -> Result:
        key = case.source_hash()
        if cache is not None and key in cache:
            return cache[key]
        flow = flow_of(case.path)
        argv = [str(python), str(ORACLE), str(case.path), str(folder / "metaflow"), str(folder / "dump.json")]
        argv += [f"{k}={param_text(flow, k, v)}" for k, v in case.params]
        # Metaflow starts some tasks (@parallel) as `python ...` from PATH: its venv comes first.
        env = base_env(METAFLOW_HOME=str(folder / "home"))
        env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600, check=False)
        log = str(folder / "metaflow" / "metaflow.log")
        if proc.returncode != 0 or not (folder / "dump.json").exists():
            dump = {"outcome": "harness-error", "failed_step": None, "tasks": {}}
            return Result(dump, proc.stdout[-2000:] + proc.stderr[-3000:])
        result = Result(json.loads((folder / "dump.json").read_text()), log)
        result.dump.pop("log", None)
        if cache is not None:
            cache[key] = result
        return result

    return _each(cases, work, one, workers=2)


EXECUTORS: dict[str, Callable[[list[Case], Path], dict[str, Result]]] = {
    "flowc-run": flowc_run,
    "flowc-spawn": flowc_spawn,
    "step-driver": step_driver,
    "argo": argo,
    "airflow3": lambda cases, work: airflow("airflow3", cases, work),
    "airflow2": lambda cases, work: airflow("airflow2", cases, work),
    "sfn-worker": sfn_worker,
}


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    t0 = time.monotonic()
    value = fn()
    return value, time.monotonic() - t0


def ancestors(flow: Flow, step: str) -> set[str]:
    import networkx as nx

    return set(nx.ancestors(flow.graph(), step))


def comparable(dump: canonical.Dump, flow: Flow | None) -> canonical.Dump:
    """What of a dump is compared: a failed run's tasks before the failing step only (how far other
    branches got before the run stopped depends on timing)."""
    if dump.get("outcome") != "failed" or flow is None or not dump.get("failed_step"):
        return dump
    step = dump["failed_step"]
    if step not in flow.step_map:
        return dump
    keep = ancestors(flow, step)
    return {**dump, "tasks": {t: v for t, v in dump["tasks"].items() if _step_of(t) in keep}}
