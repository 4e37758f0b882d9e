"""`flowc deploy`: compile, then hand the files to the target's deploy module."""

from __future__ import annotations

import argparse
import importlib
import sys

HELP = "compile a flow and deploy it to its orchestrator (--dry-run shows the plan)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    from flowc.commands.compile import add_arguments as compile_args

    compile_args(p)
    p.add_argument("--dry-run", action="store_true", help="print what would change, change nothing")


def add_deploy_arguments(p: argparse.ArgumentParser, target_name: str | None, attr: str) -> None:
    """Add the deploy (or trigger) module's own flags for the chosen target."""
    if not target_name:
        return
    from flowc.commands._common import registry
    from flowc.target_api import TargetLoadError

    reg = registry()
    if target_name not in reg.names():
        return
    try:
        target = reg.get(target_name)
    except TargetLoadError:
        return
    module_name = getattr(target, attr, None)
    if module_name:
        importlib.import_module(module_name).add_arguments(p)


def run(args: argparse.Namespace) -> int:
    from flowc.commands.compile import compile_for

    status, target, flow, result = compile_for(args)
    if status or result is None:
        return status
    module_name = getattr(target, "deploy_module", None)
    if not module_name:
        print(f"flowc deploy: the {args.target} target cannot deploy; use `flowc compile`", file=sys.stderr)
        return 2
    module = importlib.import_module(module_name)
    return int(module.deploy(flow, result, args, sys.stdout))
