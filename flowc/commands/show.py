"""`flowc show`: a flow as an outline, Mermaid, dot, or its IR as JSON."""

from __future__ import annotations

import argparse
import sys

from flowc.commands._common import add_config_arguments, config_inputs_or_report, print_diagnostics

HELP = "show a flow's structure (text outline, mermaid, dot, or the IR as json)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="the flow file")
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--format", choices=("text", "mermaid", "dot", "json"), default="text")
    add_config_arguments(p)


def run(args: argparse.Namespace) -> int:
    from flowc import show
    from flowc.compiler import analyze

    configs = config_inputs_or_report(args, "show")
    if configs is None:
        return 2
    a = analyze(args.path, args.flow, configs=configs)
    print_diagnostics(a.diagnostics, {a.file: a.source})
    if a.flow is None:
        return 1
    render = {"text": show.outline, "mermaid": show.mermaid, "dot": show.dot, "json": lambda f: f.to_json()}[
        args.format
    ]
    sys.stdout.write(render(a.flow))
    return 0
