"""`flowc compile`: a flow to an orchestrator's files.

Only the flow is needed: the datastore, image, queue, namespace and roles come from flags, FLOWC_*
variables or a profile in flowc.toml when given, and are otherwise left to deploy time (a runtime
parameter of the emitted workflow, or a documented default). See docs/deploy.md.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowc.commands._common import (
    add_config_arguments,
    add_profile_argument,
    config_inputs_or_report,
    missing_required,
    print_diagnostics,
    resolve_target,
    resolved_options,
    write_files,
)
from flowc.diagnostics import Severity

HELP = "compile a flow for a target (step-functions, argo, airflow, ir, or a plugin)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="the flow file")
    p.add_argument("--target", "-t", required=True, help="the target; `flowc targets` lists them")
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--output", "-o", metavar="DIR", help="folder to write into (default: build/<target>)")
    p.add_argument("--stdout", action="store_true", help="print the files instead of writing them")
    p.add_argument(
        "--with",
        dest="with_specs",
        action="append",
        default=[],
        metavar="DECORATOR",
        help="add a decorator to every step that lacks it: retry, catch, resources:cpu=2, ... (repeatable)",
    )
    add_profile_argument(p)
    add_config_arguments(p)


def compile_for(args: argparse.Namespace, lifecycle: bool = False) -> tuple[int, object, object, object]:
    """Shared by compile and deploy: (status, target, flow, result)."""
    from flowc import decospecs
    from flowc.compiler import analyze
    from flowc.config import ConfigError

    target = resolve_target(args.target)
    if isinstance(target, str):
        print(f"flowc {args.command}: {target}", file=sys.stderr)
        return 2, None, None, None
    try:
        opts = resolved_options(target, args, args.path, lifecycle).values
    except ConfigError as exc:
        print(f"flowc {args.command}: {exc}", file=sys.stderr)
        return 2, target, None, None
    missing = missing_required(target, opts)
    if missing:
        for m in missing:
            print(f"flowc {args.command}: {m}", file=sys.stderr)
        return 2, target, None, None
    configs = config_inputs_or_report(args, args.command)
    if configs is None:
        return 2, target, None, None
    a = analyze(args.path, args.flow, configs=configs)
    if a.flow is None:
        print_diagnostics(a.diagnostics, {a.file: a.source})
        return 1, target, None, None
    try:
        flow = decospecs.apply(a.flow, decospecs.parse_all(getattr(args, "with_specs", [])))
    except decospecs.DecoSpecError as exc:
        print(f"flowc {args.command}: {exc}", file=sys.stderr)
        return 2, target, None, None
    result = target.compile(flow, opts)
    diags = a.diagnostics + list(result.diagnostics)
    print_diagnostics(diags, {a.file: a.source})
    if any(d.severity is Severity.ERROR for d in diags):
        return 1, target, flow, None
    return 0, target, flow, result


def run(args: argparse.Namespace) -> int:
    status, _target, _flow, result = compile_for(args)
    if status or result is None:
        return status
    files = result.files  # type: ignore[attr-defined]
    if args.stdout:
        for f in files:
            if len(files) > 1:
                print(f"# --- {f.path}")
            sys.stdout.write(f.content)
        return 0
    out = Path(args.output or Path("build") / args.target)
    try:
        written = write_files(out, files)
    except OSError as exc:
        print(f"flowc compile: cannot write to {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    for path, changed in written:
        print(f"{'wrote' if changed else 'unchanged'} {path}", file=sys.stderr)
    return 0
