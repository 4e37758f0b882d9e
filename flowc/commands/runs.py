"""`flowc runs`: a flow's runs in a datastore, newest first, with status, timing and task counts."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone
from typing import Any

from flowc.commands._results import add_flow_arguments, duration, flow_name, local_time, read_datastore, table

HELP = "list a flow's runs, newest first: id, status, start, duration, tasks"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_flow_arguments(p)
    p.add_argument("--limit", type=int, default=20, help="show the newest N runs (default 20; 0 for all)")
    p.add_argument("--format", choices=("text", "json"), default="text")


def run(args: argparse.Namespace) -> int:
    if args.limit < 0:
        print("flowc runs: --limit must be 0 (all) or more", file=sys.stderr)
        return 2
    name = flow_name("runs", args.flow_ref, args.flow)
    if name is None:
        return 1
    return read_datastore("runs", args.datastore, lambda: _show(name, args))


def _iso(when: datetime | None) -> str | None:
    # The client gives naive local times (as Metaflow's does); JSON says UTC, with its offset.
    return when.astimezone(timezone.utc).isoformat() if when is not None else None


def _show(name: str, args: argparse.Namespace) -> int:
    from flowc.client import Flow

    flow = Flow(name, args.datastore, _namespace_check=False)
    runs = flow.runs()
    shown = runs[: args.limit] if args.limit else runs
    out = sys.stdout
    if args.format == "json":
        rows: list[dict[str, Any]] = [
            {
                "run_id": r.id,
                "status": r.status,
                "started_at": _iso(r.started_at),
                "finished_at": _iso(r.finished_at),
                "duration": r.duration,
                "tasks": r.task_count,
            }
            for r in shown
        ]
        json.dump({"flow": name, "datastore": flow.datastore, "runs": rows}, out, indent=2)
        out.write("\n")
        return 0
    print(f"{name} in {flow.datastore}", file=out)
    cells = [["RUN", "STATUS", "STARTED", "DURATION", "TASKS"]]
    cells += [[r.id, r.status, local_time(r.started_at), duration(r.duration), str(r.task_count)] for r in shown]
    for line in table(cells, right={3, 4}):
        print(line, file=out)
    if len(shown) < len(runs):
        print(f"({len(runs) - len(shown)} older runs not shown: --limit 0 shows all)", file=out)
    return 0
