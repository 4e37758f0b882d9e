"""A task's process group: everything a task starts ends with it.

`flowc run` starts each task as the leader of its own process group (forked by the fork server, or
spawned). Signals for a task (Ctrl-C forwarded by the scheduler, a kill) go to the whole group, and
once the task's own process has exited, whatever it left behind in its group (a `subprocess.Popen`
never waited for, a daemon it forked) is killed. A process that leaves the group on purpose
(`setsid`, `start_new_session=True`) is beyond this, as it would be beyond a container's end.

The group's id is the task's pid. POSIX does not reuse a process id while a group of that id still
has members, so signalling the group after the leader was reaped reaches only its own leftovers.
"""

from __future__ import annotations

import contextlib
import os
import signal


def lead() -> None:
    """In the task's process, first thing: become the leader of a new process group."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)


def signal_group(pid: int, sig: int) -> None:
    """Send `sig` to the task whose process is `pid` and to everything in its group."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def end_leftovers(pid: int) -> None:
    """After the task's process `pid` exited: kill what is left in its group."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
