"""`flowc trigger --target step-functions`: start an execution of a deployed flow; print its ARN.

Parameters (`--param name=value`) are typed from the flow (the runner's own parser) and sent as the
execution input, a JSON object; the state machine fills in the defaults of the others. The execution
name (`--run-name`) becomes the run id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import IO, Any

from flowc.ir import Flow
from flowc.lifecycle import typed_parameters

from .aws import deployed_machine, machine_of


def trigger(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    data = typed_parameters(flow, list(options.get("params") or []))
    if options.get("dry_run"):
        # Offline: AWS is not asked whether the state machine exists; its ARN is known only there.
        name, _ = machine_of(flow, options)
        region = options.get("region") or "<region>"
        arn = f"arn:aws:states:{region}:<account>:stateMachine:{name}"
    else:
        _, sfn, arn, _ = deployed_machine(flow, options)
    request = {"stateMachineArn": arn, "input": json.dumps(data, sort_keys=True)}
    if options.get("run_name"):
        request["name"] = options["run_name"]
    if options.get("dry_run"):
        out.write(f"would start an execution (StartExecution): {json.dumps(request, sort_keys=True)}\n")
        out.write("dry run: nothing started\n")
        return 0
    execution = sfn.start_execution(**request)
    out.write(f"{execution['executionArn']}\n")
    return 0
