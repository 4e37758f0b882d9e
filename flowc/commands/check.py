"""`flowc check`: every problem in every flow, in one pass."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flowc.commands._common import (
    add_config_arguments,
    config_inputs_or_report,
    print_diagnostics,
    python_files,
    resolve_target,
    target_options,
    with_placeholders,
)
from flowc.diagnostics import Diagnostic, Severity

# Files Python (or flowc) could not read at all.
UNREADABLE = {"FC001", "FC004", "FC005", "FC006"}

HELP = "check flows for mistakes (files or folders); exit 1 if any error is found"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="+", metavar="PATH", help="flow files, or folders to search for flows")
    p.add_argument("--flow", help="check only the flow class with this name")
    p.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    p.add_argument("--fix", action="store_true", help="apply certain fixes (misspelt step names) in place")
    p.add_argument("--target", "-t", help="also compile for this target and run its own validation")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    add_config_arguments(p)


def run(args: argparse.Namespace) -> int:
    from flowc.analyzer import syntax

    # Python's compiler runs in a worker process: starting it first lets it boot while this one
    # imports the rest.
    syntax.start_worker()
    from flowc import render
    from flowc.compiler import analyze

    configs = config_inputs_or_report(args, "check")
    if configs is None:
        return 2
    files, missing = python_files(args.paths)
    if missing:
        print(f"flowc check: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    target = None
    if args.target:
        target = resolve_target(args.target)
        if isinstance(target, str):
            print(f"flowc check: {target}", file=sys.stderr)
            return 2
    explicit = {Path(p) for p in args.paths if Path(p).is_file()}
    diags: list[Diagnostic] = []
    sources: dict[str, str] = {}
    checked = 0
    for f in files:
        named = f in explicit
        if not named:
            # Folders hold other Python too: only files that mention FlowSpec are flows.
            try:
                if b"FlowSpec" not in f.read_bytes():
                    continue
            except OSError:
                pass
        a = analyze(f, args.flow, all_flows=args.flow is None, require_flow=named, configs=configs)
        if args.fix and any(d.fix for d in a.diagnostics):
            from flowc.fix import FixError, apply_fixes

            try:
                if apply_fixes(f, a.source, a.diagnostics):
                    a = analyze(f, args.flow, all_flows=args.flow is None, require_flow=named, configs=configs)
                    print(f"flowc: fixed {f}", file=sys.stderr)
            except FixError as exc:
                print(f"flowc: {f} left unchanged: {exc}", file=sys.stderr)
        # A file found in a folder that holds no flow class is not a flow, unless Python could not
        # compile it: it mentions FlowSpec, so a syntax error may hide its flow.
        unreadable = any(d.code in UNREADABLE for d in a.diagnostics)
        if not a.flow_names and not named and not unreadable:
            continue
        checked += len(a.flows) or 1
        sources[a.file] = a.source
        diags.extend(a.diagnostics)
        if target is not None and a.ok:
            for flow in a.flows:
                opts = with_placeholders(target, target_options(target, args, str(f)))
                result = target.compile(flow, opts)
                diags.extend(result.diagnostics)
                validate = getattr(target, "validate", None)
                if validate is not None and not any(d.severity is Severity.ERROR for d in result.diagnostics):
                    diags.extend(validate(flow, result))
    if args.format == "json":
        sys.stdout.write(render.as_json(diags))
    elif args.format == "github":
        sys.stdout.write(render.github(diags))
    elif args.format == "sarif":
        from flowc import __version__

        sys.stdout.write(render.sarif(diags, __version__))
    else:
        print_diagnostics(diags, sources, sys.stdout, args.color)
        if not diags:
            print(f"flowc: {checked} flow{'s' * (checked != 1)} checked, no problems", file=sys.stderr)
    return 1 if any(d.severity is Severity.ERROR for d in diags) else 0
