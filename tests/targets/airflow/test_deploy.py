"""`flowc deploy --target airflow`: the DAG file into a DAGs folder (local or S3), the code into the datastore."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from flowc.cli import main
from flowc.compiler import analyze
from flowc.datastore.package import build_code_package
from flowc.datastore.store import FlowDatastore
from tests.conftest import SHAPES


def _deploy(*extra: str, datastore: Path) -> int:
    return main(
        [
            "deploy",
            str(SHAPES / "linear.py"),
            "--target",
            "airflow",
            "--mode",
            "local",
            "--datastore",
            str(datastore),
            *extra,
        ]
    )


def test_deploy_writes_the_dag_and_the_code_package(tmp_path: Path, capsys) -> None:
    dags, store = tmp_path / "dags", tmp_path / "store"
    dags.mkdir()
    assert _deploy("--dags-folder", str(dags), datastore=store) == 0
    assert [p.name for p in dags.iterdir()] == ["LinearFlow.py"]
    flow = analyze(SHAPES / "linear.py").flow
    assert flow is not None
    package = build_code_package(flow, SHAPES / "linear.py")
    assert FlowDatastore.open(str(store), flow.name).get_code(package.id) == package.deployable
    assert "created" in capsys.readouterr().out


def test_redeploying_the_same_flow_changes_nothing(tmp_path: Path, capsys) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    _deploy("--dags-folder", str(dags), datastore=tmp_path / "store")
    capsys.readouterr()
    assert _deploy("--dags-folder", str(dags), datastore=tmp_path / "store") == 0
    assert "unchanged" in capsys.readouterr().out


def test_dry_run_shows_the_diff_and_writes_nothing(tmp_path: Path, capsys) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "LinearFlow.py").write_text("old = True\n")
    assert _deploy("--dags-folder", str(dags), "--dry-run", datastore=tmp_path / "store") == 0
    out = capsys.readouterr().out
    assert "would update" in out and "-old = True" in out
    assert (dags / "LinearFlow.py").read_text() == "old = True\n"
    assert not (tmp_path / "store").exists()


def test_update_replaces_the_file_without_leaving_temporary_files(tmp_path: Path) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "LinearFlow.py").write_text("old = True\n")
    assert _deploy("--dags-folder", str(dags), datastore=tmp_path / "store") == 0
    assert [p.name for p in dags.iterdir()] == ["LinearFlow.py"]
    assert "FlowcStep" in (dags / "LinearFlow.py").read_text()


def test_missing_dags_folder_is_an_error_but_a_dry_run_plans_without_it(tmp_path: Path, capsys) -> None:
    assert _deploy("--dags-folder", str(tmp_path / "nope"), datastore=tmp_path / "store") == 1
    err = capsys.readouterr().err
    assert err.startswith("flowc deploy: the DAGs folder") and "does not exist" in err
    assert _deploy("--dags-folder", str(tmp_path / "nope"), "--dry-run", datastore=tmp_path / "store") == 0
    out = capsys.readouterr().out
    assert f"would create or update {tmp_path / 'nope' / 'LinearFlow.py'}" in out and "dry run: nothing changed" in out


def test_the_dags_folder_defaults_to_airflows_own(tmp_path: Path, capsys, monkeypatch) -> None:
    home = tmp_path / "airflow-home"
    (home / "my-dags").mkdir(parents=True)
    (home / "airflow.cfg").write_text("[core]\ndags_folder = {AIRFLOW_HOME}/my-dags\n")
    monkeypatch.setenv("AIRFLOW_HOME", str(home))
    monkeypatch.delenv("AIRFLOW__CORE__DAGS_FOLDER", raising=False)
    assert _deploy(datastore=tmp_path / "store") == 0
    assert (home / "my-dags" / "LinearFlow.py").is_file()
    monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(tmp_path / "env-dags"))
    (tmp_path / "env-dags").mkdir()
    assert _deploy(datastore=tmp_path / "store") == 0
    assert (tmp_path / "env-dags" / "LinearFlow.py").is_file()


def test_the_dag_file_is_readable_by_others(tmp_path: Path) -> None:
    import stat

    dags = tmp_path / "dags"
    dags.mkdir()
    old = os.umask(0o022)
    try:
        assert _deploy("--dags-folder", str(dags), datastore=tmp_path / "store") == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((dags / "LinearFlow.py").stat().st_mode) == 0o644


def test_delete_removes_the_dag_file(tmp_path: Path, capsys) -> None:
    dags = tmp_path / "dags"
    dags.mkdir()
    assert _deploy("--dags-folder", str(dags), datastore=tmp_path / "store") == 0
    argv = ["delete", str(SHAPES / "linear.py"), "-t", "airflow", "--dags-folder", str(dags)]
    assert main([*argv, "--dry-run"]) == 0 and (dags / "LinearFlow.py").exists()
    assert main(argv) == 0 and not (dags / "LinearFlow.py").exists()
    assert "deleted" in capsys.readouterr().out


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FLOWC_S3_ENDPOINT_URL": url,
    }.items():
        monkeypatch.setenv(key, value)
    boto3.client("s3", endpoint_url=url).create_bucket(Bucket="airflow")
    yield url
    server.stop()


def test_deploy_to_s3_puts_the_dag_under_the_prefix(s3: str, tmp_path: Path, capsys) -> None:
    assert _deploy("--dags-folder", "s3://airflow/dags", datastore=tmp_path / "store") == 0
    client = boto3.client("s3", endpoint_url=s3)
    body = client.get_object(Bucket="airflow", Key="dags/LinearFlow.py")["Body"].read().decode()
    assert "dag_id='LinearFlow'" in body
    capsys.readouterr()
    assert _deploy("--dags-folder", "s3://airflow/dags", "--dry-run", datastore=tmp_path / "store") == 0
    assert "unchanged s3://airflow/dags/LinearFlow.py" in capsys.readouterr().out
