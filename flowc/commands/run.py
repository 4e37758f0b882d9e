"""`flowc run`: run a whole flow locally, each task in its own `flowc step` process, as in production."""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import secrets
import shlex
import sys
import time
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flowc.runner.forkserver import ForkServer

HELP = "run a flow locally, in parallel, through the same step runner the orchestrators use"

_RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_GREEN, _RED, _YELLOW, _DIM, _RESET = "\x1b[32m", "\x1b[31;1m", "\x1b[33m", "\x1b[2m", "\x1b[0m"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", metavar="FLOW.py", help="the flow file")
    p.add_argument("--flow", help="the flow class, when the file has several")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE", help="set a parameter (repeatable)")
    p.add_argument("--max-workers", type=int, default=os.cpu_count() or 1, help="tasks run at once (default: CPUs)")
    p.add_argument("--datastore", default=".flowc", help="local folder or s3://bucket/prefix (default .flowc)")
    p.add_argument("--run-id", help="the run's id (default: time and a random suffix)")
    p.add_argument("--tag", action="append", default=[], metavar="TAG", help="tag the run (repeatable)")
    p.add_argument(
        "--with",
        dest="with_specs",
        action="append",
        default=[],
        metavar="DECORATOR",
        help="add a decorator to every step that lacks it: retry, catch, timeout:minutes=30, ... (repeatable)",
    )
    p.add_argument("--branch", help="@project branch (default: user.<you>); the run is test.<branch>")
    p.add_argument("--production", action="store_true", help="run on the @project's production branch")
    p.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    p.add_argument(
        "--spawn",
        action="store_true",
        help="start each task as a fresh interpreter instead of forking it from a preloaded server "
        "(also FLOWC_RUN_SPAWN=1)",
    )
    from flowc.commands._common import add_config_arguments

    add_config_arguments(p)


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


class Progress:
    """Prints scheduler events as lines a person (or a CI log) can follow."""

    def __init__(self, out: IO[str], color: bool, t0: float, in_foreach: frozenset[str] = frozenset()) -> None:
        self.out = out
        self.color = color
        self.t0 = t0
        self.in_foreach = in_foreach  # steps inside a foreach: only fan-out summaries are shown

    def _c(self, code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if self.color else text

    def line(self, text: str) -> None:
        stamp = f"[{time.monotonic() - self.t0:7.2f}s]"
        print(f"{self._c(_DIM, stamp)} {text}", file=self.out, flush=True)

    def __call__(self, e: Any) -> None:
        from flowc.runner.scheduler import exit_text

        name = e.task.name
        # Inside a foreach only fan-out summaries are shown, so a 1,000-way foreach stays readable;
        # each iteration of a loop outside any foreach is shown (`count/2`).
        in_foreach = e.task.step in self.in_foreach
        if e.kind == "started" and not in_foreach:
            again = f" (attempt {e.attempt})" if e.attempt else ""
            self.line(f"{name:<24} started{again}")
        elif e.kind == "done" and not in_foreach:
            self.line(f"{name:<24} {self._c(_GREEN, 'done')} in {e.seconds:.2f}s")
        elif e.kind == "fanout":
            self.line(f"{name:<24} foreach: {e.count} task{'s' * (e.count != 1)}")
        elif e.kind == "fanout_done":
            self.line(f"{name:<24} foreach: {self._c(_GREEN, f'{e.count}/{e.count} done')}")
        elif e.kind == "retrying":
            self.line(
                f"{name:<24} {self._c(_YELLOW, 'failed')} ({exit_text(e.exit_code)}, attempt {e.attempt}); "
                f"retrying {f'in {e.seconds:.0f}s' if e.seconds else 'now'}; log: {e.log}"
            )
        elif e.kind == "fallback":
            self.line(
                f"{name:<24} {self._c(_YELLOW, 'failed')} ({e.detail}, attempt {e.attempt}); its @catch takes "
                f"over: the task goes on without the step's artifacts"
            )
        elif e.kind == "failed":
            self.line(f"{name:<24} {self._c(_RED, 'FAILED')} ({exit_text(e.exit_code)}, attempt {e.attempt})")


def run(args: argparse.Namespace) -> int:
    from flowc.analyzer import syntax
    from flowc.runner.forkserver import ForkServer

    # Started first, so that their interpreters start and import while this process analyses the flow:
    # the syntax worker the analysis asks, and the fork server the tasks come from.
    syntax.start_worker()
    fork = not (args.spawn or os.environ.get("FLOWC_RUN_SPAWN", "") not in ("", "0"))
    server = ForkServer.start({**os.environ, "PYTHONUNBUFFERED": "1"}) if fork else None
    try:
        return _run(args, server)
    finally:
        if server is not None and server.proc.returncode is None:
            # Not handed to a scheduler (the run stopped before it started): nothing to wait for.
            server.proc.kill()
            server.close()


def _run(args: argparse.Namespace, server: ForkServer | None) -> int:
    from flowc import decospecs, identity
    from flowc.commands._common import config_inputs_or_report, print_diagnostics, use_color
    from flowc.compiler import analyze
    from flowc.datastore import layout
    from flowc.datastore.package import build_code_package
    from flowc.datastore.store import FlowDatastore
    from flowc.runner import code, lease, task_context
    from flowc.runner import params as params_mod
    from flowc.runner.scheduler import LocalScheduler, exit_text, log_tail

    err = sys.stderr
    configs = config_inputs_or_report(args, args.command)
    if configs is None:
        return 2
    analysis = analyze(args.path, args.flow, configs=configs)
    if analysis.flow is None:
        print_diagnostics(analysis.diagnostics, {analysis.file: analysis.source}, err, args.color)
        return 1
    try:
        specs = decospecs.parse_all(args.with_specs)
        flow = decospecs.apply(analysis.flow, specs)
    except decospecs.DecoSpecError as exc:
        print(f"flowc run: {exc}", file=err)
        return 2
    if args.max_workers < 1:
        print("flowc run: --max-workers must be at least 1", file=err)
        return 2
    run_id = args.run_id or new_run_id()
    if not _RUN_ID.match(run_id):
        print(f"flowc run: --run-id {run_id!r}: use letters, digits, '.', '_' and '-'", file=err)
        return 2
    try:
        values = params_mod.resolve(flow, params_mod.split_assignments(args.param))
        # IncludeFile paths are read by the start task; check they exist before anything runs.
        params_mod.read_include_files(flow, values, [Path(args.path).parent])
    except params_mod.ParamError as exc:
        for problem in exc.problems:
            print(f"flowc run: {problem}", file=err)
        return 2
    try:
        tags = identity.check_user_tags(args.tag)
        task_env = task_context.local_run_env(tags, args.branch, args.production)
        if any(spec.name == "card" for spec in specs):
            # For every task (the --with pass also puts it in each step's @environment).
            task_env[decospecs.CARD_ENV[0]] = decospecs.CARD_ENV[1]
        record = task_context.run_record(flow, {**os.environ, **task_env})
    except ValueError as exc:  # a bad tag, or a branch name @project's rule refuses
        print(f"flowc run: {exc}", file=err)
        return 2
    try:
        package = build_code_package(flow, args.path)
    except OSError as exc:  # a file of the flow's folder (flowc.datastore.package.PackageError names it)
        print(f"flowc run: cannot build the code package of {args.path}: {exc}", file=err)
        return 2
    try:
        store = FlowDatastore.open(args.datastore, flow.name)
        if not store.has_code(package.id):
            # Named by its content: a package already stored is this one, so it is not packed again.
            store.put_code(package.id, package.data)
    except (OSError, ValueError) as exc:
        print(f"flowc run: cannot prepare the datastore {args.datastore}: {exc}", file=err)
        return 1
    with contextlib.suppress(OSError):  # else each task unpacks it from the datastore, and says what fails
        # Unpacked from memory now, while the fork server starts, not by the first task.
        code.cache_package(store, package)
    if store.storage.list_dirs(layout.run_prefix(flow.name, run_id)) or store.read_run_meta(run_id):
        # A run id names one run: a second run under it would mix its tasks with the first's.
        print(
            f"flowc run: run {run_id} of {flow.name} already exists in {store.storage.root}; choose another "
            f"--run-id (or leave it out for a new one). The existing run is left as it is",
            file=err,
        )
        return 2
    resume = getattr(args, "resume", None)  # `flowc resume` (flowc/commands/resume.py)
    if resume is not None:
        from flowc.runner.resume import ResumeError

        try:
            prepared = resume(flow, store, run_id)
        except ResumeError as exc:
            print(f"flowc resume: {exc}", file=err)
            return 2
        values = prepared.params
        task_env[task_context.ORIGIN_VAR] = prepared.origin_run_id

    out = sys.stdout
    t0 = time.monotonic()
    progress = Progress(out, use_color(out, args.color), t0, frozenset(s.name for s in flow.steps if s.foreach_scopes))
    log_root = Path(store.storage.root) if not store.storage.root.startswith("s3://") else Path(".flowc")
    logs = log_root / layout.run_prefix(flow.name, run_id) / "logs"
    print(f"flowc run: {flow.name} run {run_id}", file=out)
    print(f"  datastore {store.storage.root}  logs {logs}", file=out, flush=True)
    if resume is not None:
        print(f"  {resume.describe()}", file=out, flush=True)
    meta: dict[str, Any] = {
        "flow": flow.name,
        "run_id": run_id,
        "code": package.id,
        "parameters": values,
        "status": "running",
        "started_at": round(time.time(), 3),
        # Who runs it: a reader tells a run whose process died from one still running (lease.py).
        "owner": lease.owner(),
        **record,
        "log_root": str(log_root.resolve()),
        **(prepared.meta if resume is not None else {}),
    }
    store.write_run_meta(run_id, meta)
    scheduler = LocalScheduler(
        flow,
        code_id=package.id,
        run_id=run_id,
        store=store,
        log_root=log_root,
        params=values,
        max_workers=args.max_workers,
        on_event=progress if resume is None else (lambda e: resume.on_event(e, progress)),
        env=task_env,
        clone=prepared.clone if resume is not None else None,
        source_dir=Path(args.path).parent,
        fork_server=server if server is not None else False,
    )
    # Temporary files of writers that died (a killed run's tasks) are swept while this run goes on.
    sweep = getattr(store.storage, "sweep_temporaries", None)
    chores = (lambda: sweep(flow.name)) if sweep is not None else None
    with lease.heartbeat(store.storage.put, layout.heartbeat_key(flow.name, run_id), chores):
        result = scheduler.run()
    status = "interrupted" if result.interrupted else "succeeded" if result.ok else "failed"
    store.write_run_meta(
        run_id, {**meta, "status": status, "finished_at": round(time.time(), 3), "tasks": scheduler.task_times}
    )
    if result.interrupted:
        print(f"flowc run: interrupted; run {run_id} stopped after {result.tasks_done} tasks", file=err)
        return 130
    if not result.ok:
        for f in result.failures:
            if not f.log:  # not a task's failure: the scheduler's own finding
                print(f"\nflowc run: {f.detail}", file=err)
                continue
            tail = f.detail or log_tail(Path(f.log))
            print(f"\nflowc run: task {f.task.name} failed ({exit_text(f.exit_code)}, attempt {f.attempt}):", file=err)
            if tail:
                print(tail, file=err)
            if f.log:
                print(f"log: {f.log}", file=err)
        print(f"flowc run: run {run_id} failed after {result.tasks_done} tasks in {result.seconds:.2f}s", file=err)
        return 1
    print(f"flowc run: run {run_id} succeeded: {result.tasks_done} tasks in {result.seconds:.2f}s", file=out)
    where = (f" --flow {args.flow}" if args.flow else "") + (
        f" --datastore {shlex.quote(args.datastore)}" if args.datastore != ".flowc" else ""
    )
    print(f"  results: flowc artifacts {shlex.quote(args.path)} --run {run_id}{where}", file=out)
    return 0
