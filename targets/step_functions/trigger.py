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

from .aws import deployed_machine


def trigger(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    data = typed_parameters(flow, list(options.get("params") or []))
    _, sfn, arn, _ = deployed_machine(flow, options)
    request = {"stateMachineArn": arn, "input": json.dumps(data, sort_keys=True)}
    if options.get("run_name"):
        request["name"] = options["run_name"]
    execution = sfn.start_execution(**request)
    out.write(f"{execution['executionArn']}\n")
    return 0
