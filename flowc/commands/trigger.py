"""`flowc trigger`: start a run of a deployed flow on its orchestrator; print the run's id or ARN."""

from __future__ import annotations

import argparse

HELP = "start a run of a deployed flow (--param name=value ...)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from flowc.commands._lifecycle import add_flow_arguments

    add_flow_arguments(p)
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter value")
    p.add_argument("--run-name", default=None, help="the run's name (its run id), where the orchestrator takes one")
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="check the parameters and print the request that would start the run, offline; start nothing",
    )


def run(args: argparse.Namespace) -> int:
    from flowc.commands._lifecycle import run_lifecycle

    return run_lifecycle(args, "trigger", params=list(args.param), run_name=args.run_name, dry_run=args.dry_run)
