"""`flowc trigger`: start a run of a deployed flow on its orchestrator."""

from __future__ import annotations

import argparse
import importlib
import sys

HELP = "start a run of a deployed flow (--param name=value ...)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="the flow file")
    p.add_argument("--target", "-t", required=True, help="the target the flow was deployed with")
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="a parameter value")


def run(args: argparse.Namespace) -> int:
    from flowc.commands._common import print_diagnostics, resolve_target
    from flowc.compiler import analyze

    target = resolve_target(args.target)
    if isinstance(target, str):
        print(f"flowc trigger: {target}", file=sys.stderr)
        return 2
    module_name = getattr(target, "trigger_module", None)
    if not module_name:
        print(f"flowc trigger: the {args.target} target cannot start runs", file=sys.stderr)
        return 2
    a = analyze(args.path, args.flow)
    if a.flow is None:
        print_diagnostics(a.diagnostics, {a.file: a.source})
        return 1
    return int(importlib.import_module(module_name).trigger(a.flow, args, sys.stdout))
