"""`flowc delete --target step-functions`: delete the state machine and its schedule.

Only what this flow's deployment created: a state machine tagged for another flow or deployment is
refused. Runs' data stays in the datastore, and running executions are stopped by AWS as the state
machine is deleted. `dry_run` lists what would go (offline without credentials or a region).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.ir import Flow

from .aws import Aws, check_owner, error_code, find_state_machine, machine_of


def delete(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    name, deployment = machine_of(flow, options)
    dry_run = bool(options.get("dry_run"))
    aws = Aws.from_options(options)
    offline = aws.offline_reason()
    if offline is not None and dry_run:
        out.write(f"  offline plan ({offline}): what exists in AWS is not known\n")
        out.write(f"  delete state machine {name} and schedule {name}, if they exist\n")
        out.write("dry run: nothing changed\n")
        return 0
    aws.require()
    sfn, scheduler = aws.client("stepfunctions"), aws.client("scheduler")
    arn = find_state_machine(sfn, name)
    if arn is not None:
        check_owner(sfn, arn, name, deployment)
    try:
        scheduler.get_schedule(Name=name)
        schedule = True
    except Exception as exc:
        if error_code(exc) != "ResourceNotFoundException":
            raise
        schedule = False
    if arn is None and not schedule:
        out.write(f"nothing to delete: no state machine or schedule named {name} in {aws.region_name}\n")
        return 0
    verb = "would delete" if dry_run else "deleted"
    if schedule:
        if not dry_run:
            scheduler.delete_schedule(Name=name)
        out.write(f"  {verb} schedule {name}\n")
    if arn is not None:
        if not dry_run:
            sfn.delete_state_machine(stateMachineArn=arn)
        out.write(f"  {verb} state machine {arn}\n")
    if dry_run:
        out.write("dry run: nothing changed\n")
    return 0
