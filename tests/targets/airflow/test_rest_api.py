"""`flowc trigger|status|delete --target airflow` against Airflow's own REST API, served on loopback by
the test: `airflow api-server` (Airflow 3, API v2, the simple auth manager's tokens) and
`airflow webserver` (Airflow 2.10, API v1, basic auth). DAGs reach Airflow's database with
`airflow dags reserialize`; no scheduler runs, so a triggered run stays queued, and a finished, failed
run is made beforehand with `airflow dags test`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from flowc.cli import main
from tests.conftest import SHAPES

from .conftest import VENVS, require_airflow

PASSWORD = "s3cret-for-tests"
FLOWS = ("linear", "parameters", "failing")


@dataclass
class Api:
    version: str
    url: str
    dags: Path
    datastore: Path
    python: Path
    env: dict[str, str]

    def args(self, *extra: str) -> list[str]:
        return ["--airflow-url", self.url, "--airflow-user", "admin", *extra]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _airflow(python: Path, env: dict[str, str], *argv: str, log: Path) -> None:
    with log.open("a") as out:
        out.write(f"\n$ airflow {' '.join(argv)}\n")
        out.flush()
        proc = subprocess.run(
            [str(python), "-m", "airflow", *argv], env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600
        )
    if proc.returncode != 0:
        pytest.fail(f"airflow {' '.join(argv)} failed; log {log}:\n{log.read_text()[-3000:]}")


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the Airflow server exited ({server.returncode}); log {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status < 500:
                    return
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                return
        except OSError:
            pass
        time.sleep(1)
    pytest.fail(f"the Airflow server did not answer at {url} within {timeout:.0f}s; log {log}")


@pytest.fixture(scope="module", params=sorted(VENVS, reverse=True))
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    version = request.param
    python = require_airflow(version)
    tmp = tmp_path_factory.mktemp(f"rest-{version}")
    home, dags, datastore = tmp / "home", tmp / "dags", tmp / "datastore"
    for d in (home, dags, datastore):
        d.mkdir()
    for name in FLOWS:
        argv = ["deploy", str(SHAPES / f"{name}.py"), "-t", "airflow", "--mode", "local"]
        assert main([*argv, "--datastore", str(datastore), "--dags-folder", str(dags)]) == 0
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "VIRTUAL_ENV", "FLOWC_"))},
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__WEBSERVER__SECRET_KEY": "flowc-tests",
        "AIRFLOW__API_AUTH__JWT_SECRET": "flowc-tests-jwt-secret-of-enough-length",
    }
    log = tmp / "airflow.log"
    if version == "airflow3":
        (home / "passwords.json").write_text(json.dumps({"admin": PASSWORD}))
        env.update(
            {
                "AIRFLOW__CORE__AUTH_MANAGER": (
                    "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
                ),
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            }
        )
    else:
        env["AIRFLOW__API__AUTH_BACKENDS"] = "airflow.api.auth.backend.basic_auth"
    _airflow(python, env, "db", "migrate", log=log)
    if version == "airflow2":
        _airflow(
            python, env, "users", "create", "--username", "admin", "--password", PASSWORD, "--role", "Admin",
            "--firstname", "a", "--lastname", "b", "--email", "admin@example.com", log=log,
        )  # fmt: skip
    _airflow(python, env, "dags", "reserialize", log=log)
    # A finished run that failed, for `flowc status` (no scheduler runs here).
    with log.open("a") as out:
        subprocess.run(
            [str(python), "-m", "airflow", "dags", "test", "FailingFlow"],
            env=env, stdout=out, stderr=subprocess.STDOUT, timeout=600, check=False,
        )  # fmt: skip
    serve = (
        ["api-server", "--host", "127.0.0.1", "--port", str(port)]
        if version == "airflow3"
        else ["webserver", "--hostname", "127.0.0.1", "--port", str(port), "--workers", "1"]
    )
    with log.open("a") as out:
        server = subprocess.Popen(
            [str(python), "-m", "airflow", *serve],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/api/{'v2' if version == 'airflow3' else 'v1'}/version", server, log)
        yield Api(version, url, dags, datastore, python, env)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


@pytest.fixture(autouse=True)
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWC_AIRFLOW_PASSWORD", PASSWORD)


def flowc(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_trigger_starts_a_run_with_typed_parameters(api: Api, capsys) -> None:
    flow = str(SHAPES / "parameters.py")
    code, out, err = flowc(
        capsys, "trigger", flow, "-t", "airflow", *api.args("--param", "count=5", "--run-name", "r1")
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "r1"
    assert "is paused: the run waits until it is unpaused" in out  # Airflow's default for a new DAG
    from flowc.targets.airflow.api import AirflowApi

    client = AirflowApi(api.url, "admin", PASSWORD)
    run = client.dag_run("ParametersFlow", "r1")
    assert (
        run is not None
        and run["conf"] == {"count": 5}
        and client.version == ("v2" if api.version == "airflow3" else "v1")
    )
    code, out, _ = flowc(capsys, "status", flow, "-t", "airflow", *api.args())
    assert code == 0 and out.splitlines()[0] == "run r1: queued"


def test_status_of_a_failed_run_names_the_failed_step(api: Api, capsys) -> None:
    code, out, err = flowc(capsys, "status", str(SHAPES / "failing.py"), "-t", "airflow", *api.args())
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("run ") and lines[0].endswith(": failed")
    assert "  failed steps: boom" in lines
    assert "  not run (upstream failed): end" in lines


def test_errors_from_airflow_are_one_line(api: Api, capsys, monkeypatch) -> None:
    code, _, err = flowc(capsys, "trigger", str(SHAPES / "branch.py"), "-t", "airflow", *api.args())
    assert code == 1 and err.startswith(f"flowc trigger: Airflow at {api.url} has no DAG BranchFlow: deploy the flow")
    code, _, err = flowc(
        capsys, "trigger", str(SHAPES / "parameters.py"), "-t", "airflow", *api.args("--param", "count=x")
    )
    assert code == 2 and "parameter 'count'" in err
    monkeypatch.setenv("FLOWC_AIRFLOW_PASSWORD", "wrong")
    code, _, err = flowc(capsys, "status", str(SHAPES / "linear.py"), "-t", "airflow", *api.args())
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "refused the user 'admin'" in err or "wants credentials" in err
    code, _, err = flowc(
        capsys, "status", str(SHAPES / "linear.py"), "-t", "airflow", "--airflow-url", "http://127.0.0.1:9"
    )
    assert code == 1 and err.startswith("flowc status: cannot reach Airflow at http://127.0.0.1:9")


def test_delete_removes_the_dag_file_and_its_records(api: Api, capsys) -> None:
    flow = str(SHAPES / "linear.py")
    assert flowc(capsys, "trigger", flow, "-t", "airflow", *api.args())[0] == 0
    args = ["--dags-folder", str(api.dags), *api.args()]
    code, out, _ = flowc(capsys, "delete", flow, "-t", "airflow", *args, "--dry-run")
    assert code == 0 and f"would delete {api.dags / 'LinearFlow.py'}" in out and (api.dags / "LinearFlow.py").exists()
    code, out, err = flowc(capsys, "delete", flow, "-t", "airflow", *args)
    assert code == 0, err
    assert f"deleted {api.dags / 'LinearFlow.py'}" in out and "deleted DAG LinearFlow's records" in out
    assert not (api.dags / "LinearFlow.py").exists()
    code, out, _ = flowc(capsys, "status", flow, "-t", "airflow", *api.args())
    assert code == 1 or "no runs" in out
