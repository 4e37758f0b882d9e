"""`flowc deploy --target step-functions`: create or update the state machine, its schedule and
the code package, by name, so deploying twice changes nothing the second time.

`plan` compares the compiled files with what is deployed and lists the actions; `apply` carries them
out; `deploy` (what `flowc deploy` calls) prints the plan, with a diff of the definition, and applies
it unless `--dry-run`.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
from dataclasses import dataclass, field
from typing import IO, Any

from flowc.ir import Flow
from flowc.target_api import TargetResult

from .aws import add_connection_arguments, client, error_code, find_state_machine


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_connection_arguments(p)
    p.add_argument(
        "--role-arn",
        default=os.environ.get("FLOWC_SFN_ROLE_ARN"),
        help="IAM role the state machine runs as (env FLOWC_SFN_ROLE_ARN)",
    )
    p.add_argument(
        "--schedule-role-arn",
        default=os.environ.get("FLOWC_SCHEDULER_ROLE_ARN"),
        help="IAM role EventBridge Scheduler starts executions with (env FLOWC_SCHEDULER_ROLE_ARN)",
    )


@dataclass
class Plan:
    name: str
    definition: str  # compact JSON, as sent
    role_arn: str
    state_machine_arn: str | None = None  # set when it exists already
    deployed_definition: str | None = None
    code_bucket: str = ""
    code_key: str = ""
    upload_code: bool = False
    schedule: dict[str, Any] | None = None
    schedule_action: str | None = None  # "create", "update", "delete" or None
    actions: list[str] = field(default_factory=list)

    @property
    def definition_changed(self) -> bool:
        return self.deployed_definition is None or _canonical(self.deployed_definition) != _canonical(self.definition)

    def diff(self) -> str:
        old = _pretty(self.deployed_definition) if self.deployed_definition else ""
        lines = difflib.unified_diff(
            old.splitlines(keepends=True),
            _pretty(self.definition).splitlines(keepends=True),
            "deployed",
            "compiled",
        )
        return "".join(lines)


def _canonical(text: str) -> Any:
    return json.loads(text)


def _pretty(text: str) -> str:
    return json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def _files(result: TargetResult) -> dict[str, str]:
    out = {}
    for f in result.files:
        for suffix in (".asl.json", ".schedule.json", ".deploy.json"):
            if f.path.endswith(suffix):
                out[suffix] = f.content
    return out


def plan(result: TargetResult, sfn: Any, s3: Any, scheduler: Any, role_arn: str, schedule_role_arn: str | None) -> Plan:
    files = _files(result)
    manifest = json.loads(files[".deploy.json"])
    definition = json.dumps(json.loads(files[".asl.json"]), separators=(",", ":"), sort_keys=True)
    p = Plan(name=manifest["state_machine"], definition=definition, role_arn=role_arn)
    p.code_bucket, p.code_key = manifest["code"]["bucket"], manifest["code"]["key"]

    p.state_machine_arn = find_state_machine(sfn, p.name)
    if p.state_machine_arn is None:
        p.actions.append(f"create state machine {p.name}")
    else:
        p.deployed_definition = sfn.describe_state_machine(stateMachineArn=p.state_machine_arn)["definition"]
        p.actions.append(
            f"update state machine {p.name}" if p.definition_changed else f"state machine {p.name} is up to date"
        )

    try:
        s3.head_object(Bucket=p.code_bucket, Key=p.code_key)
        p.actions.append(f"code package s3://{p.code_bucket}/{p.code_key} is there already")
    except Exception as exc:
        if error_code(exc) not in ("404", "NoSuchKey", "NotFound"):
            raise
        p.upload_code = True
        p.actions.append(f"upload code package to s3://{p.code_bucket}/{p.code_key}")

    existing = _get_schedule(scheduler, p.name)
    if ".schedule.json" in files:
        if not schedule_role_arn:
            raise DeployError("the flow has @schedule: pass --schedule-role-arn (or FLOWC_SCHEDULER_ROLE_ARN)")
        p.schedule = json.loads(files[".schedule.json"])
        p.schedule["Target"] = {
            "Arn": "",  # the state machine's ARN, known once it exists
            "RoleArn": schedule_role_arn,
            "Input": json.dumps(p.schedule.pop("Input"), sort_keys=True),
        }
        p.schedule.pop("Comment", None)
        if existing is None:
            p.schedule_action = "create"
        elif _schedule_differs(existing, p.schedule):
            p.schedule_action = "update"
        if p.schedule_action:
            p.actions.append(f"{p.schedule_action} schedule {p.name}: {p.schedule['ScheduleExpression']}")
        else:
            p.actions.append(f"schedule {p.name} is up to date")
    elif existing is not None:
        p.schedule_action = "delete"
        p.actions.append(f"delete schedule {p.name} (the flow has no @schedule any more)")
    return p


class DeployError(Exception):
    pass


def _get_schedule(scheduler: Any, name: str) -> dict[str, Any] | None:
    try:
        return dict(scheduler.get_schedule(Name=name))
    except Exception as exc:
        if error_code(exc) == "ResourceNotFoundException":
            return None
        raise


def _schedule_differs(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for key in ("ScheduleExpression", "ScheduleExpressionTimezone"):
        if existing.get(key) != wanted.get(key):
            return True
    target = existing.get("Target", {})
    return bool(
        target.get("RoleArn") != wanted["Target"]["RoleArn"] or target.get("Input") != wanted["Target"]["Input"]
    )


def apply(p: Plan, flow: Flow, sfn: Any, s3: Any, scheduler: Any) -> str:
    """Carry out the plan; returns the state machine's ARN."""
    if p.upload_code:
        from flowc.datastore.package import build_code_package

        package = build_code_package(flow, flow.file)
        if not p.code_key.endswith(f"{package.id}.tar.gz"):
            raise DeployError("the flow's source changed since it was compiled; compile and deploy again")
        s3.put_object(Bucket=p.code_bucket, Key=p.code_key, Body=package.data)
    if p.state_machine_arn is None:
        arn = str(sfn.create_state_machine(name=p.name, definition=p.definition, roleArn=p.role_arn)["stateMachineArn"])
    else:
        arn = p.state_machine_arn
        if p.definition_changed:
            sfn.update_state_machine(stateMachineArn=arn, definition=p.definition, roleArn=p.role_arn)
    if p.schedule_action == "delete":
        scheduler.delete_schedule(Name=p.name)
    elif p.schedule_action and p.schedule is not None:
        request = dict(p.schedule)
        request["Target"] = {**request["Target"], "Arn": arn}
        if p.schedule_action == "create":
            scheduler.create_schedule(**request)
        else:
            scheduler.update_schedule(**request)
    return arn


def deploy(flow: Flow, result: TargetResult, args: argparse.Namespace, out: IO[str]) -> int:
    role_arn = getattr(args, "role_arn", None)
    if not role_arn:
        out.write("flowc deploy: pass --role-arn (or FLOWC_SFN_ROLE_ARN): the role the state machine runs as\n")
        return 2
    sfn, s3, scheduler = client(args, "stepfunctions"), client(args, "s3"), client(args, "scheduler")
    try:
        p = plan(result, sfn, s3, scheduler, role_arn, getattr(args, "schedule_role_arn", None))
    except DeployError as exc:
        out.write(f"flowc deploy: {exc}\n")
        return 2
    for action in p.actions:
        out.write(f"  {action}\n")
    if p.definition_changed:
        out.write(p.diff())
    if getattr(args, "dry_run", False):
        out.write("dry run: nothing changed\n")
        return 0
    try:
        arn = apply(p, flow, sfn, s3, scheduler)
    except DeployError as exc:
        out.write(f"flowc deploy: {exc}\n")
        return 1
    out.write(f"deployed {arn}\n")
    return 0
