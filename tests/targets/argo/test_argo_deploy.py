"""`flowc deploy --target argo` without a cluster: the dry run, and create-or-replace through a
kubectl stand-in that behaves like the API server for custom resources (tests/targets/argo/
fake_kubectl.py). The Kubernetes Python client path is not exercised here (no API server)."""

from __future__ import annotations

import io
import json
import stat
import sys
from pathlib import Path

import pytest
from flowc.targets.argo import ArgoTarget, deploy, load_manifests

from flowc.cli import main
from flowc.datastore import layout
from flowc.datastore.package import build_code_package
from tests.targets.argo.conftest import compile_argo, load_flow, yaml_docs

EXAMPLES = Path(__file__).parents[3] / "examples"
FAKE = Path(__file__).with_name("fake_kubectl.py")


@pytest.fixture
def kubectl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An executable `kubectl` that runs the stand-in with this interpreter."""
    kube = tmp_path / "kube"
    kube.mkdir()
    monkeypatch.setenv("FAKE_KUBE_DIR", str(kube))
    exe = tmp_path / "kubectl"
    exe.write_text(f'#!/bin/sh\nexec {sys.executable} {FAKE} "$@"\n')
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def calls(kube: Path) -> list[list[str]]:
    return [json.loads(line) for line in (kube / "calls.jsonl").read_text().splitlines()]


def test_dry_run_prints_the_plan_and_manifests_and_touches_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    flow_file = EXAMPLES / "daily_etl.py"
    status = main(["deploy", str(flow_file), "--target", "argo", "--datastore", "s3://b/p", "--dry-run"])
    out = capsys.readouterr().out
    assert status == 0
    assert "# would create or replace WorkflowTemplate daily-sales-etl" in out
    assert "# would create or replace CronWorkflow daily-sales-etl" in out
    docs = yaml_docs(out)
    assert [d["kind"] for d in docs] == ["WorkflowTemplate", "CronWorkflow"]


def test_deploy_uploads_code_then_creates_and_on_redeploy_replaces(tmp_path: Path, kubectl: Path) -> None:
    flow = load_flow(EXAMPLES / "daily_etl.py")
    datastore = tmp_path / "datastore"
    result = compile_argo(flow, datastore=str(datastore), namespace="ml")
    args = type("Args", (), {"kubectl": str(kubectl), "context": "dev", "dry_run": False})()
    out = io.StringIO()
    assert deploy.deploy(flow, result, args, out) == 0
    assert deploy.deploy(flow, result, args, out) == 0
    lines = out.getvalue().splitlines()
    assert lines[:3] == [
        lines[0],
        "created WorkflowTemplate daily-sales-etl",
        "created CronWorkflow daily-sales-etl",
    ]
    assert lines[0].startswith("uploaded code package")
    assert lines[3].startswith("already there: code package")
    assert lines[4:] == ["replaced WorkflowTemplate daily-sales-etl", "replaced CronWorkflow daily-sales-etl"]
    package = build_code_package(flow, flow.file)
    assert (datastore / layout.code_key(flow.name, package.id)).read_bytes() == package.data
    kube = Path(kubectl).parent / "kube"
    made = calls(kube)
    assert made[0] == [
        "--context", "dev", "--namespace", "ml",
        "get", "workflowtemplates.argoproj.io", "daily-sales-etl", "--ignore-not-found", "-o", "json",
    ]  # fmt: skip
    assert [c[4] for c in made] == ["get", "create", "get", "create", "get", "replace", "get", "replace"]
    stored = json.loads((kube / "ml" / "workflowtemplates" / "daily-sales-etl.json").read_text())
    assert stored["metadata"]["resourceVersion"] == "2"
    assert stored["spec"] == load_manifests(result)[0]["spec"]


def test_deploy_refuses_when_the_source_changed_since_compiling(tmp_path: Path, kubectl: Path) -> None:
    src = tmp_path / "flow.py"
    src.write_text((Path(__file__).parents[2] / "shapes" / "linear.py").read_text())
    flow = load_flow(src)
    result = compile_argo(flow, datastore=str(tmp_path / "ds"))
    src.write_text(src.read_text() + "\n# edited\n")
    args = type("Args", (), {"kubectl": str(kubectl), "context": None, "dry_run": False})()
    out = io.StringIO()
    assert deploy.deploy(flow, result, args, out) == 1
    assert "compile again" in out.getvalue()
    assert not (Path(kubectl).parent / "kube" / "calls.jsonl").exists()


def test_deploy_reports_a_missing_kubectl(tmp_path: Path) -> None:
    flow = load_flow(Path(__file__).parents[2] / "shapes" / "linear.py")
    result = compile_argo(flow, datastore=str(tmp_path / "ds"))
    args = type("Args", (), {"kubectl": str(tmp_path / "no-kubectl"), "context": None, "dry_run": False})()
    out = io.StringIO()
    assert deploy.deploy(flow, result, args, out) == 1
    assert "was not found" in out.getvalue()


def test_check_command_runs_the_argo_validation(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", str(EXAMPLES / "grid_evaluation.py"), "--target", "argo", "--datastore", "s3://b/p"])
    assert status == 0, capsys.readouterr()


def test_validate_reports_broken_manifests_as_fc502() -> None:
    flow = load_flow(EXAMPLES / "grid_evaluation.py")
    result = compile_argo(flow)
    assert ArgoTarget().validate(flow, result) == []
    broken = type(result)(
        files=tuple(
            type(f)(
                f.path, f.content.replace("withSequence:", "withSequense:").replace("template: step", "template: x")
            )
            for f in result.files
        )
    )
    found = ArgoTarget().validate(flow, broken)
    assert {d.code for d in found} == {"FC502"}
    messages = " ".join(d.message for d in found)
    assert "withSequense" in messages and "'x' does not exist" in messages
