"""`flowc delete`: remove what `flowc deploy` put on the orchestrator for a flow (its schedule too).
Runs' data in the datastore is kept."""

from __future__ import annotations

import argparse

HELP = "delete a deployed flow from its orchestrator, schedule included (--dry-run lists what would go)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from flowc.commands._lifecycle import add_flow_arguments

    add_flow_arguments(p)
    p.add_argument("--dry-run", action="store_true", help="print what would be deleted, delete nothing")


def run(args: argparse.Namespace) -> int:
    from flowc.commands._lifecycle import run_lifecycle

    return run_lifecycle(args, "delete", dry_run=args.dry_run)
