"""The local scheduler behind `flowc run`: the whole graph, each task in its own `flowc step` process.

Tasks are forked from a fork server that has imported the runner once (flowc.runner.forkserver), or,
with `fork_server=False`, where fork is unavailable, or if the server fails, started as fresh
interpreters (`python -m flowc step ...`). Either way each task is its own process with its own log.

It follows the same contract as the orchestrators: it builds each command with `step_command`, reads
each task's output (foreach count, switch case) from the datastore, re-invokes a failed task with
attempt + 1 per `@retry`, and lets joins find their inputs in the datastore. It reports progress as
`Event`s to a callback and never prints.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from flowc import paths
from flowc.datastore import layout
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow, JoinKind, Transition
from flowc.runner import pgroup
from flowc.runner.command import step_command
from flowc.runner.forkserver import Forked, ForkServer
from flowc.runner.task import EXIT_INTERRUPTED, EXIT_USAGE, Index, fmt_index, task_name

_INTERRUPT_GRACE_SECONDS = 10.0
_KILL_WAIT_SECONDS = 5.0


@dataclass(frozen=True, order=True)
class TaskKey:
    step: str
    index: Index = ()

    @property
    def name(self) -> str:
        return task_name(self.step, self.index)


@dataclass(frozen=True)
class Event:
    """Something a person may want to see. `kind` is one of: started, done, failed, retrying,
    fanout (a foreach split made `count` tasks), fanout_done (all `count` tasks of a fan-out done),
    cloned (`flowc resume` reused the task from the origin run; a `done` follows), fallback (a task of
    a step with @catch failed for good without its @catch seeing it: a stand-in task runs, `detail`
    says how the process ended)."""

    kind: str
    task: TaskKey
    attempt: int = 0
    count: int = 0
    seconds: float = 0.0
    log: str = ""
    exit_code: int = 0
    detail: str = ""


@dataclass
class RunResult:
    ok: bool
    tasks_done: int
    seconds: float
    failures: list[Event] = field(default_factory=list)
    interrupted: bool = False


@dataclass
class _Running:
    """A running task: a spawned `flowc step` process (`proc`, writing to `log_file`) or a child of
    the fork server (`forked`)."""

    key: TaskKey
    attempt: int
    argv: list[str]
    log: Path
    started: float
    proc: subprocess.Popen[bytes] | None = None
    log_file: IO[bytes] | None = None
    forked: Forked | None = None
    fallback: bool = False  # `flowc step --fallback`: @catch's stand-in for a process that ended unseen

    def send_signal(self, sig: int) -> None:
        if self.forked is not None:
            self.forked.send_signal(sig)
        elif self.proc is not None and self.proc.poll() is None:
            pgroup.signal_group(self.proc.pid, sig)

    def wait(self, timeout: float) -> bool:
        if self.forked is not None:
            return self.forked.wait(timeout)
        assert self.proc is not None
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def kill(self) -> None:
        if self.forked is not None:
            self.forked.send_signal(signal.SIGKILL)
        elif self.proc is not None:
            pgroup.signal_group(self.proc.pid, signal.SIGKILL)

    def close(self) -> None:
        if self.log_file is not None:
            self.log_file.close()


# What the event loop receives: a task and its exit code, or None for a task the fork server gave back
# unstarted (it died), to be spawned instead.
_DoneQueue = queue.Queue[tuple[_Running, int | None]]


def exit_text(code: int) -> str:
    """How a task's process ended, in words: `exit 1`, or `killed by SIGKILL` for a signal."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


# The tail of a failed task's log that `flowc run` shows: bounded, whatever the task printed (a 50 MB
# line included); the log path is printed beside it.
_TAIL_BYTES = 64 * 1024
_TAIL_LINE_CHARS = 2000


def log_tail(path: Path, lines: int = 25) -> str:
    """The last `lines` lines of a log, read from its last 64 KiB; a longer line keeps its end."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, os.SEEK_END)
            f.seek(max(0, size - _TAIL_BYTES))
            data = f.read()
    except OSError:
        return ""
    text = data.decode(errors="replace")
    out = []
    for line in text.rstrip("\n").splitlines()[-lines:]:
        if len(line) > _TAIL_LINE_CHARS:
            line = f"[... {len(line) - _TAIL_LINE_CHARS} characters cut]" + line[-_TAIL_LINE_CHARS:]
        out.append(line)
    return "\n".join(out)


class LocalScheduler:
    def __init__(
        self,
        flow: Flow,
        *,
        code_id: str,
        run_id: str,
        store: FlowDatastore,
        log_root: Path,
        params: Mapping[str, Any],
        max_workers: int,
        on_event: Callable[[Event], None] = lambda e: None,
        executable: Sequence[str] = (sys.executable, "-m", "flowc"),
        env: Mapping[str, str] | None = None,
        source_dir: Path | None = None,
        fork_server: bool | ForkServer = True,
        clone: Callable[[str, Index], bool] | None = None,
    ) -> None:
        self.flow = flow
        # `flowc resume`: asked before a task's first attempt; True when the task was cloned from the
        # origin run (flowc.runner.resume) and so completed without running.
        self.clone = clone
        self.code_id = code_id
        self.run_id = run_id
        self.store = store
        self.log_root = log_root
        self.params = dict(params)
        self.max_workers = max(1, max_workers)
        self.on_event = on_event
        self.executable = list(executable)
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
        if source_dir is not None:
            # Tracebacks then name the user's own files, not the unpacked code package.
            self.env["FLOWC_SOURCE_DIR"] = str(source_dir.resolve())
        # Joins count their arrivals: one per branch or per foreach item, whatever path each took.
        self.arrivals = paths.Arrivals(flow)
        self.task_times: dict[str, dict[str, Any]] = {}
        # Seconds before a failed task's next attempt (`flowc run` retries at once, as Metaflow's
        # local runtime does; orchestrators wait `minutes_between_retries`).
        self.retry_delay = 0.0
        self.end_done = False
        # Tasks are forked from a server that has imported the runner once, unless asked not to or
        # the command is not this interpreter's own `flowc` (the server can only run that one).
        # A server given here was started early (`flowc run` starts it before analysing the flow) and
        # is this scheduler's to close.
        self.use_fork_server = bool(fork_server) and self.executable == [sys.executable, "-m", "flowc"]
        self._started = fork_server if isinstance(fork_server, ForkServer) else None
        self._server: ForkServer | None = None

    # -- the graph -------------------------------------------------------------------------------

    def _children(self, key: TaskKey, output: Mapping[str, Any]) -> list[TaskKey]:
        step = self.flow.step(key.step)
        if step.transition is Transition.FOREACH:
            self.on_event(Event("fanout", key, count=int(output["foreach_count"])))
        out = []
        for nxt in self.arrivals.add(key.step, key.index, output):
            child = self.flow.step(nxt.step)
            if child.join is JoinKind.FOREACH and step.transition is not Transition.FOREACH:
                assert child.closes is not None
                count = self.arrivals.needed[(nxt.step, nxt.index)]
                self.on_event(Event("fanout_done", TaskKey(child.closes, nxt.index), count=count))
            out.append(TaskKey(nxt.step, nxt.index))
        return out

    # -- processes -------------------------------------------------------------------------------

    def _launch(self, key: TaskKey, attempt: int, done: _DoneQueue, fallback: str | None = None) -> _Running:
        if attempt == 0 and self.clone is not None and self.clone(key.step, key.index):
            log = self.log_root / layout.log_key(self.flow.name, self.run_id, key.step, fmt_index(key.index), "0")
            cloned = _Running(key, 0, [], log, time.monotonic())
            done.put((cloned, 0))
            self.on_event(Event("cloned", key))
            return cloned
        argv = step_command(
            flow=self.flow.name,
            code=self.code_id,
            step=key.step,
            run_id=self.run_id,
            datastore=self.store.storage.root,
            index=fmt_index(key.index),
            attempt=str(attempt),
            params_json=json.dumps(self.params) if key.step == self.flow.start_step else None,
            fallback=fallback,
            executable=self.executable,
        )
        log = self.log_root / layout.log_key(self.flow.name, self.run_id, key.step, fmt_index(key.index), str(attempt))
        log.parent.mkdir(parents=True, exist_ok=True)
        running = _Running(key, attempt, argv, log, time.monotonic(), fallback=fallback is not None)
        if self._server is not None:
            running.forked = self._server.submit(
                argv[len(self.executable) :], log, lambda code: done.put((running, code))
            )
        if running.forked is None:
            self._spawn(running, done)
        self.on_event(Event("started", key, attempt=attempt, log=str(log)))
        return running

    def _spawn(self, running: _Running, done: _DoneQueue) -> None:
        """Start the task as a fresh interpreter, with a thread to wait for its exit code."""
        running.forked = None
        running.log_file = running.log.open("wb")
        proc = subprocess.Popen(
            running.argv,
            stdout=running.log_file,
            stderr=subprocess.STDOUT,
            env=self.env,
            # Its own process group, so what it starts ends with it (flowc.runner.pgroup).
            preexec_fn=pgroup.lead if os.name == "posix" else None,
        )
        running.proc = proc

        def wait() -> None:
            code = proc.wait()
            pgroup.end_leftovers(proc.pid)
            done.put((running, code))

        threading.Thread(target=wait, daemon=True).start()

    def _output(self, key: TaskKey) -> dict[str, Any]:
        """The finished task's output, from its manifest: a task exists exactly when its manifest does."""
        manifest = self.store.read_manifest(self.run_id, key.step, fmt_index(key.index))
        if manifest is None:
            raise LookupError(f"no manifest for task {key.name}")
        out: dict[str, Any] = manifest["output"]
        return out

    def run(self) -> RunResult:
        t0 = time.monotonic()
        ready: list[TaskKey] = [TaskKey(self.flow.start_step)]
        retries: list[tuple[float, TaskKey, int]] = []  # (due time, task, attempt)
        running: dict[TaskKey, _Running] = {}
        done_q: _DoneQueue = queue.Queue()
        failures: list[Event] = []
        tasks_done = 0
        if self.use_fork_server and self._started is not None:
            self._server, self._started = self._started, None
            self._server.set_env(self.env)
        elif self.use_fork_server:
            # None where fork is unavailable or the server cannot start: every task is then spawned.
            self._server = ForkServer.start(self.env)
        if self._started is not None:  # given, but this scheduler cannot use it
            self._started.close()
            self._started = None
        if self._server is not None:
            # Every task reads this package: the server reads it once, and its children inherit it.
            self._server.read_code(self.store.storage.root, self.flow.name, self.code_id)
        try:
            while ready or retries or running:
                now = time.monotonic()
                if not failures:
                    due = [r for r in retries if r[0] <= now]
                    for r in due:
                        retries.remove(r)
                        running[r[1]] = self._launch(r[1], r[2], done_q)
                    while ready and len(running) < self.max_workers:
                        key = ready.pop(0)
                        running[key] = self._launch(key, 0, done_q)
                else:
                    ready.clear()
                    retries.clear()
                if not running:
                    if retries:
                        time.sleep(max(0.0, min(r[0] for r in retries) - time.monotonic()))
                    continue
                wait = None if not retries else max(0.01, min(r[0] for r in retries) - time.monotonic())
                try:
                    finished, code = done_q.get(timeout=wait)
                except queue.Empty:
                    continue
                if running.get(finished.key) is not finished:
                    continue  # not the task's current process (cannot happen; never trust a stray report)
                if code is None:
                    # The fork server died before it started this task: start it as its own interpreter.
                    self._spawn(finished, done_q)
                    continue
                finished.close()
                del running[finished.key]
                seconds = time.monotonic() - finished.started
                self._record(finished, code, seconds)
                output = None
                if code == 0:
                    try:
                        output = self._output(finished.key)
                    except LookupError:  # no result: the process ended without finishing the task
                        code = -1
                if output is not None:
                    tasks_done += 1
                    self.end_done |= finished.key.step == self.flow.end_step
                    self.on_event(Event("done", finished.key, finished.attempt, seconds=seconds, log=str(finished.log)))
                    ready.extend(self._children(finished.key, output))
                    continue
                how = exit_text(code) if code != -1 else "exit 0 without publishing the task"
                step = self.flow.step(finished.key.step)
                times = step.decorators.retry.times if step.decorators.retry else 0
                if code != EXIT_INTERRUPTED and finished.attempt < times and not failures and not finished.fallback:
                    # At once, as Metaflow's local runtime retries; `minutes_between_retries` is for
                    # deployed targets (the orchestrator waits).
                    delay = self.retry_delay
                    retries.append((time.monotonic() + delay, finished.key, finished.attempt + 1))
                    self.on_event(
                        Event(
                            "retrying",
                            finished.key,
                            finished.attempt,
                            seconds=delay,
                            log=str(finished.log),
                            exit_code=code,
                        )
                    )
                    continue
                if self._falls_back(finished, code) and not failures:
                    # The step's last attempt ended without its @catch seeing it (killed, crashed):
                    # a stand-in task publishes what @catch would have, as Metaflow's does.
                    self.on_event(Event("fallback", finished.key, finished.attempt, exit_code=code, detail=how))
                    running[finished.key] = self._launch(finished.key, finished.attempt + 1, done_q, fallback=how)
                    continue
                detail = log_tail(finished.log)
                if code == -1:
                    detail = (
                        "the task's process exited 0 without publishing the task (no manifest); it ended "
                        "before the step finished (a crash in C code, or an exit the runner could not see)"
                        + (f"\n{detail}" if detail else "")
                    )
                event = Event(
                    "failed",
                    finished.key,
                    finished.attempt,
                    seconds=seconds,
                    log=str(finished.log),
                    exit_code=0 if code == -1 else code,
                    detail=detail,
                )
                failures.append(event)
                self.on_event(event)
        except KeyboardInterrupt:
            self._stop(running)
            return RunResult(False, tasks_done, time.monotonic() - t0, failures, interrupted=True)
        finally:
            if self._server is not None:
                self._server.close()
                self._server = None
        if not failures and not self.end_done:
            # Nothing left to run yet the end step never ran: a join waits for inputs that will not come.
            waiting = ", ".join(self.arrivals.waiting()) or "none"
            detail = f"the run stopped before its end step; joins still waiting for inputs: {waiting}"
            failures.append(Event("failed", TaskKey(self.flow.end_step), detail=detail))
        return RunResult(not failures, tasks_done, time.monotonic() - t0, failures)

    def _falls_back(self, finished: _Running, code: int) -> bool:
        """Whether a task that failed for good gets @catch's stand-in: its step has @catch, and its code
        says the process ended without the step's own @catch handling it (not a usage error, not Ctrl-C)."""
        catch = self.flow.step(finished.key.step).decorators.catch
        return catch is not None and not finished.fallback and code not in (EXIT_USAGE, EXIT_INTERRUPTED)

    def _record(self, r: _Running, code: int, seconds: float) -> None:
        self.task_times[r.key.name] = {"attempt": r.attempt, "exit_code": code, "seconds": round(seconds, 3)}

    def _stop(self, running: dict[TaskKey, _Running]) -> None:
        """Ctrl-C: ask every task to stop (SIGINT, as a terminal would), then make sure they did."""
        for r in running.values():
            r.send_signal(signal.SIGINT)
        deadline = time.monotonic() + _INTERRUPT_GRACE_SECONDS
        for r in running.values():
            if not r.wait(max(0.1, deadline - time.monotonic())):
                r.kill()
                # Bounded: a forked task whose server died reports only when the pipe closes.
                r.wait(_KILL_WAIT_SECONDS)
            r.close()
