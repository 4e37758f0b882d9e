"""`flowc status`: the state of a deployed flow's run on its orchestrator, and the steps that failed."""

from __future__ import annotations

import argparse

HELP = "show the state of a deployed flow's latest run (or --run ID) and its failed steps"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from flowc.commands._lifecycle import add_flow_arguments

    add_flow_arguments(p)
    p.add_argument("--run", dest="run_id", metavar="ID", help="the run (default: the latest)")


def run(args: argparse.Namespace) -> int:
    from flowc.commands._lifecycle import run_lifecycle

    return run_lifecycle(args, "status", run_id=args.run_id)
