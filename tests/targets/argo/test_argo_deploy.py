"""`flowc deploy|trigger|status|delete --target argo` through the official Kubernetes Python client,
against a stand-in for the API server (tests/targets/argo/fake_kube.py). No cluster and no Argo
controller run here: workflows are created but never executed, and tests set their status by hand."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flowc.targets.argo import ArgoTarget

from flowc.cli import main
from flowc.datastore import layout
from flowc.datastore.package import build_code_package
from flowc.runner.command import decode_value
from tests.targets.argo.conftest import compile_argo, load_flow, yaml_docs
from tests.targets.argo.fake_kube import FakeKube, serve

EXAMPLES = Path(__file__).parents[3] / "examples"
SHAPES = Path(__file__).parents[2] / "shapes"
DAILY = EXAMPLES / "daily_etl.py"  # @project("sales"), @schedule
TEMPLATE = "sales-user-ci-daily-sales-etl"


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    fake = FakeKube()
    server = serve(fake)
    monkeypatch.setenv("KUBECONFIG", str(fake.kubeconfig(tmp_path)))
    try:
        yield fake
    finally:
        server.shutdown()


@pytest.fixture
def no_cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig"))
    monkeypatch.setenv("HOME", str(tmp_path))


def flowc(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def deploy(capsys: pytest.CaptureFixture[str], ds: Path, *extra: str, flow: Path = DAILY) -> tuple[int, str, str]:
    return flowc(capsys, "deploy", str(flow), "-t", "argo", "--datastore", str(ds), *extra)


def test_compiling_needs_only_the_flow_and_the_datastore_becomes_a_submission_parameter(capsys) -> None:
    code, out, err = flowc(capsys, "compile", str(DAILY), "-t", "argo", "--stdout")
    assert code == 0, err
    template = yaml_docs(out.split("# --- ")[1].split("\n", 1)[1])[0]
    params = {p["name"]: p for p in template["spec"]["arguments"]["parameters"]}
    assert "value" not in params["flowc-datastore"]  # Argo asks for it at submission
    container = next(t for t in template["spec"]["templates"] if "container" in t)["container"]
    assert container["image"] == "python:3.12-slim"
    assert container["command"][:2] == ["python3", "-c"]
    assert "{{workflow.parameters.flowc-datastore}}" in container["command"]


def test_dry_run_without_a_cluster_prints_an_offline_plan(capsys, no_cluster, tmp_path: Path) -> None:
    code, out, err = flowc(capsys, "deploy", str(DAILY), "-t", "argo", "--dry-run")
    assert code == 0, err
    assert "# offline plan (no Kubernetes configuration" in out
    assert "\n# no datastore is bound: deploying needs --datastore" in out
    assert f"# would create or replace WorkflowTemplate {TEMPLATE}" in out
    assert [d["kind"] for d in yaml_docs(out.split("dry run:")[0].split("\n", 3)[-1])] == [
        "WorkflowTemplate",
        "CronWorkflow",
    ]


def test_deploy_uploads_the_runtime_package_creates_then_keeps_or_replaces(capsys, kube, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    code, out, err = deploy(capsys, ds)
    assert code == 0, err
    assert out.splitlines()[1:] == [
        f"created WorkflowTemplate {TEMPLATE} in namespace default",
        f"created CronWorkflow {TEMPLATE} in namespace default",
    ]
    flow = load_flow(DAILY)
    package = build_code_package(flow, flow.file)
    stored = (ds / layout.code_key(flow.name, package.id)).read_bytes()
    with tarfile.open(fileobj=io.BytesIO(stored)) as tar:
        assert "runtime/flowc/cli.py" in tar.getnames()
    live = kube.get("workflowtemplates", "default", TEMPLATE)
    assert live is not None
    param = next(p for p in live["spec"]["arguments"]["parameters"] if p["name"] == "flowc-datastore")
    assert param["value"] == str(ds)

    code, out, _ = deploy(capsys, ds)
    assert code == 0 and "is up to date" in out and "is there already" in out
    version = live["metadata"]["resourceVersion"]

    code, out, _ = deploy(capsys, ds, "--image", "ghcr.io/acme/flows:1.2")
    assert code == 0 and f"replaced WorkflowTemplate {TEMPLATE}" in out
    replaced = kube.get("workflowtemplates", "default", TEMPLATE)
    assert replaced is not None and replaced["metadata"]["resourceVersion"] != version
    assert replaced["metadata"]["uid"] == live["metadata"]["uid"]


def test_dry_run_against_the_cluster_shows_the_difference_and_changes_nothing(capsys, kube, tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    assert deploy(capsys, ds)[0] == 0
    before = dict(kube.objects)
    code, out, _ = deploy(capsys, ds, "--namespace", "default", "--service-account", "runner", "--dry-run")
    assert code == 0
    assert f"would replace WorkflowTemplate {TEMPLATE} in namespace default:" in out
    assert "+  serviceAccountName: runner" in out
    assert out.rstrip().endswith("dry run: nothing changed")
    assert kube.objects == before


def test_deploying_a_flow_without_schedule_any_more_deletes_its_cron_workflow(capsys, kube, tmp_path: Path) -> None:
    src = tmp_path / "flow.py"
    text = DAILY.read_text()
    src.write_text(text)
    assert deploy(capsys, tmp_path / "ds", flow=src)[0] == 0
    assert kube.names("cronworkflows") == [TEMPLATE]
    src.write_text("\n".join(line for line in text.splitlines() if not line.startswith("@schedule")) + "\n")
    code, out, err = deploy(capsys, tmp_path / "ds", flow=src)
    assert code == 0, err
    assert f"deleted CronWorkflow {TEMPLATE} (the flow has no @schedule any more)" in out
    assert kube.names("cronworkflows") == []


def test_an_object_of_another_deployment_is_never_replaced(capsys, kube, tmp_path: Path) -> None:
    assert deploy(capsys, tmp_path / "ds")[0] == 0
    live = kube.get("workflowtemplates", "default", TEMPLATE)
    assert live is not None
    live["metadata"]["annotations"]["flowc.dev/deployment"] = "other.user.ci.Flow"
    code, _, err = deploy(capsys, tmp_path / "ds")
    assert code == 2
    assert err.strip() == (
        f"flowc deploy: WorkflowTemplate {TEMPLATE} belongs to other.user.ci.Flow, not "
        "sales.user.ci.DailySalesETL; give this one another --name"
    )


@pytest.mark.parametrize(
    ("setup", "message", "exit_code"),
    [
        (lambda k: k.served.clear(), "does not serve workflowtemplates.argoproj.io/v1alpha1: install Argo", 1),
        (lambda k: k.forbid.add(("create", "workflowtemplates")), "permission denied by Kubernetes", 1),
        (lambda k: k.namespaces.discard("default"), "there is no namespace 'default'", 1),
    ],
    ids=["no-crd", "forbidden", "no-namespace"],
)
def test_cluster_errors_are_one_line(capsys, kube, tmp_path: Path, setup, message: str, exit_code: int) -> None:
    setup(kube)
    code, _, err = deploy(capsys, tmp_path / "ds")
    assert code == exit_code
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_bad_credentials_and_an_unreachable_api_server_are_one_line(capsys, kube, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kube.kubeconfig(tmp_path, token="wrong")))
    code, _, err = deploy(capsys, tmp_path / "ds")
    assert code == 2 and err.startswith("flowc deploy: the Kubernetes API server refused the credentials")
    closed = FakeKube(url="http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("KUBECONFIG", str(closed.kubeconfig(tmp_path)))
    code, _, err = deploy(capsys, tmp_path / "ds")
    assert code == 1 and err.startswith("flowc deploy: cannot reach the Kubernetes API server")
    assert len(err.strip().splitlines()) == 1
    # A dry run plans offline instead.
    code, out, _ = deploy(capsys, tmp_path / "ds", "--dry-run")
    assert code == 0 and "# offline plan (cannot reach the Kubernetes API server" in out


def test_deploy_needs_a_datastore_and_says_how_to_give_one(capsys, kube) -> None:
    code, _, err = flowc(capsys, "deploy", str(DAILY), "-t", "argo")
    assert code == 2
    assert err.startswith("flowc deploy: deploying needs a datastore: pass --datastore")
    assert kube.objects == {}


def test_deploy_refuses_when_the_source_changed_since_compiling(kube, tmp_path: Path) -> None:
    from flowc.targets.argo import deploy as argo_deploy

    from flowc.cloud import CloudError

    src = tmp_path / "flow.py"
    src.write_text((SHAPES / "linear.py").read_text())
    flow = load_flow(src)
    result = compile_argo(flow, datastore=str(tmp_path / "ds"))
    src.write_text(src.read_text() + "\n# edited\n")
    with pytest.raises(CloudError, match="compile again"):
        argo_deploy.deploy(flow, result, {"dry_run": False}, io.StringIO())
    assert kube.objects == {}


def test_trigger_submits_a_workflow_from_the_template_with_typed_parameters(capsys, kube, tmp_path: Path) -> None:
    flow = SHAPES / "parameters.py"
    assert deploy(capsys, tmp_path / "ds", flow=flow)[0] == 0
    code, out, err = flowc(capsys, "trigger", str(flow), "-t", "argo", "--param", "count=5", "--param", "who=argo")
    assert code == 0, err
    name = out.strip()
    wf = kube.get("workflows", "default", name)
    assert wf is not None and name.startswith("parameters-flow-")
    assert wf["spec"]["workflowTemplateRef"] == {"name": "parameters-flow"}
    assert wf["metadata"]["labels"]["workflows.argoproj.io/workflow-template"] == "parameters-flow"
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "count", "value": "5"}, {"name": "who", "value": "argo"}]

    code, out, _ = flowc(capsys, "trigger", str(flow), "-t", "argo", "--run-name", "nightly-1")
    assert code == 0 and out.strip() == "nightly-1"
    # Text Argo or Kubernetes would rewrite travels percent-encoded; the runner decodes it.
    hostile = "{{workflow.name}} $(HOME) $$x 50%"
    code, out, err = flowc(capsys, "trigger", str(flow), "-t", "argo", "--param", f"who={hostile}")
    assert code == 0, err
    sent = {
        p["name"]: p["value"] for p in kube.get("workflows", "default", out.strip())["spec"]["arguments"]["parameters"]
    }
    assert not any(s in sent["who"] for s in ("{", "$"))
    assert decode_value(sent["who"]) == hostile
    code, _, err = flowc(capsys, "trigger", str(flow), "-t", "argo", "--param", "count=x")
    assert code == 2 and "parameter 'count'" in err


def test_trigger_of_a_flow_never_deployed_says_so(capsys, kube) -> None:
    code, _, err = flowc(capsys, "trigger", str(SHAPES / "linear.py"), "-t", "argo")
    assert code == 1 and "no WorkflowTemplate linear-flow in namespace default: deploy the flow first" in err


def test_status_reads_the_phase_and_the_failed_steps(capsys, kube, tmp_path: Path) -> None:
    flow = SHAPES / "foreach.py"
    assert deploy(capsys, tmp_path / "ds", flow=flow)[0] == 0
    code, out, _ = flowc(capsys, "status", str(flow), "-t", "argo")
    assert code == 0 and "no runs" in out
    assert flowc(capsys, "trigger", str(flow), "-t", "argo", "--run-name", "run-1")[0] == 0
    kube.set_status(
        "default",
        "run-1",
        {
            "phase": "Failed",
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:01:00Z",
            "message": "child 'run-1-2' failed",
            "nodes": {
                "a": {"type": "Pod", "phase": "Succeeded", "startedAt": "2026-01-01T00:00:01Z",
                      "inputs": {"parameters": [{"name": "step", "value": "start"}]}},
                "b": {"type": "Pod", "phase": "Failed", "startedAt": "2026-01-01T00:00:02Z",
                      "inputs": {"parameters": [{"name": "step", "value": "body"}, {"name": "index", "value": "2"}]}},
            },
        },
    )  # fmt: skip
    code, out, _ = flowc(capsys, "status", str(flow), "-t", "argo")
    assert code == 0
    assert out.splitlines()[0] == "run run-1: Failed"
    assert "  failed steps: body[2]" in out and "message: child 'run-1-2' failed" in out
    code, out, _ = flowc(capsys, "status", str(flow), "-t", "argo", "--run", "run-1")
    assert out.splitlines()[0] == "run run-1: Failed"


def test_delete_removes_the_template_and_its_cron_workflow(capsys, kube, tmp_path: Path) -> None:
    assert deploy(capsys, tmp_path / "ds")[0] == 0
    code, out, _ = flowc(capsys, "delete", str(DAILY), "-t", "argo", "--dry-run")
    assert code == 0 and f"would delete CronWorkflow {TEMPLATE}" in out and kube.names("workflowtemplates")
    code, out, _ = flowc(capsys, "delete", str(DAILY), "-t", "argo")
    assert code == 0
    assert out.splitlines() == [
        f"deleted CronWorkflow {TEMPLATE} in namespace default",
        f"deleted WorkflowTemplate {TEMPLATE} in namespace default",
    ]
    assert kube.objects == {}
    code, out, _ = flowc(capsys, "delete", str(DAILY), "-t", "argo")
    assert code == 0 and out.startswith("nothing to delete")


def test_branches_deploy_side_by_side(capsys, kube, tmp_path: Path) -> None:
    assert deploy(capsys, tmp_path / "ds", "--branch", "staging")[0] == 0
    assert deploy(capsys, tmp_path / "ds", "--production")[0] == 0
    assert kube.names("workflowtemplates") == ["sales-prod-daily-sales-etl", "sales-test-staging-daily-sales-etl"]
    live = kube.get("workflowtemplates", "default", "sales-prod-daily-sales-etl")
    assert live is not None and live["metadata"]["annotations"]["flowc.dev/branch"] == "prod"


def test_check_command_runs_the_argo_validation(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["check", str(EXAMPLES / "grid_evaluation.py"), "--target", "argo"])
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
