"""Real Airflow for the Airflow target's tests, paid for once per test session and Airflow version.

Each Airflow lives in its own virtualenv (made by .ci/setup.d/30-airflow.sh): Airflow 3 in
`.venv-airflow`, Airflow 2.10 in `.venv-airflow2`. For each, one subprocess (harness.py) imports every
compiled DAG and runs the requested ones with `dag.test()` on SQLite, then reports JSON; every e2e test
runs against both. Without a virtualenv its tests skip locally and fail in CI (CI=true), where a
missing Airflow must never pass silently.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from flowc.compiler import analyze, compile_flow
from flowc.datastore.package import build_code_package
from flowc.datastore.store import FlowDatastore
from tests.conftest import DEPLOYER, ROOT, example_files, has_loop, shape_files, switch_runs

HARNESS = Path(__file__).with_name("harness.py")
# A literal folder name that Airflow's Jinja would render if it ever saw it as a template.
TRICKY_DIR = "ds-{{ run_id }}-{% raw %}$(whoami)"
# Values Jinja and Kubernetes would both expand, for the pod rendering probe.
HOSTILE_ENV = "{{ ds }} $(HOME) {% raw %}"
HOSTILE_STORE = "s3://bucket/{{ run_id }}/$(X) $$y"
HOSTILE_POD_FLOW = f"""
from flowc import FlowSpec, Parameter, environment, step


class HostilePodFlow(FlowSpec):
    who = Parameter("who", default="{{{{ ds }}}}")

    @environment(vars={{"GREETING": {HOSTILE_ENV!r}}})
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


VENVS = {"airflow3": ".venv-airflow", "airflow2": ".venv-airflow2"}


def airflow_python(version: str) -> Path | None:
    candidate = ROOT / VENVS[version] / "bin" / "python"
    return candidate if candidate.exists() else None


def require_airflow(version: str) -> Path:
    python = airflow_python(version)
    if python is None:
        message = f"{VENVS[version]} is missing: run .ci/setup.d/30-airflow.sh"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return python


@dataclass
class Run:
    name: str
    flow_path: Path
    conf: dict[str, Any] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    datastore: str = ""


@dataclass
class Session:
    result: dict[str, Any]
    runs: dict[str, Run]
    datastore: Path
    log: Path
    version: str

    def run(self, name: str) -> dict[str, Any]:
        return self.result["runs"][name]  # type: ignore[no-any-return]

    def artifacts(self, name: str, step: str = "end", index: str = "") -> dict[str, Any]:
        run = self.runs[name]
        flow = analyze(run.flow_path).flow
        assert flow is not None
        store = FlowDatastore.open(run.datastore, flow.name)
        return store.task_artifacts(self.run(name)["run_id"], step, index)


def compile_into(path: Path, dags: Path, options: dict[str, Any]) -> str:
    result = compile_flow(str(path), "airflow", options)
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    (out,) = result.files
    (dags / out.path).write_text(out.content)
    return out.path


def publish_code(path: Path, datastore: Path) -> str:
    flow = analyze(path).flow
    assert flow is not None
    package = build_code_package(flow, path)
    FlowDatastore.open(str(datastore), flow.name).put_code(package.id, package.data)
    return flow.name


def switch_shape_files() -> list[Path]:
    """The conditional shapes Airflow runs (tests.conftest.switch_runs): all but loops, which it
    refuses (FC503)."""
    return sorted({p for p, _, _ in switch_runs() if not has_loop(p)})


# The shapes run here for what the conformance suite does not look at (try numbers, map indexes,
# skipped states, conf handling, Airflow's map limit). Every shape, example and conditional shape with
# every case value runs in tests/conformance on Airflow 3 and 2, its artifacts compared with the
# reference's.
SHAPE_RUNS = ("retries", "nested_foreach", "switch", "switch_in_foreach")


def _runs(datastore: Path) -> list[Run]:
    shapes = {p.stem: p for p in shape_files()}
    runs = [Run(name, shapes[name]) for name in SHAPE_RUNS]
    runs += [
        Run("parameters-conf", shapes["parameters"], conf={"who": "airflow", "count": 7, "loud": True}),
        Run("parameters-bad-conf", shapes["parameters"], conf={"count": "many"}),
        Run("foreach-over-limit", shapes["foreach"], env={"AIRFLOW__CORE__MAX_MAP_LENGTH": "3"}),
    ]
    for r in runs:
        r.datastore = str(datastore)
    return runs


@pytest.fixture(scope="session", params=sorted(VENVS, reverse=True))
def airflow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Session:
    # Compiled as the target tests' one user (tests/targets/conftest.py's `deployer` fixture, which is
    # per test and so comes after this one): @project flows need to know who deploys.
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FLOWC_USER", DEPLOYER)
        return _start(request.param, tmp_path_factory)


def _start(version: str, tmp_path_factory: pytest.TempPathFactory) -> Session:
    python = require_airflow(version)
    tmp = tmp_path_factory.mktemp(version)
    datastore = tmp / "datastore"
    local_dags, pod_dags = tmp / "dags", tmp / "pod-dags"
    for d in (datastore, local_dags, pod_dags, tmp / "home", tmp / "flows"):
        d.mkdir()
    dag_ids: dict[str, str] = {}
    # The conditional shapes are imported here (they run in tests/conformance); a flow whose class name
    # another already has is imported as a renamed copy.
    for path in switch_shape_files():
        flow = analyze(path).flow
        assert flow is not None
        from flowc.targets.airflow import dag_id

        if dag_id(flow) in dag_ids.values():
            copy = tmp / "flows" / f"{path.parent.name}_{path.name}".replace("-", "_")
            copy.write_text(path.read_text().replace(f"class {flow.name}(", f"class {flow.name}Again("))
            path = copy
            flow = analyze(path).flow
            assert flow is not None
        compile_into(path, local_dags, {"mode": "local", "datastore": str(datastore)})
        dag_ids[str(path)] = dag_id(flow)
    runs = _runs(datastore)
    for path in [*shape_files(), *example_files()]:
        compile_into(path, local_dags, {"mode": "local", "datastore": str(datastore)})
        compile_into(path, pod_dags, {"mode": "kubernetes", "datastore": "s3://bucket/flowc", "image": "flowc:1"})
        publish_code(path, datastore)
        flow = analyze(path).flow
        assert flow is not None
        from flowc.targets.airflow import dag_id

        dag_ids[str(path)] = dag_id(flow)

    # The linear flow again, renamed, whose datastore folder name is Jinja and shell syntax:
    # Airflow must pass it to the runner verbatim.
    tricky_store = tmp / TRICKY_DIR
    tricky_store.mkdir()
    linear = next(p for p in shape_files() if p.stem == "linear")
    tricky = tmp / "flows" / "tricky_linear.py"
    tricky.write_text(linear.read_text().replace("class LinearFlow", "class TrickyLinearFlow"))
    publish_code(tricky, tricky_store)
    compile_into(tricky, local_dags, {"mode": "local", "datastore": str(tricky_store)})
    runs.append(Run("tricky-datastore", tricky, datastore=str(tricky_store)))
    dag_ids[str(tricky)] = "TrickyLinearFlow"

    hostile = tmp / "flows" / "hostile_pod.py"
    hostile.write_text(HOSTILE_POD_FLOW)
    compile_into(hostile, pod_dags, {"mode": "kubernetes", "datastore": HOSTILE_STORE, "image": "img:1"})

    job = {
        "dags_folder": str(local_dags),
        "import_only": [str(pod_dags)],
        "runs": [{"name": r.name, "dag_id": dag_ids[str(r.flow_path)], "conf": r.conf, "env": r.env} for r in runs],
        "renders": [
            {
                "name": "hostile-pod-start",
                "folder": str(pod_dags),
                "dag_id": "HostilePodFlow",
                "task_id": "start",
                "run_id": "manual__1",
                "try_number": 2,
                "params": {"who": "{{ ds }}"},
            }
        ],
        "probes": [
            {
                # A runner that exits 0 without printing an output object (here: `flowc --version`).
                "name": "exit-0-without-output",
                "dag_id": "LinearFlow",
                "task_id": "start",
                "attrs": {"argv": ["--version", "--attempt", "0"]},
            },
            {
                "name": "fanout-over-limit",
                "dag_id": "NestedForeachFlow",
                "task_id": "row-fanout",
                "attrs": {"split_outputs": [{"foreach_count": 3}, {"foreach_count": 3}], "paths": ["0", "1"]},
                "env": {"AIRFLOW__CORE__MAX_MAP_LENGTH": "5"},
            },
            {
                "name": "fanout-nested-paths",
                "dag_id": "NestedForeachFlow",
                "task_id": "row-fanout",
                "attrs": {
                    "split_outputs": [{"foreach_count": 2}, {"foreach_count": 0}, {"foreach_count": 1}],
                    "paths": ["0", "1", "2"],
                },
            },
        ],
    }
    job_file, result_file, log = tmp / "job.json", tmp / "result.json", tmp / "airflow.log"
    job_file.write_text(json.dumps(job))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(tmp / "home"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp / 'home' / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    env.pop("VIRTUAL_ENV", None)
    with log.open("w") as out:
        proc = subprocess.run(
            [str(python), str(HARNESS), str(job_file), str(result_file)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=tmp,
            timeout=900,
            check=False,
        )
    if proc.returncode != 0 or not result_file.exists():
        tail = log.read_text()[-4000:]
        pytest.fail(f"the Airflow harness failed ({proc.returncode}); log {log}:\n{tail}")
    result = json.loads(result_file.read_text())
    print(f"Airflow {result['airflow_version']} harness log: {log}", file=sys.stderr)
    return Session(result, {r.name: r for r in runs}, datastore, log, version)
