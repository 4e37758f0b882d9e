"""`flowc check`: every problem in every flow, in one pass."""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from flowc.compiler import Analysis
    from flowc.user_configs import ConfigInputs

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
        # A path that exists but is neither (/dev/null, a socket) is not "missing": say which it is.
        absent = [m for m in missing if not os.path.lexists(m)]
        odd = [m for m in missing if m not in absent]
        if absent:
            print(f"flowc check: no such file or folder: {', '.join(absent)}", file=sys.stderr)
        if odd:
            print(f"flowc check: not a regular file or a folder: {', '.join(odd)}", file=sys.stderr)
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
    results: list[tuple[Path, bool, Analysis]] = []

    def check_file(f: Path, named: bool) -> None:
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
            return
        results.append((f, named, a))

    skipped: dict[Path, bytes] = {}
    for f in files:
        named = f in explicit
        if not named:
            # Folders hold other Python too: only files that mention FlowSpec are flows, and files
            # that import a module holding flows (a flow deriving from a base flow of another file).
            try:
                data = f.read_bytes()
            except OSError:
                data = b"FlowSpec"
            if b"FlowSpec" not in data:
                skipped[f] = data
                continue
        check_file(f, named)
    while skipped:
        modules: dict[str, set[str]] = {}
        for _, _, a in results:
            modules.setdefault(Path(a.file).stem, set()).update(a.flow_names)
        found = _importers(skipped, {m: c for m, c in modules.items() if c})
        if not found:
            break
        for f in found:
            del skipped[f]
            check_file(f, False)
    if args.flow is None:
        results = _without_bases_of_other_files(results, configs)
    for f, _named, a in results:
        # A file whose flow classes are all bases of other files' flows holds no flow of its own.
        checked += len(a.flows) or (0 if a.ok and a.flow_names else 1)
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


def _without_bases_of_other_files(
    results: list[tuple[Path, bool, Analysis]], configs: ConfigInputs | None
) -> list[tuple[Path, bool, Analysis]]:
    """A class that a flow of another file derives from (`from base import Base`) is a base, not a
    flow of its own, as a base in the flow's own file is: its file is read again without it, so an
    incomplete base is not reported as a broken flow."""
    from flowc.compiler import analyze

    bases: dict[str, set[str]] = {}
    for _, _, a in results:
        for file, name in a.bases:
            bases.setdefault(os.path.realpath(file), set()).add(name)
    out = []
    for f, named, a in results:
        mine = bases.get(os.path.realpath(a.file), set()) & set(a.flow_names)
        if mine:
            a = analyze(f, None, all_flows=True, require_flow=named, configs=configs, not_flows=frozenset(mine))
        out.append((f, named, a))
    return out


_IMPORTED = re.compile(rb"^[ \t]*(?:from[ \t]+\.*([\w.]+)[ \t]+import|import[ \t]+([\w.]+))", re.M)


def _importers(texts: dict[Path, bytes], modules: dict[str, set[str]]) -> list[Path]:
    """The files among `texts` that import one of `modules` (by its last name: `from base import`,
    `from .base import`, `from pkg.base import`, `import base`) and name one of its flow classes."""
    out = []
    for f, data in texts.items():
        imported = {(a or b).rsplit(b".", 1)[-1].decode() for a, b in _IMPORTED.findall(data)}
        hits = imported & modules.keys()
        if hits:
            words = set(re.findall(rb"\w+", data))
            if any(c.encode() in words for m in hits for c in modules[m]):
                out.append(f)
    return out
