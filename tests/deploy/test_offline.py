"""Dry runs as a new user makes them: no AWS region or credentials, no kubeconfig, no Airflow, no DAGs
folder. deploy, trigger and delete print their plan and change nothing, on every target (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flowc.cli import main

FLOW = Path(__file__).parents[2] / "examples" / "hyperparam_sweep.py"
TARGETS = ["step-functions", "argo", "airflow"]


@pytest.fixture(autouse=True)
def nothing_configured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith(("AWS_", "FLOWC_", "AIRFLOW", "KUBE")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setenv("FLOWC_USER", "ci")
    monkeypatch.chdir(tmp_path)


def flowc(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("datastore", [[], ["--datastore", "s3://acme-flows/flowc"]], ids=["unbound", "bound"])
def test_deploy_dry_run_needs_nothing_but_the_flow(capsys, tmp_path: Path, target: str, datastore: list[str]) -> None:
    code, out, err = flowc(capsys, "deploy", str(FLOW), "-t", target, "--dry-run", *datastore)
    assert code == 0, err
    assert "offline plan" in out and out.rstrip().endswith("dry run: nothing changed")
    assert ("no datastore is bound" in out) is not bool(datastore)
    if datastore:
        assert "upload code package" in out
    assert "Traceback" not in out + err
    assert not (tmp_path / "home" / "airflow").exists()  # the default DAGs folder was not made


@pytest.mark.parametrize("target", TARGETS)
def test_delete_dry_run_needs_nothing_but_the_flow(capsys, target: str) -> None:
    code, out, err = flowc(capsys, "delete", str(FLOW), "-t", target, "--dry-run")
    assert code == 0, err
    assert "offline plan" in out and out.rstrip().endswith("dry run: nothing changed")


@pytest.mark.parametrize("target", TARGETS)
def test_trigger_dry_run_checks_the_parameters_and_prints_the_request(capsys, target: str) -> None:
    code, out, err = flowc(capsys, "trigger", str(FLOW), "-t", target, "--param", "epochs=3", "--dry-run")
    assert code == 0, err
    assert out.rstrip().endswith("dry run: nothing started")
    if target == "step-functions":
        request = json.loads(out.split(": ", 1)[1].splitlines()[0])
        assert json.loads(request["input"]) == {"epochs": 3}
        assert request["stateMachineArn"] == "arn:aws:states:<region>:<account>:stateMachine:HyperparamSweepFlow"
    elif target == "argo":
        assert "workflowTemplateRef:\n    name: hyperparam-sweep-flow" in out
        assert "- name: epochs\n      value: '3'" in out
    else:
        assert '{"conf": {"epochs": 3}}' in out and "DAG HyperparamSweepFlow" in out
    code, out, err = flowc(capsys, "trigger", str(FLOW), "-t", target, "--param", "epochs=many", "--dry-run")
    assert code == 2 and "'many' is not an integer" in err and "Traceback" not in err
