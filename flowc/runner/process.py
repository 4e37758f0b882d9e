"""The task's process while the user's code runs: what the runner sets up, and how the process may end.

- `@environment(vars=...)`: set for the task before the flow's module is imported (so module-level code
  sees them too, as in a deployed task), and restored afterwards.
- A step finishes only by returning. `sys.exit()` raises SystemExit, which the runner turns into a
  failed task (see `ended_by`); `os._exit()` called by the step's own process prints what happened and
  ends the process with EXIT_STEP_FAILED, never 0; SIGTERM prints a line, then ends the process by the
  signal as it would have. A process the step forks (multiprocessing) is left alone while the task
  runs; under `flowc run` whatever is left of the task's process group when it ends is killed
  (flowc.runner.pgroup).

Everything is undone when the task's code is done, so a process that runs several tasks (tests, a
notebook) sees each task's surroundings only during that task.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, NoReturn

# os._exit as Python gives it, for the runner's own use (the @timeout watchdog) while a task runs.
REAL_EXIT = os._exit
EXIT_STEP_FAILED = 1


def ended_by(exc: SystemExit) -> str:
    """Why a task whose step raised SystemExit failed, in words."""
    code = exc.code
    how = "sys.exit()" if code is None else f"sys.exit({code!r})"
    return (
        f"the step called {how} (SystemExit) before it finished; a step finishes by returning after "
        f"self.next(...), so the task failed whatever the exit code"
    )


@contextmanager
def environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Set `variables` in os.environ for the block; put back what was there before."""
    if not variables:
        yield
        return
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@contextmanager
def exit_guards(task: str) -> Iterator[None]:
    """While the block runs: `os._exit` from this process, and SIGTERM, end the task saying so."""
    owner = os.getpid()

    def guarded_exit(status: int) -> NoReturn:
        if os.getpid() == owner:
            _say(f"flowc: step {task} called os._exit({status}) before it finished; the task failed")
            REAL_EXIT(EXIT_STEP_FAILED)
        REAL_EXIT(status)

    def on_term(signum: int, frame: Any) -> None:
        _say(f"flowc: task {task} received SIGTERM (stopped from outside); the task failed")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_term) if in_main else None
    os._exit = guarded_exit
    try:
        yield
    finally:
        os._exit = REAL_EXIT
        if in_main:
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


def _say(line: str) -> None:
    for stream in (sys.stdout, sys.stderr):
        # A closed or broken stream: the message below still goes out.
        with contextlib.suppress(Exception):
            stream.flush()
    os.write(2, (line + "\n").encode(errors="replace"))


@contextmanager
def task_process(task: str, variables: Mapping[str, str]) -> Iterator[None]:
    """Both of the above, for the user's code of one task (its module's import and its step)."""
    with environment(variables), exit_guards(task):
        yield
