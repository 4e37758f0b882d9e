"""What deploy, trigger, status and delete share: finding the target and its lifecycle module,
resolving options, and turning every error from a cloud or cluster into one line with an exit code."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

from flowc.cloud import USAGE, CloudError, explain
from flowc.commands._common import (
    add_config_arguments,
    add_profile_argument,
    config_inputs_or_report,
    print_diagnostics,
    resolve_target,
    resolved_options,
)


def add_flow_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="the flow file")
    p.add_argument("--target", "-t", required=True, help="the target; `flowc targets` lists them")
    p.add_argument("--flow", help="the flow class, when the file has several")
    add_profile_argument(p)
    # The flow is read again to find its deployment (its name may come from a config, as in
    # `@project(name=config_expr(...))`): the values it was deployed with. The deployed workflow keeps
    # its own values whatever is given here (docs/metaflow.md, "Config").
    add_config_arguments(p)


def lifecycle_module(target: Any, what: str, command: str) -> Any:
    """The target's `<what>_module`, or a one-line usage error."""
    name = getattr(target, f"{what}_module", None)
    if not name:
        raise CloudError(f"flowc {command}: the {target.name} target has no {what} support", USAGE)
    return importlib.import_module(name)


def options_for(target: Any, args: argparse.Namespace, **extra: Any) -> dict[str, Any]:
    """Resolved option values (flags, FLOWC_*, profile, file, defaults) plus the command's own values."""
    from flowc.config import ConfigError

    try:
        values: dict[str, Any] = dict(resolved_options(target, args, args.path, lifecycle=True).values)
    except ConfigError as exc:
        raise CloudError(str(exc), USAGE) from None
    values.update(extra)
    return values


def analyze_flow(args: argparse.Namespace) -> Any:
    """The checked flow, or None after printing its diagnostics."""
    from flowc.compiler import analyze

    configs = config_inputs_or_report(args, args.command)
    if configs is None:
        return None
    a = analyze(args.path, args.flow, configs=configs)
    if a.flow is None:
        print_diagnostics(a.diagnostics, {a.file: a.source})
    return a.flow


def run_lifecycle(args: argparse.Namespace, what: str, **extra: Any) -> int:
    """`flowc trigger|status|delete`: the target's `<what>_module.<what>(flow, options, out)`, guarded."""
    target = resolve_target(args.target)
    if isinstance(target, str):
        print(f"flowc {what}: {target}", file=sys.stderr)
        return USAGE
    flow = analyze_flow(args)
    if flow is None:
        return 1

    def work() -> int:
        module = lifecycle_module(target, what, what)
        return int(getattr(module, what)(flow, options_for(target, args, **extra), sys.stdout))

    return guarded(what, work)


def guarded(command: str, work: Callable[[], int]) -> int:
    """Run `work`; print any failure as one line `flowc COMMAND: ...` and return its exit code.

    FLOWC_DEBUG=1 lets the exception through (with its traceback) instead."""
    try:
        return work()
    except KeyboardInterrupt:
        raise
    except Exception as exc:
        if os.environ.get("FLOWC_DEBUG") == "1":
            raise
        from flowc.runner.params import ParamError

        if isinstance(exc, ParamError):
            for problem in exc.problems:
                print(f"flowc {command}: {problem}", file=sys.stderr)
            return USAGE
        error = explain(exc)
        message = str(error)
        prefix = f"flowc {command}: "
        print(message if message.startswith(prefix) else prefix + message, file=sys.stderr)
        return error.exit_code
