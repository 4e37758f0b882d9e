"""`flowc deploy --target step-functions`: upload the code package, create or update the state machine
and its schedule, by name, so deploying twice changes nothing the second time.

`plan` compares the compiled files with what is deployed and lists the actions; `apply` carries them
out; `deploy` (what `flowc deploy` calls) prints the plan, with a diff of the definition, and applies
it unless `dry_run`. A dry run without AWS credentials or a region, or without a network, plans
offline: every action AWS would decide is shown as "create or update", and ARNs that only AWS knows
are placeholders.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow
from flowc.target_api import TargetResult

from .aws import TAG_DEPLOYMENT, TAG_FLOW, Aws, Compiled, check_owner, error_code, find_state_machine

ROLE_HINT = "--role-arn (or FLOWC_ROLE_ARN): the role the state machine runs as (`state_machine` in NAME.iam.json)"


@dataclass
class Plan:
    name: str
    definition: str  # compact JSON, as sent
    role_arn: str
    deployment: str = ""
    flow: str = ""
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
        return self.deployed_definition is None or json.loads(self.deployed_definition) != json.loads(self.definition)

    def diff(self) -> str:
        old = _pretty(self.deployed_definition) if self.deployed_definition else ""
        lines = difflib.unified_diff(
            old.splitlines(keepends=True), _pretty(self.definition).splitlines(keepends=True), "deployed", "compiled"
        )
        return "".join(lines)


def _pretty(text: str) -> str:
    return json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def _schedule_request(schedule: dict[str, Any], role: str) -> dict[str, Any]:
    request = dict(schedule)
    request["Target"] = {
        "Arn": "",  # the state machine's ARN, known once it exists
        "RoleArn": role,
        "Input": json.dumps(request.pop("Input"), sort_keys=True),
    }
    request.pop("Comment", None)
    return request


def plan(result: TargetResult, sfn: Any, s3: Any, scheduler: Any, role_arn: str, schedule_role_arn: str | None) -> Plan:
    """What deploying would change, asking AWS what is there now."""
    c = Compiled.read(result)
    p = Plan(name=c.name, definition=c.definition, role_arn=role_arn, deployment=c.deployment, flow=c.manifest["flow"])
    p.code_bucket, p.code_key = c.manifest["code"]["bucket"], c.manifest["code"]["key"]

    p.state_machine_arn = find_state_machine(sfn, p.name)
    if p.state_machine_arn is None:
        p.actions.append(f"create state machine {p.name}")
    else:
        check_owner(sfn, p.state_machine_arn, p.name, p.deployment)
        p.deployed_definition = sfn.describe_state_machine(stateMachineArn=p.state_machine_arn)["definition"]
        p.actions.append(
            f"update state machine {p.name}" if p.definition_changed else f"state machine {p.name} is up to date"
        )

    if c.manifest.get("datastore") is None:
        p.actions.append("no datastore is bound: deploying needs --datastore s3://bucket/prefix (or FLOWC_DATASTORE)")
    else:
        p.upload_code = _needs_upload(s3, p.code_bucket, p.code_key)
        p.actions.append(
            f"upload code package to s3://{p.code_bucket}/{p.code_key}"
            if p.upload_code
            else f"code package s3://{p.code_bucket}/{p.code_key} is there already"
        )

    existing = _get_schedule(scheduler, p.name)
    if c.schedule is not None:
        if not schedule_role_arn:
            raise CloudError("the flow has @schedule: pass --schedule-role-arn (or FLOWC_SCHEDULE_ROLE_ARN)", USAGE)
        p.schedule = _schedule_request(c.schedule, schedule_role_arn)
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


def _needs_upload(s3: Any, bucket: str, key: str) -> bool:
    """True unless the deployable package (with its runtime) is there already."""
    from flowc.datastore.package import RUNTIME_DIR

    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except Exception as exc:
        if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
            return True
        raise
    # `flowc run` stores packages without flowc's runner; deploy replaces such a one.
    return head.get("Metadata", {}).get("flowc-runtime") != RUNTIME_DIR


def offline_plan(result: TargetResult, options: Mapping[str, Any], why: str) -> list[str]:
    """The plan without asking AWS: what would be created or updated, with placeholders."""
    c = Compiled.read(result)
    region = options.get("region") or "<region>"
    lines = [f"offline plan ({why}): what exists in AWS is not known"]
    if c.manifest.get("datastore") is None:
        lines.append("no datastore is bound: deploying needs --datastore s3://bucket/prefix (or FLOWC_DATASTORE)")
    else:
        code = c.manifest["code"]
        lines.append(f"upload code package to s3://{code['bucket']}/{code['key']} (unless it is there)")
    lines.append(
        f"create or update state machine {c.name} (arn:aws:states:{region}:<account>:stateMachine:{c.name}), "
        f"running as {options.get('role_arn') or '<role: --role-arn>'}"
    )
    if c.schedule is not None:
        role = options.get("schedule_role_arn") or "<--schedule-role-arn>"
        lines.append(f"create or update schedule {c.name}: {c.schedule['ScheduleExpression']}, running as {role}")
    else:
        lines.append(f"delete schedule {c.name} if an earlier deploy left one")
    return lines


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
        from flowc.datastore.package import RUNTIME_DIR, build_code_package

        package = build_code_package(flow, flow.file)
        if not p.code_key.endswith(f"{package.id}.tar.gz"):
            raise CloudError("the flow's source changed since it was compiled; compile and deploy again")
        s3.put_object(
            Bucket=p.code_bucket, Key=p.code_key, Body=package.deployable, Metadata={"flowc-runtime": RUNTIME_DIR}
        )
    if p.state_machine_arn is None:
        tags = [{"key": TAG_FLOW, "value": p.flow}, {"key": TAG_DEPLOYMENT, "value": p.deployment}]
        created = sfn.create_state_machine(name=p.name, definition=p.definition, roleArn=p.role_arn, tags=tags)
        arn = str(created["stateMachineArn"])
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


def deploy(flow: Flow, result: TargetResult, options: Mapping[str, Any], out: IO[str]) -> int:
    dry_run = bool(options.get("dry_run"))
    c = Compiled.read(result)
    if c.manifest.get("datastore") is None and not dry_run:
        raise CloudError(
            "deploying needs a datastore: pass --datastore s3://bucket/prefix, set FLOWC_DATASTORE, or put "
            "datastore = ... in flowc.toml",
            USAGE,
        )
    role_arn = options.get("role_arn")
    if not role_arn and not dry_run:
        raise CloudError(f"deploying needs {ROLE_HINT}", USAGE)
    from flowc.bindings import role_arn_problem

    for flag, value in (("--role-arn", role_arn), ("--schedule-role-arn", options.get("schedule_role_arn"))):
        problem = role_arn_problem(flag, str(value)) if value else None
        if problem:
            raise CloudError(problem, USAGE)
    aws = Aws.from_options(options)
    offline = aws.offline_reason() if dry_run else None
    if not dry_run:
        aws.require()
    if offline is None:
        try:
            p = plan(
                result,
                aws.client("stepfunctions"),
                aws.client("s3"),
                aws.client("scheduler"),
                str(role_arn or "<role>"),
                options.get("schedule_role_arn"),
            )
        except Exception as exc:
            if not dry_run or type(exc).__name__ not in ("EndpointConnectionError", "ConnectTimeoutError"):
                raise
            offline = f"AWS cannot be reached: {exc}"
    if offline is not None:
        for line in offline_plan(result, options, offline):
            out.write(f"  {line}\n")
        out.write("dry run: nothing changed\n")
        return 0
    for action in p.actions:
        out.write(f"  {action}\n")
    if p.definition_changed:
        out.write(p.diff())
    if dry_run:
        out.write("dry run: nothing changed\n")
        return 0
    arn = apply(p, flow, aws.client("stepfunctions"), aws.client("s3"), aws.client("scheduler"))
    out.write(f"deployed {arn}\n")
    return 0
