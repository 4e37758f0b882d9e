"""`flowc logs`: what a step's tasks printed, Metaflow's `logs` command shape.

flowc logs flow.py 20240612T101500-3fa2c1/train       every task of the step, in index order
flowc logs flow.py 20240612T101500-3fa2c1/train/2     one task (its index path; `_` outside a foreach)
flowc logs flow.py train                              the step in the latest run
flowc logs TrainFlow/20240612T101500-3fa2c1/train     a full pathspec, no flow file needed
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from flowc.commands._results import flow_name, read_datastore

if TYPE_CHECKING:
    from flowc.client import Task as TaskType

HELP = "show what a step's tasks printed (their logs), as Metaflow's `logs` does"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "where",
        nargs="+",
        metavar="FLOW RUN/STEP[/TASK]",
        help="the flow file or name and RUN/STEP[/TASK] (or STEP: the latest run); or one full pathspec "
        "FLOW/RUN/STEP[/TASK]",
    )
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--datastore", default=".flowc", help="local folder or s3://bucket/prefix (default .flowc)")
    p.add_argument("--attempt", type=int, help="this attempt's log (default: the latest)")
    stream = p.add_mutually_exclusive_group()
    # Accepted for Metaflow's sake: flowc keeps one log per attempt, stdout and stderr as written.
    stream.add_argument("--stdout", action="store_true", help="the log (stdout and stderr, as written)")
    stream.add_argument("--stderr", action="store_true", help="the same log")


def split_where(args: argparse.Namespace) -> tuple[str, str | None, str, str | None] | str:
    """(flow reference, run id or None for the latest, step, task id or None), or an error."""
    if len(args.where) == 1:
        parts = args.where[0].split("/")
        if len(parts) in (3, 4) and all(parts):
            return parts[0], parts[1], parts[2], parts[3] if len(parts) == 4 else None
        return "give the flow and RUN/STEP[/TASK], e.g. `flowc logs flow.py RUN/train`, or FLOW/RUN/STEP[/TASK]"
    if len(args.where) != 2:
        return "give the flow and one RUN/STEP[/TASK]"
    ref, spec = args.where
    parts = spec.split("/")
    if not all(parts) or len(parts) > 3:
        return f"{spec!r}: expected RUN/STEP, RUN/STEP/TASK or STEP"
    if len(parts) == 1:
        return ref, None, parts[0], None
    return ref, parts[0], parts[1], parts[2] if len(parts) == 3 else None


def run(args: argparse.Namespace) -> int:
    where = split_where(args)
    if isinstance(where, str):
        print(f"flowc logs: {where}", file=sys.stderr)
        return 2
    if args.attempt is not None and args.attempt < 0:
        print("flowc logs: --attempt is 0 or more", file=sys.stderr)
        return 2
    ref, run_id, step, task_id = where
    name = flow_name("logs", ref, args.flow)
    if name is None:
        return 1
    return read_datastore("logs", args.datastore, lambda: _show(name, run_id, step, task_id, args))


def _show(name: str, run_id: str | None, step_name: str, task_id: str | None, args: argparse.Namespace) -> int:
    from flowc.client import Run, Task

    run = Run(name, run_id, args.datastore, _namespace_check=False)
    step = run[step_name]
    tasks: list[TaskType] = [step[task_id]] if task_id is not None else step.tasks()
    out = sys.stdout
    missing = []
    for task in tasks:
        if args.attempt is not None:
            task = Task(task.pathspec, args.attempt, datastore=args.datastore, _namespace_check=False)
        data = task._log_bytes()
        if len(tasks) > 1:
            print(f"== {task.pathspec} (attempt {task.current_attempt})", file=out, flush=True)
        if data is None:
            missing.append(task)
        elif data:
            out.flush()
            sys.stdout.buffer.write(data if data.endswith(b"\n") else data + b"\n")
            sys.stdout.buffer.flush()
    if missing and len(missing) == len(tasks):
        ids = ", ".join(t.id for t in missing)
        print(
            f"flowc logs: no log kept for {step.pathspec} (tasks {ids}): `flowc run` keeps logs in its datastore "
            f"(or where run.json's log_root says); an orchestrator's tasks log to the orchestrator",
            file=sys.stderr,
        )
        return 1
    return 0
