"""`flowc card`: the default cards `@card` (or `--with card`) made, one static HTML file per task.

flowc card view flow.py RUN/STEP[/TASK]     where the card is (downloaded first from S3); opens it
                                             in a browser when run from a terminal
flowc card get flow.py RUN/STEP/TASK out.html   the card's HTML to a file (or stdout with -)
flowc card list flow.py [RUN]               the tasks that have a card
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from flowc.commands._results import flow_name, read_datastore

if TYPE_CHECKING:
    from flowc.client import Run, Task

HELP = "view, get or list the cards of a run's tasks (@card, --with card)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="card_command", metavar="view|get|list", required=True)
    for name, what in (("view", "where a task's card is; opens it from a terminal"), ("get", "a card's HTML")):
        q = sub.add_parser(name, help=what, description=what)
        q.add_argument(
            "where",
            nargs="+",
            metavar="FLOW RUN/STEP[/TASK]",
            help="the flow file or name and RUN/STEP[/TASK] (or STEP: the latest run); or FLOW/RUN/STEP[/TASK]",
        )
        _common(q)
        if name == "view":
            q.add_argument("--no-open", action="store_true", help="only print where the card is")
        else:
            q.add_argument("--output", "-o", default="-", metavar="FILE", help="write it here (default: stdout)")
    q = sub.add_parser("list", help="the tasks of a run that have a card", description="the tasks that have a card")
    q.add_argument("flow_ref", metavar="FLOW", help="the flow file or name")
    q.add_argument("run_id", nargs="?", metavar="RUN", help="the run (default: the latest)")
    _common(q)


def _common(q: argparse.ArgumentParser) -> None:
    q.add_argument("--flow", help="the flow class, when the file has several")
    q.add_argument("--datastore", default=".flowc", help="local folder or s3://bucket/prefix (default .flowc)")


def run(args: argparse.Namespace) -> int:
    if args.card_command == "list":
        listed = flow_name("card", args.flow_ref, args.flow)
        if listed is None:
            return 1
        return read_datastore("card", args.datastore, lambda: _list(listed, args))
    from flowc.commands.logs import split_where

    where = split_where(args)
    if isinstance(where, str):
        print(f"flowc card: {where}", file=sys.stderr)
        return 2
    ref, run_id, step, task_id = where
    name = flow_name("card", ref, args.flow)
    if name is None:
        return 1
    return read_datastore("card", args.datastore, lambda: _one(name, run_id, step, task_id, args))


def _key(task: Task) -> str:
    from flowc.datastore import layout

    return layout.card_key(task._reader.flow, task.run_id, task.step, task.index_path)


def _one(name: str, run_id: str | None, step_name: str, task_id: str | None, args: argparse.Namespace) -> int:
    from flowc.client import Run
    from flowc.datastore.storage import LocalStorage, NotFound

    run = Run(name, run_id, args.datastore, _namespace_check=False)
    step = run[step_name]
    if task_id is None:
        if len(step) != 1:
            ids = ", ".join(t.id for t in step)
            print(f"flowc card: step {step.pathspec} has {len(step)} tasks; name one: {ids}", file=sys.stderr)
            return 2
        task = step.task
    else:
        task = step[task_id]
    assert task is not None
    storage = run._reader.store.storage
    key = _key(task)
    try:
        html = storage.get(key)
    except NotFound:
        print(
            f"flowc card: task {task.pathspec} has no card: give its step @card, or run with --with card",
            file=sys.stderr,
        )
        return 1
    if args.card_command == "get":
        if args.output == "-":
            sys.stdout.buffer.write(html)
        else:
            Path(args.output).write_bytes(html)
        return 0
    if isinstance(storage, LocalStorage):
        path = Path(storage.url(key))
    else:  # a remote datastore: a local copy to open
        path = Path.home() / ".cache" / "flowc" / "cards" / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(html)
    print(path.as_uri())
    if not args.no_open and sys.stdout.isatty():
        import webbrowser

        webbrowser.open(path.as_uri())
    return 0


def _list(name: str, args: argparse.Namespace) -> int:
    from flowc.client import Run

    run: Run = Run(name, args.run_id, args.datastore, _namespace_check=False)
    storage = run._reader.store.storage
    from flowc.datastore import layout

    head = f"{layout.run_prefix(name, run.id)}/cards/"
    found = sorted(k[len(head) :] for k in storage.list(head) if k.endswith(".html"))
    if not found:
        print(f"flowc card: run {run.pathspec} has no cards", file=sys.stderr)
        return 1
    for rel in found:
        step, index, _type = rel.split("/")
        print(f"{run.pathspec}/{step}/{index}")
    return 0
