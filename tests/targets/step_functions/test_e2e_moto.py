"""End to end on moto's server: deploy worker-mode state machines, run them with `flowc worker` and
the real runner, the datastore in moto's S3; assert the final artifacts. Also deploy and trigger."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flowc.targets.step_functions import deploy

from flowc.cli import main
from flowc.compiler import CompileResult
from flowc.datastore.s3 import S3Storage
from flowc.datastore.store import FlowDatastore

from .helpers import EXAMPLES, SHAPES, compile_sf
from .moto_env import Aws, moto_server, wait_for_execution

ROLE = "arn:aws:iam::123456789012:role/flowc-sfn"
BUCKET = "flowc-e2e"
DATASTORE = f"s3://{BUCKET}/ds"


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    with moto_server() as server:
        server.client("s3").create_bucket(Bucket=BUCKET)
        yield server


@pytest.fixture(scope="module")
def queue(aws: Aws) -> Iterator[str]:
    """An SQS queue with `flowc worker` (a real subprocess, 4 tasks at a time) polling it."""
    url = str(aws.client("sqs").create_queue(QueueName="flowc-tasks")["QueueUrl"])
    env = {**os.environ, **aws.env}
    worker = subprocess.Popen(
        [sys.executable, "-m", "flowc", "worker", "--queue", url, "--concurrency", "4", "--heartbeat-seconds", "5"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield url
    finally:
        worker.send_signal(signal.SIGINT)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _deploy(aws: Aws, result: CompileResult, **kw: Any) -> tuple[deploy.Plan, str]:
    sfn, s3, scheduler = aws.client("stepfunctions"), aws.client("s3"), aws.client("scheduler")
    assert result.output is not None and result.analysis.flow is not None
    plan = deploy.plan(result.output, sfn, s3, scheduler, ROLE, kw.get("schedule_role"))
    return plan, deploy.apply(plan, result.analysis.flow, sfn, s3, scheduler)


def _machines(aws: Aws) -> list[dict[str, Any]]:
    """Every state machine on the server, all pages: the session's server holds more than one page
    (ListStateMachines gives 100 at most) once the creation tests have run."""
    pages = aws.client("stepfunctions").get_paginator("list_state_machines").paginate()
    return [m for page in pages for m in page["stateMachines"]]


def _expected(path: Path) -> dict[str, Any]:
    return dict(json.loads((path.parent / "expected.json").read_text())[path.name])


# Every shape, example and switch case runs in this mode in the conformance suite (executor
# `sfn-worker`, tests/conformance), compared task by task with the reference. Here: one flow that
# succeeds and one that fails, for what the suite does not look at (the execution's status and its
# cause text).
FLOWS = [SHAPES / "linear.py", SHAPES / "failing.py"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_worker_mode_state_machine_runs_the_flow(aws: Aws, queue: str, path: Path) -> None:
    _run_and_check(aws, queue, path, {}, _expected(path), f"e2e-{path.stem}")


def _run_and_check(
    aws: Aws, queue: str, path: Path, params: dict[str, Any], expected: dict[str, Any], run_id: str
) -> None:
    result = compile_sf(path, datastore=DATASTORE, mode="worker", queue_url=queue)
    assert result.ok, [d.message for d in result.diagnostics]
    flow = result.analysis.flow
    assert flow is not None
    _, arn = _deploy(aws, result, schedule_role="arn:aws:iam::123456789012:role/scheduler")
    sfn = aws.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=run_id, input=json.dumps(params))
    done = wait_for_execution(sfn, execution["executionArn"], timeout=180)
    if not expected["ok"]:
        assert done["status"] == "FAILED"
        assert done["cause"].startswith(f"step {expected['failed_step']} failed: ")
        return
    assert done["status"] == "SUCCEEDED", done.get("cause")
    store = FlowDatastore(S3Storage(DATASTORE, client=aws.client("s3")), flow.name)
    artifacts = store.task_artifacts(run_id, "end")
    for name, value in expected["end"].items():
        # expected.json holds JSON: tuples come back as lists there.
        assert json.loads(json.dumps(artifacts[name])) == value, name


def test_deploying_again_changes_nothing(aws: Aws) -> None:
    result = compile_sf(SHAPES / "linear.py", datastore=DATASTORE, name="Idempotent")
    first, arn = _deploy(aws, result)
    assert first.actions[0] == "create state machine Idempotent"
    again, arn2 = _deploy(aws, result)
    assert arn2 == arn
    assert not again.definition_changed and not again.upload_code
    assert again.actions[0] == "state machine Idempotent is up to date"
    assert [m["name"] for m in _machines(aws)].count("Idempotent") == 1


def test_dry_run_prints_the_diff_and_changes_nothing(aws: Aws) -> None:
    _deploy(aws, compile_sf(SHAPES / "foreach.py", datastore=DATASTORE))
    changed = compile_sf(SHAPES / "foreach.py", datastore=DATASTORE, max_concurrency=7)
    assert changed.output is not None and changed.analysis.flow is not None
    out = io.StringIO()
    options = {"role_arn": ROLE, "dry_run": True, "region": "us-east-1", "aws_endpoint_url": aws.url}
    assert deploy.deploy(changed.analysis.flow, changed.output, options, out) == 0
    text = out.getvalue()
    assert "update state machine ForeachFlow" in text
    assert '+      "MaxConcurrency": 7' in text and "dry run: nothing changed" in text
    sfn = aws.client("stepfunctions")
    arn = next(m["stateMachineArn"] for m in _machines(aws) if m["name"] == "ForeachFlow")
    assert '"MaxConcurrency":7' not in sfn.describe_state_machine(stateMachineArn=arn)["definition"]


def test_scheduled_flow_gets_an_eventbridge_schedule_with_its_timezone(aws: Aws) -> None:
    result = compile_sf(EXAMPLES / "daily_etl.py", datastore=DATASTORE)
    _, arn = _deploy(aws, result, schedule_role="arn:aws:iam::123456789012:role/scheduler")
    schedule = aws.client("scheduler").get_schedule(Name="sales.user.ci.DailySalesETL")
    assert schedule["ScheduleExpression"] == "cron(30 6 * * ? *)"
    assert schedule["ScheduleExpressionTimezone"] == "Europe/Paris"
    assert schedule["Target"]["Arn"] == arn


def test_trigger_starts_an_execution_with_typed_parameters_and_prints_its_arn(
    aws: Aws, capsys: pytest.CaptureFixture[str]
) -> None:
    _deploy(aws, compile_sf(SHAPES / "parameters.py", datastore=DATASTORE))
    argv = ["trigger", str(SHAPES / "parameters.py"), "-t", "step-functions", "--aws-endpoint-url", aws.url]
    status = main([*argv, "--run-name", "triggered", "--param", "count=5", "--param", "who=moto"])
    arn = capsys.readouterr().out.strip()
    assert status == 0 and arn.startswith("arn:aws:states:") and arn.endswith(":triggered")
    execution = aws.client("stepfunctions").describe_execution(executionArn=arn)
    assert json.loads(execution["input"]) == {"count": 5, "who": "moto"}
    assert main([*argv, "--param", "nope=1"]) == 2


def _cli(aws: Aws, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main([argv[0], argv[1], "-t", "step-functions", "--aws-endpoint-url", aws.url, *argv[2:]])
    out, err = capsys.readouterr()
    return code, out, err


def test_status_names_the_state_and_the_failed_step(aws: Aws, queue: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = SHAPES / "failing.py"
    options = ("--datastore", DATASTORE, "--mode", "worker", "--queue-url", queue, "--name", "StatusFlow")
    code, _, err = _cli(aws, capsys, "deploy", str(path), *options, "--role-arn", ROLE)
    assert code == 0, err
    code, out, _ = _cli(aws, capsys, "status", str(path), *options)
    assert code == 0 and out == "state machine StatusFlow: no runs yet (flowc trigger starts one)\n"
    code, out, _ = _cli(aws, capsys, "trigger", str(path), *options, "--run-name", "doomed")
    arn = out.strip()
    wait_for_execution(aws.client("stepfunctions"), arn, timeout=120)
    code, out, _ = _cli(aws, capsys, "status", str(path), *options)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "run doomed: FAILED"
    assert "  failed steps: boom" in lines
    assert any(line.startswith("  cause: step boom failed: ") for line in lines)
    assert _cli(aws, capsys, "status", str(path), *options, "--run", "doomed")[1].splitlines()[0] == lines[0]


def test_delete_removes_the_state_machine_and_its_schedule(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / "daily_etl.py"
    options = ("--datastore", DATASTORE, "--branch", "gone")
    deploy_args = ("--role-arn", ROLE, "--schedule-role-arn", "arn:aws:iam::123456789012:role/scheduler")
    assert _cli(aws, capsys, "deploy", str(path), *options, *deploy_args)[0] == 0
    name = "sales.test.gone.DailySalesETL"
    code, out, _ = _cli(aws, capsys, "delete", str(path), *options, "--dry-run")
    assert code == 0 and f"would delete schedule {name}" in out and "would delete state machine" in out
    code, out, _ = _cli(aws, capsys, "delete", str(path), *options)
    assert code == 0 and f"deleted schedule {name}" in out
    assert name not in [m["name"] for m in _machines(aws)]
    code, out, _ = _cli(aws, capsys, "delete", str(path), *options)
    assert code == 0 and out.startswith("nothing to delete")


def test_a_state_machine_of_another_deployment_is_never_replaced(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    options = ("--datastore", DATASTORE, "--name", "Shared", "--role-arn", ROLE)
    assert _cli(aws, capsys, "deploy", str(SHAPES / "linear.py"), *options)[0] == 0
    code, _, err = _cli(aws, capsys, "deploy", str(SHAPES / "branch.py"), *options)
    assert code == 2
    assert (
        err.strip()
        == "flowc deploy: state machine Shared belongs to LinearFlow, not BranchFlow; give this one another --name"
    )
    assert _cli(aws, capsys, "delete", str(SHAPES / "branch.py"), "--name", "Shared")[0] == 2


def test_cloud_errors_are_one_line(aws: Aws, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    path = str(SHAPES / "linear.py")
    code, _, err = _cli(aws, capsys, "deploy", path, "--datastore", "s3://no-such-bucket/x", "--role-arn", ROLE)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "no S3 bucket" in err and "Traceback" not in err
    code, _, err = _cli(aws, capsys, "deploy", path, "--datastore", DATASTORE)
    assert code == 2 and err.startswith("flowc deploy: deploying needs --role-arn")
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    code, _, err = _cli(aws, capsys, "trigger", path)
    assert code == 2 and err.strip() == (
        "flowc trigger: no AWS region: pass --region, or set AWS_DEFAULT_REGION (or a region in ~/.aws/config)"
    )


def test_a_dry_run_without_credentials_or_region_plans_offline(capsys, monkeypatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    code = main(
        ["deploy", str(EXAMPLES / "daily_etl.py"), "-t", "step-functions", "--datastore", DATASTORE, "--dry-run"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "offline plan (no AWS region" in out
    assert "create or update state machine sales.user.ci.DailySalesETL (arn:aws:states:<region>:<account>:" in out
    assert "create or update schedule sales.user.ci.DailySalesETL: cron(30 6 * * ? *)" in out
    assert out.endswith("dry run: nothing changed\n")


def test_a_role_that_is_not_an_arn_is_a_usage_error(aws: Aws, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(
        aws, capsys, "deploy", str(SHAPES / "linear.py"), "--datastore", DATASTORE, "--role-arn", "flowc"
    )
    assert code == 2 and err.strip() == (
        "flowc deploy: --role-arn 'flowc' is not an IAM role ARN (arn:aws:iam::123456789012:role/name)"
    )


CONFIG_FLOW = """\
import os

from metaflow import Config, FlowSpec, environment, step


class SfnConfigFlow(FlowSpec):
    cfg = Config("cfg", default_value={"n": 1, "env": {"A": "default"}})

    @environment(vars={"FROM_CONFIG": cfg.env.A})
    @step
    def start(self):
        self.seen = [self.cfg.n, self.cfg["env"]["A"], os.environ.get("FROM_CONFIG")]
        self.next(self.end)

    @step
    def end(self):
        self.again = self.cfg.to_dict()
"""


def test_config_values_reach_deployed_tasks_unchanged(aws: Aws, queue: str, tmp_path: Path) -> None:
    """Values given at compile time (template syntax and all) travel in the code package: the tasks
    the state machine runs read them as compiled, never through States.Format or the input."""
    from flowc.compiler import compile_flow
    from flowc.user_configs import ConfigInputs

    path = tmp_path / "sfn_config_flow.py"
    path.write_text(CONFIG_FLOW)
    tricky = "{{ x }} $.input States.Format('{}') ${HOME}"
    given = ConfigInputs.of(None, [["cfg", json.dumps({"n": 5, "env": {"A": tricky}})]])
    options = {"datastore": DATASTORE, "mode": "worker", "queue_url": queue}
    result = compile_flow(path, "step-functions", options, configs=given)
    assert result.ok, [d.message for d in result.diagnostics]
    assert result.analysis.flow is not None
    _, arn = _deploy(aws, result)
    sfn = aws.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name="e2e-config", input="{}")
    done = wait_for_execution(sfn, execution["executionArn"], timeout=180)
    assert done["status"] == "SUCCEEDED", done.get("cause")
    store = FlowDatastore(S3Storage(DATASTORE, client=aws.client("s3")), "SfnConfigFlow")
    assert store.task_artifacts("e2e-config", "start")["seen"] == [5, tricky, tricky]
    assert store.task_artifacts("e2e-config", "end")["again"] == {"n": 5, "env": {"A": tricky}}


HOSTILE = "{{workflow.name}} {{ run_id }} $(HOME) $$ $.x States.Format('{}', $.a) .$ %7B 'q' \"d\" \\ `id`"


def test_hostile_text_reaches_the_task_as_written(aws: Aws, queue: str, tmp_path: Path) -> None:
    """docs/security.md on Step Functions: a parameter default, a value given at the start of the
    execution and an @environment value, each full of every engine's syntax, arrive as written."""
    flow = tmp_path / "hostile_sfn_flow.py"
    flow.write_text(
        "import os\n"
        "from flowc import FlowSpec, Parameter, environment, step\n\n\n"
        "class HostileSfnFlow(FlowSpec):\n"
        f"    note = Parameter('note', default={HOSTILE!r})\n"
        "    given = Parameter('given', default='x')\n\n"
        f"    @environment(vars={{'GREETING': {HOSTILE!r}}})\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.seen = [self.note, self.given, os.environ['GREETING']]\n"
        "        self.next(self.end)\n\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    _run_and_check(
        aws,
        queue,
        flow,
        {"given": HOSTILE[::-1]},
        {"ok": True, "end": {"seen": [HOSTILE, HOSTILE[::-1], HOSTILE]}},
        "e2e-hostile",
    )
