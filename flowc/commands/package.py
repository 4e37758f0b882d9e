"""`flowc package`: build a flow's code package; print its id; upload it or write it to a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HELP = "build the flow's code package (what every task runs); print its id, upload it or save it"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="FLOW.py", help="the flow file")
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--datastore", help="upload to this datastore (local folder or s3://bucket/prefix)")
    p.add_argument("-o", "--output", help="also write the package (a .tar.gz) to this file")
    p.add_argument("--list", action="store_true", help="list the files in the package")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    from flowc.commands._common import add_config_arguments

    add_config_arguments(p)


def run(args: argparse.Namespace) -> int:
    from flowc.commands._common import config_inputs_or_report, print_diagnostics
    from flowc.compiler import analyze
    from flowc.datastore import layout
    from flowc.datastore.package import build_code_package
    from flowc.datastore.store import FlowDatastore

    configs = config_inputs_or_report(args, "package")
    if configs is None:
        return 2
    analysis = analyze(args.path, args.flow, configs=configs)
    if analysis.flow is None:
        print_diagnostics(analysis.diagnostics, {analysis.file: analysis.source}, sys.stderr, args.color)
        return 1
    flow = analysis.flow
    try:
        package = build_code_package(flow, args.path)
    except OSError as exc:
        print(f"flowc package: cannot read the flow's files: {exc}", file=sys.stderr)
        return 1
    if args.list:
        for name in package.files:
            print(name)
    # What a deployed task fetches: the flow's members and flowc's runner (flowc.runner.bootstrap).
    if args.output:
        Path(args.output).write_bytes(package.deployable)
        print(f"flowc package: wrote {args.output} ({len(package.deployable)} bytes)", file=sys.stderr)
    if args.datastore:
        from flowc.datastore.package import publish

        store = FlowDatastore.open(args.datastore, flow.name)
        written = publish(store, package)
        where = store.storage.url(layout.code_key(flow.name, package.id))
        print(f"flowc package: {'uploaded' if written else 'already present'}: {where}", file=sys.stderr)
    print(package.id)
    return 0
