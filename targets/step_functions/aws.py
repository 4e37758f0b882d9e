"""boto3 clients and lookups shared by deploy and trigger (never imported by the compiler)."""

from __future__ import annotations

import argparse
import os
from typing import Any


def add_connection_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--region", default=None, help="AWS region (default: boto3's configuration)")
    p.add_argument(
        "--endpoint-url",
        default=os.environ.get("FLOWC_AWS_ENDPOINT_URL"),
        help="send every AWS call here, e.g. a local emulator (env FLOWC_AWS_ENDPOINT_URL)",
    )


def client(args: argparse.Namespace, service: str) -> Any:
    import boto3

    session = boto3.session.Session(region_name=getattr(args, "region", None))
    endpoint = getattr(args, "endpoint_url", None)
    return session.client(service, **({"endpoint_url": endpoint} if endpoint else {}))


def find_state_machine(sfn: Any, name: str) -> str | None:
    """The ARN of the state machine called `name`, or None."""
    for page in sfn.get_paginator("list_state_machines").paginate():
        for sm in page["stateMachines"]:
            if sm["name"] == name:
                return str(sm["stateMachineArn"])
    return None


def error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
