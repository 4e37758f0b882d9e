"""`flowc trigger --target step-functions`: start an execution of a deployed flow; print its ARN.

Parameters given with `--param name=value` are typed from the flow (the runner's own parser) and
sent as the execution input, a JSON object; the state machine fills in the defaults of the others.
"""

from __future__ import annotations

import argparse
import json
from typing import IO

from flowc.ir import Flow

from . import names
from .aws import add_connection_arguments, client, find_state_machine


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_connection_arguments(p)
    p.add_argument("--name", default=None, help="the state machine's name, if deployed with --name")
    p.add_argument("--run-name", default=None, help="the execution's name, which becomes the run id")


def execution_input(flow: Flow, assignments: list[str]) -> dict[str, object]:
    """The typed parameters given on the command line. Raises ParamError for a wrong one."""
    from flowc.runner.params import ParamError, parse_text, split_assignments

    given: dict[str, object] = {}
    problems = []
    for name, text in split_assignments(assignments):
        try:
            given[name] = parse_text(flow.parameter(name), text)
        except KeyError:
            valid = ", ".join(p.name for p in flow.parameters) or "none"
            problems.append(f"unknown parameter {name!r}; valid parameters: {valid}")
        except ValueError as exc:
            problems.append(f"parameter {name!r}: {exc}")
    if problems:
        raise ParamError(problems)
    return given


def trigger(flow: Flow, args: argparse.Namespace, out: IO[str]) -> int:
    from flowc.runner.params import ParamError

    try:
        data = execution_input(flow, list(getattr(args, "param", []) or []))
    except ParamError as exc:
        for problem in exc.problems:
            out.write(f"flowc trigger: {problem}\n")
        return 2
    sfn = client(args, "stepfunctions")
    name = names.machine_name(getattr(args, "name", None) or flow.name)
    arn = find_state_machine(sfn, name)
    if arn is None:
        out.write(f"flowc trigger: no state machine named {name}; deploy the flow first\n")
        return 1
    request = {"stateMachineArn": arn, "input": json.dumps(data, sort_keys=True)}
    if getattr(args, "run_name", None):
        request["name"] = args.run_name
    execution = sfn.start_execution(**request)
    out.write(f"{execution['executionArn']}\n")
    return 0
