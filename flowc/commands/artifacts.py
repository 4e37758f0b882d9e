"""`flowc artifacts`: the artifacts of a run's tasks (the end task by default) as text or JSON."""

from __future__ import annotations

import argparse
import json
import reprlib
import sys
from typing import TYPE_CHECKING, Any

from flowc.commands._results import add_flow_arguments, allow_flow_imports, flow_name, read_datastore, size, table

if TYPE_CHECKING:
    from flowc.client import Run, Task

HELP = "show the artifacts of a run's tasks (the end task of the latest run by default)"

_REPR_WIDTH = 80
_MAX_BYTES = 1024 * 1024


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_flow_arguments(p)
    p.add_argument("--run", dest="run_id", metavar="ID", help="the run (default: the latest)")
    p.add_argument("--step", help="the step (default: the flow's end step)")
    p.add_argument(
        "--task", metavar="INDEX", help="a foreach task's index path, e.g. 2 or 1.2 (default: every task of the step)"
    )
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.add_argument(
        "--max-bytes",
        type=int,
        default=_MAX_BYTES,
        help=f"load no artifact larger than this, pickled (default {_MAX_BYTES}; 0: no limit)",
    )


def run(args: argparse.Namespace) -> int:
    if args.max_bytes < 0:
        print("flowc artifacts: --max-bytes must be 0 (no limit) or more", file=sys.stderr)
        return 2
    name = flow_name("artifacts", args.flow_ref, args.flow)
    if name is None:
        return 1
    allow_flow_imports(args.flow_ref)
    return read_datastore("artifacts", args.datastore, lambda: _show(name, args))


def _show(name: str, args: argparse.Namespace) -> int:
    from flowc.client import Run

    run = Run(name, args.run_id, args.datastore, _namespace_check=False)
    step = run[args.step if args.step is not None else run._end_name]
    tasks = [step[args.task]] if args.task is not None else step.tasks()
    if args.format == "json":
        doc = {
            "flow": run.flow,
            "run_id": run.id,
            "status": run.status,
            "step": step.name,
            "tasks": [_task_json(t, args.max_bytes) for t in tasks],
        }
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return 0
    _print_text(run, tasks, args.max_bytes)
    return 0


def _too_big(task: Task, name: str, max_bytes: int) -> bool:
    return bool(max_bytes) and task[name].size > max_bytes


def _load(task: Task, name: str) -> tuple[bool, Any]:
    """`(True, value)`, or `(False, message)` when the value cannot be loaded here."""
    from flowc.client import ClientError

    try:
        return True, task[name].data
    except ClientError as exc:
        return False, str(exc)


def short_repr(value: Any, width: int = _REPR_WIDTH) -> str:
    """One line, at most `width` characters, without building the whole repr of a large container."""
    r = reprlib.Repr()
    r.maxstring = r.maxother = width
    r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdeque = r.maxarray = 8
    r.maxdict = 6
    try:
        text = r.repr(value)
    except Exception as exc:  # a user type whose __repr__ raises
        text = f"<{type(exc).__name__} in repr>"
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def json_value(value: Any) -> tuple[bool, Any]:
    """`(True, value)` when `value` is strict JSON (no NaN or infinity; tuples become lists)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False, None
    return True, value


def _task_json(task: Task, max_bytes: int) -> dict[str, Any]:
    artifacts: dict[str, Any] = {}
    for name in task.artifact_names:
        info = task[name]
        entry: dict[str, Any] = {"type": info.type, "size": info.size}
        if _too_big(task, name, max_bytes):
            entry["skipped"] = f"larger than --max-bytes {max_bytes}"
        else:
            loaded, value = _load(task, name)
            if not loaded:
                entry["error"] = value
            else:
                ok, plain = json_value(value)
                if ok:
                    entry["value"] = plain
                else:
                    entry["repr"] = short_repr(value)
        artifacts[name] = entry
    return {
        "task": f"{task.step}/{task.index_path}" if task.index_path else task.step,
        "index": task.index_path,
        "pathspec": task.pathspec,
        "attempt": task.attempt,
        "caught": task.caught,
        "artifacts": artifacts,
    }


def _print_text(run: Run, tasks: list[Task], max_bytes: int) -> None:
    from flowc.commands._results import local_time

    out = sys.stdout
    print(f"{run.flow} run {run.id} ({run.status}, started {local_time(run.started_at)})", file=out)
    for task in tasks:
        print(f"\n{task.step}/{task.index_path}" if task.index_path else f"\n{task.step}", file=out)
        if not task.finished:
            print(f"  did not complete (the run {run.status}); its log: flowc logs {task.pathspec}", file=out)
            continue
        if task.caught:
            print(f"  caught {task.caught.get('type')}: {task.caught.get('message')}", file=out)
        rows: list[list[str]] = []
        for name in task.artifact_names:
            info = task[name]
            if _too_big(task, name, max_bytes):
                text = f"({size(info.size)}, not loaded: over --max-bytes)"
            else:
                loaded, value = _load(task, name)
                text = short_repr(value) if loaded else f"(cannot load: {value})"
            rows.append([f"  {name}", info.type, text])
        if not rows:
            print("  (no artifacts)", file=out)
            continue
        for line in table(rows):
            print(line, file=out)
