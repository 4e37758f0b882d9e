"""Whether a `flowc run` that recorded itself as running still is: its owner and its heartbeat.

`flowc run` writes `status: running` into run.json when it starts and the final status when it ends.
A process that dies in between (SIGKILL, a lost machine) never writes the second, so run.json alone
would say "running" forever. So the run also records its `owner` (host, pid and the process's start
time, which tells a reused pid apart) and a heartbeat thread rewrites `heartbeat.json` beside run.json
every HEARTBEAT_SECONDS. A reader decides:

- on the owner's host: alive while that process (same pid, same start time) exists;
- elsewhere (a shared folder, S3): alive while the heartbeat is younger than LEASE_SECONDS.

A run found dead shows as `died` (`flowc runs`, the client's `Run.status`); `flowc resume` starts from
it like from a failed run.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

HEARTBEAT_SECONDS = 5.0
LEASE_SECONDS = 60.0
DIED = "died"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), or None where unknown."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode(errors="replace")
    except OSError:
        return None
    # Field 22; the command name (field 2) may hold spaces and parentheses, so count after its end.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def owner() -> dict[str, Any]:
    """This process, as run.json records the owner of a run."""
    pid = os.getpid()
    return {"host": os.uname().nodename, "pid": pid, "pid_started": _start_time(pid)}


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def alive(meta: Mapping[str, Any], heartbeat: Mapping[str, Any] | None, now: float | None = None) -> bool:
    """Whether the process that owns a run recorded as running is still there (module docstring).
    A run without an owner (written by an older flowc, or by an orchestrator) counts as alive."""
    who = meta.get("owner")
    if not isinstance(who, Mapping):
        return True
    if who.get("host") == os.uname().nodename and isinstance(who.get("pid"), int):
        pid = who["pid"]
        if not _process_exists(pid):
            return False
        started = who.get("pid_started")
        return started is None or _start_time(pid) in (None, started)
    now = time.time() if now is None else now
    at = (heartbeat or {}).get("at", meta.get("started_at"))
    return isinstance(at, (int, float)) and now - at < LEASE_SECONDS


@contextlib.contextmanager
def heartbeat(put: Any, key: str, chores: Callable[[], object] | None = None) -> Iterator[None]:
    """Write `{"at": now, ...owner}` to `key` with `put(key, bytes)` now and every HEARTBEAT_SECONDS
    until the block ends. A failed write is retried at the next beat (the run goes on). `chores` runs
    once after the first beat, off the run's path (sweeping what dead writers left)."""
    stop = threading.Event()
    me = owner()

    def beat() -> None:
        chore = chores
        while True:
            with contextlib.suppress(Exception):
                put(key, json.dumps({**me, "at": round(time.time(), 3)}, sort_keys=True).encode())
            if chore is not None:
                with contextlib.suppress(Exception):
                    chore()
                chore = None
            if stop.wait(HEARTBEAT_SECONDS):
                return

    thread = threading.Thread(target=beat, name="flowc-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=1.0)  # a beat after the final status is harmless; chores may go on
