"""`flowc status --target step-functions`: the state of a run (an execution) and the steps that failed.

The run is `--run NAME` (the execution's name, which is the run id), else the latest execution. A
failed step is read from the execution's history: every task that fails lands, after its retries, in
its `<step>.failed` state (targets/step_functions/lower.py), and the execution's cause names the step.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.ir import Flow

from .aws import deployed_machine

FAILED_SUFFIX = ".failed"


def failed_steps(sfn: Any, execution_arn: str) -> list[str]:
    """The steps whose failure state the execution entered, in the order it entered them."""
    steps: list[str] = []
    for page in sfn.get_paginator("get_execution_history").paginate(executionArn=execution_arn):
        for event in page["events"]:
            details = event.get("stateEnteredEventDetails") or {}
            state = str(details.get("name", ""))
            if event.get("type") == "FailStateEntered" and state.endswith(FAILED_SUFFIX):
                step = state[: -len(FAILED_SUFFIX)]
                if step not in steps:
                    steps.append(step)
    return steps


def status(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    _, sfn, machine, name = deployed_machine(flow, options)
    run = options.get("run_id")
    if run:
        arn = machine.replace(":stateMachine:", ":execution:", 1) + f":{run}"
    else:
        page = sfn.list_executions(stateMachineArn=machine, maxResults=1)
        if not page.get("executions"):
            out.write(f"state machine {name}: no runs yet (flowc trigger starts one)\n")
            return 0
        arn = page["executions"][0]["executionArn"]
    execution = sfn.describe_execution(executionArn=arn)
    out.write(f"run {execution['name']}: {execution['status']}\n")
    out.write(f"  started {execution['startDate']}")
    if execution.get("stopDate"):
        out.write(f", stopped {execution['stopDate']}")
    out.write("\n")
    if execution["status"] != "RUNNING" and execution["status"] != "SUCCEEDED":
        steps = failed_steps(sfn, arn)
        if steps:
            out.write(f"  failed steps: {', '.join(steps)}\n")
        cause = str(execution.get("cause") or execution.get("error") or "").strip()
        if cause:
            first = cause.splitlines()[0]
            out.write(f"  cause: {first[:300]}\n")
    out.write(f"  {arn}\n")
    return 0
