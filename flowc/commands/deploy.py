"""`flowc deploy`: compile with the deployment's settings bound, then hand the files to the target's
deploy module. `--dry-run` works offline: without credentials, a cluster or an existing folder it
prints the plan with placeholders; with them, also the difference from what is deployed."""

from __future__ import annotations

import argparse
import sys

HELP = "compile a flow and deploy it to its orchestrator (--dry-run shows the plan, offline if need be)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from flowc.commands.compile import add_arguments as compile_args

    compile_args(p)
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")


def run(args: argparse.Namespace) -> int:
    from flowc.commands._lifecycle import guarded, lifecycle_module, options_for
    from flowc.commands.compile import compile_for

    status, target, flow, result = compile_for(args, lifecycle=True)
    if status or result is None:
        return status

    def work() -> int:
        module = lifecycle_module(target, "deploy", "deploy")
        options = options_for(target, args, dry_run=args.dry_run)
        return int(module.deploy(flow, result, options, sys.stdout))

    return guarded("deploy", work)
