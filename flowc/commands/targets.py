"""`flowc targets`: the targets installed, built-in and plugins."""

from __future__ import annotations

import argparse

HELP = "list the installed targets and their options"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--verbose", "-v", action="store_true", help="also list each target's options")


def run(args: argparse.Namespace) -> int:
    from flowc.target_api import TargetLoadError, default_registry

    reg = default_registry()
    status = 0
    for name in reg.names():
        try:
            t = reg.get(name)
        except TargetLoadError as exc:
            print(f"{name:16} BROKEN: {exc.reason}")
            status = 1
            continue
        print(f"{name:16} {t.description}")
        if args.verbose:
            for o in t.options():
                default = f" (default: {o.default})" if o.default not in (None, "") else ""
                print(f"    --{o.name:22} {o.help}{default}")
    return status
