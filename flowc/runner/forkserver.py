"""A fork server for `flowc run`: one helper process that has imported the runner once and forks a
child per task, so a task pays for neither interpreter start-up nor flowc's imports.

Each task still runs in its own process (the forked child), runs the same entry as `flowc step`
(`flowc.cli.main`) with the argv `step_command` built, and exits with the same code. The server never
imports the user's flow, so every child imports it afresh, as a task does in production.

Run as `python -m flowc.runner.forkserver` by `ForkServer.start`; it reads JSON lines on stdin and
writes JSON lines to stdout:

    scheduler -> server  {"op": "run", "id": 7, "argv": ["step", ...], "log": "/path/attempt-0.log"}
                         {"op": "signal", "ids": [7, 8], "sig": 2}
                         {"op": "env", "env": {"NAME": "value", ...}}   the environment of later tasks
                         {"op": "code", "datastore": "...", "flow": "F", "code": "<id>"}  read once
    server -> scheduler  {"id": 7, "pid": 1234}      forked
    child  -> scheduler  {"id": 7, "exit": 0, "pid": 1234}   its own exit code, written just before it exits
    server -> scheduler  {"id": 7, "status": -9}     reaped (an exit code, or minus the signal)

`flowc run` starts the server before it analyses the flow, so the interpreter's start-up and the
imports overlap that work; the tasks' environment, known only after the analysis, follows in an
"env" request. A "code" request has the server read the run's code package (`flowc.runner.code.fetch`:
the extracted package and its IR, never the user's module) once, so that every child inherits it
instead of reading and parsing it again.

The child reports its own exit code so that tasks already running still report when the server dies;
the server's report covers a child that could not (killed by a signal, `os._exit`). The scheduler takes
the first report per task. The server exits when its stdin reaches EOF (the scheduler closed it or died).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import select
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from flowc.runner import pgroup

# A task whose process ended without a report while the server (which would have seen why) was dead.
EXIT_UNKNOWN = 255

_PIPE_BUF = 4096  # writes up to this size to a pipe are atomic, so reports from many children never interleave


def available() -> bool:
    return hasattr(os, "fork") and hasattr(signal, "SIGCHLD") and hasattr(signal, "set_wakeup_fd")


def _send(fd: int, message: Mapping[str, Any]) -> None:
    data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
    assert len(data) <= _PIPE_BUF
    with contextlib.suppress(OSError):  # the scheduler is gone: nobody to tell
        os.write(fd, data)


# -- the server (its own process) ------------------------------------------------------------------


def _preload() -> None:
    # What `flowc step` imports on its way to the user's code; nothing of the user's.
    import argparse  # noqa: F401

    import flowc.cards
    import flowc.cli
    import flowc.commands.step
    import flowc.runner.command
    import flowc.runner.params
    import flowc.runner.task

    flowc.cli.step_parser()


def _read_code(datastore: str, flow: str, code_id: str) -> None:
    from flowc.datastore.store import FlowDatastore
    from flowc.runner import code

    # Whatever fails here fails again in each task, which reads the package itself and says why.
    with contextlib.suppress(Exception):
        code.fetch(FlowDatastore.open(datastore, flow), code_id)


def _exit_code(value: object) -> int:
    """The process exit code `sys.exit(value)` gives in a fresh interpreter."""
    if value is None:
        return 0
    if isinstance(value, int):
        return value & 0xFF
    print(value, file=sys.stderr)
    return 1


def _join_threads() -> None:
    # A fresh interpreter waits for non-daemon threads before it exits; os._exit would not.
    me = threading.current_thread()
    for t in threading.enumerate():
        if t is not me and not t.daemon:
            t.join()


class _Server:
    def __init__(self, req_fd: int, resp_fd: int, saved: Mapping[signal.Signals, Any]) -> None:
        self.req_fd = req_fd
        self.resp_fd = resp_fd
        self.saved = saved  # the signal handlers a fresh interpreter has, for the children
        self.children: dict[int, int] = {}  # pid -> task id, until reaped
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def serve(self) -> int:
        # SIGCHLD's handler does nothing; its byte on the wakeup fd is what wakes select to reap.
        signal.signal(signal.SIGCHLD, lambda signum, frame: None)
        signal.set_wakeup_fd(self.wake_w, warn_on_full_buffer=False)
        buf = b""
        while True:
            readable, _, _ = select.select([self.req_fd, self.wake_r], [], [])
            if self.wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    while os.read(self.wake_r, 512):
                        pass
            self._reap()
            if self.req_fd not in readable:
                continue
            data = os.read(self.req_fd, 1 << 16)
            if not data:
                break
            buf += data
            *lines, buf = buf.split(b"\n")
            for line in lines:
                if line:
                    self._handle(json.loads(line))
        # EOF: the scheduler is done or gone. Children still running report for themselves; whatever
        # is left after we exit is reparented and reaped by the system.
        self._reap()
        return 0

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            task = self.children.pop(pid, None)
            if task is not None:
                pgroup.end_leftovers(pid)  # what the task started ends with it
                _send(self.resp_fd, {"id": task, "status": os.waitstatus_to_exitcode(status)})

    def _handle(self, req: dict[str, Any]) -> None:
        if req["op"] == "env":
            # Children inherit the server's environment, as a spawned task gets the scheduler's.
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in req["env"].items()})
            return
        if req["op"] == "code":
            _read_code(str(req["datastore"]), str(req["flow"]), str(req["code"]))
            return
        if req["op"] == "signal":
            wanted = set(req["ids"])
            for pid, task in self.children.items():
                if task in wanted:
                    # Only children not yet reaped: their pids cannot have been reused.
                    pgroup.signal_group(pid, int(req["sig"]))
            return
        task = int(req["id"])
        pid = os.fork()
        if pid == 0:
            self._child(task, list(req["argv"]), str(req["log"]))
        self.children[pid] = task
        _send(self.resp_fd, {"id": task, "pid": pid})

    def _child(self, task: int, argv: list[str], log: str) -> NoReturn:
        code = 1
        me = os.getpid()
        try:
            pgroup.lead()
            signal.set_wakeup_fd(-1)
            for sig, handler in self.saved.items():
                signal.signal(sig, handler)
            for fd in (self.req_fd, self.wake_r, self.wake_w):
                os.close(fd)
            # The same file descriptors a spawned task gets: no stdin, stdout and stderr to its log.
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.close(null)
            out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(out, 1)
            os.dup2(out, 2)
            os.close(out)
            # The stdlib reseeds `random` at fork already; said again here because foreach tasks
            # sharing one random state would be a silent, serious bug.
            import random

            random.seed()
            sys.argv = [str(Path(__file__).parents[1] / "__main__.py"), *argv]
            from flowc import cli

            try:
                code = _exit_code(cli.main(argv))
            except SystemExit as exc:
                code = _exit_code(exc.code)
            except KeyboardInterrupt:
                code = 130
            _join_threads()
            atexit._run_exitfuncs()
        except BaseException:
            with contextlib.suppress(BaseException):
                traceback.print_exc()
            code = 1
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(BaseException):
                    stream.flush()
            # A process the step forked (and that returned here) is not the task: only the task reports.
            if os.getpid() == me:
                # With its pid: a quick child's report can come before the server's.
                _send(self.resp_fd, {"id": task, "exit": code, "pid": me})
            os._exit(code)


def main() -> int:
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGCHLD)}
    # Ctrl-C at a terminal reaches the whole process group: the scheduler decides what the tasks get,
    # and the server must live on to report how they ended.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # Requests and reports move off fds 0 and 1, so nothing printed by accident can corrupt them and
    # children get /dev/null and their log there instead. os.dup's copies are not inherited by
    # anything a task execs.
    req_fd, resp_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    _preload()
    # What the imports allocated stays out of the collector's sight, so collections in the children
    # do not write to (and copy) the pages they share with the server.
    gc.freeze()
    return _Server(req_fd, resp_fd, saved).serve()


# -- the scheduler's end ---------------------------------------------------------------------------


class Forked:
    """A task handed to the fork server. `on_exit` gets its exit code once, or None when it never
    started because the server died first (the caller then starts it another way)."""

    def __init__(self, server: ForkServer, task_id: int, on_exit: Callable[[int | None], None]) -> None:
        self.server = server
        self.id = task_id
        self.pid: int | None = None
        self.returncode: int | None = None
        self._on_exit = on_exit
        self._done = threading.Event()

    def _finish(self, code: int | None) -> None:
        self.returncode = code
        self._done.set()
        self._on_exit(code)

    def send_signal(self, sig: int) -> None:
        self.server.signal([self], sig)

    def wait(self, timeout: float | None = None) -> bool:
        """True once the task has ended (or was given back unstarted)."""
        return self._done.wait(timeout)


class ForkServer:
    """The scheduler's handle on a fork server process. Thread-safe; one reader thread delivers
    reports to each task's `on_exit`."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdin is not None and proc.stdout is not None
        self.proc = proc
        self._req = proc.stdin
        self._resp_fd = proc.stdout.fileno()
        self._lock = threading.Lock()
        self._next_id = 0
        self._tasks: dict[int, Forked] = {}  # submitted, no report yet
        self._dead = False
        self._reader = threading.Thread(target=self._read_loop, name="flowc-forkserver-reader", daemon=True)
        self._reader.start()

    @classmethod
    def start(cls, env: Mapping[str, str]) -> ForkServer | None:
        """Start a server, or None where that is not possible (the caller spawns tasks instead)."""
        if not available():
            return None
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", "flowc.runner.forkserver"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=dict(env),
            )
        except OSError:
            return None
        return cls(proc)

    @property
    def alive(self) -> bool:
        return not self._dead

    def submit(self, argv: Sequence[str], log: Path, on_exit: Callable[[int | None], None]) -> Forked | None:
        """Ask the server to run `flowc <argv>` with its output to `log`. None when the server is gone."""
        with self._lock:
            if self._dead:
                return None
            self._next_id += 1
            task = Forked(self, self._next_id, on_exit)
            self._tasks[task.id] = task
            line = json.dumps({"op": "run", "id": task.id, "argv": list(argv), "log": str(log)}) + "\n"
            try:
                self._req.write(line.encode())
                self._req.flush()
            except (OSError, ValueError):
                # The server is gone; the reader thread gives back whatever else was waiting on it.
                del self._tasks[task.id]
                return None
        return task

    def _request(self, message: Mapping[str, Any]) -> None:
        with self._lock, contextlib.suppress(OSError, ValueError):
            # A server that is gone has nothing to set up: its tasks are spawned instead.
            if not self._dead:
                self._req.write((json.dumps(message) + "\n").encode())
                self._req.flush()

    def set_env(self, env: Mapping[str, str]) -> None:
        """The environment of the tasks submitted from now on."""
        self._request({"op": "env", "env": dict(env)})

    def read_code(self, datastore: str, flow: str, code_id: str) -> None:
        """Have the server read a code package once, for the tasks submitted from now on."""
        self._request({"op": "code", "datastore": datastore, "flow": flow, "code": code_id})

    def signal(self, tasks: Sequence[Forked], sig: int) -> None:
        line = json.dumps({"op": "signal", "ids": [t.id for t in tasks], "sig": sig}) + "\n"
        with self._lock:
            try:
                if not self._dead:
                    self._req.write(line.encode())
                    self._req.flush()
                    return
            except (OSError, ValueError):
                pass
        # No server to ask: signal the pids it reported. Unlike the server we cannot know whether a
        # pid was already reaped, but its task has then reported or is about to.
        for t in tasks:
            if t.pid is not None and not t._done.is_set():
                pgroup.signal_group(t.pid, sig)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the server: EOF on its stdin ends it. Tasks still running report as they finish."""
        with self._lock, contextlib.suppress(OSError):
            self._req.close()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if threading.current_thread() is not self._reader:
            # The reader ends at the pipe's EOF, which the server's exit brings unless a process a
            # task left behind still holds the pipe: `flowc run` then exits the slow way (cli.entry).
            self._reader.join(timeout=1.0)

    # -- the reader thread -------------------------------------------------------------------------

    def _read_loop(self) -> None:
        buf = b""
        fd = self._resp_fd
        try:
            while True:
                # The timeout only notices a dead server whose children still hold the pipe open.
                readable, _, _ = select.select([fd], [], [], 0.2)
                if readable:
                    data = os.read(fd, 1 << 16)
                    if not data:
                        break
                    buf += data
                    *lines, buf = buf.split(b"\n")
                    for line in lines:
                        self._report(json.loads(line))
                if not self._dead and self.proc.poll() is not None:
                    buf = self._server_died(buf)
        finally:
            self._server_died(buf)
            with self._lock:
                lost = list(self._tasks.values())
                self._tasks.clear()
            # Every writer of the pipe has exited: a task with no report ended without one (a signal,
            # or os._exit) while no server was there to see it.
            for t in lost:
                t._finish(EXIT_UNKNOWN)
            if self.proc.stdout is not None:
                self.proc.stdout.close()

    def _report(self, msg: dict[str, Any]) -> None:
        with self._lock:
            task = self._tasks.get(int(msg["id"]))
            if task is None:
                return
            if "pid" in msg:
                task.pid = int(msg["pid"])
            if "exit" not in msg and "status" not in msg:
                return
            del self._tasks[task.id]
        task._finish(int(msg["exit"] if "exit" in msg else msg["status"]))

    def _server_died(self, buf: bytes) -> bytes:
        """The server has exited: read what it wrote before it did, then give back every task it had
        not forked yet. Forked ones go on and report for themselves."""
        fd = self._resp_fd
        blocking = os.get_blocking(fd)
        os.set_blocking(fd, False)
        try:
            while True:
                data = os.read(fd, 1 << 16)
                if not data:
                    break
                buf += data
        except BlockingIOError:
            pass
        finally:
            os.set_blocking(fd, blocking)
        *lines, buf = buf.split(b"\n")
        for line in lines:
            self._report(json.loads(line))
        with self._lock:
            self._dead = True
            unstarted = [t for t in self._tasks.values() if t.pid is None]
            for t in unstarted:
                del self._tasks[t.id]
        for t in unstarted:
            t._finish(None)
        return buf


if __name__ == "__main__":
    # Straight out: the server owns no buffered output nor files to close, and tearing down every
    # module it imported would only make `flowc run` wait longer at its end.
    os._exit(main())
