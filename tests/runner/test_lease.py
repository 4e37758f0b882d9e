"""A run whose `flowc run` process died is shown as died, and resume starts from it (issue 11)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from flowc.cli import main
from flowc.datastore import layout
from flowc.runner import lease

WAITING_FLOW = textwrap.dedent(
    """
    import os, time
    from flowc import FlowSpec, step

    class WaitFlow(FlowSpec):
        @step
        def start(self):
            # Waits until the test lets it go: the test kills `flowc run` while this task runs.
            while not os.path.exists(os.environ["WAIT_FLAG"]):
                time.sleep(0.05)
            self.x = 1
            self.next(self.end)

        @step
        def end(self):
            self.y = self.x + 1
    """
).lstrip()


def test_a_dead_owner_on_this_host_means_died() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    meta = {"status": "running", "owner": {"host": socket.gethostname(), "pid": proc.pid, "pid_started": "1"}}
    assert not lease.alive(meta, None)
    assert lease.alive({"status": "running", "owner": lease.owner()}, None)


def test_a_reused_pid_is_not_the_owner() -> None:
    me = lease.owner()
    assert not lease.alive({"owner": {**me, "pid_started": "not-my-start-time"}}, None) or me["pid_started"] is None


def test_elsewhere_the_heartbeat_decides() -> None:
    meta = {"owner": {"host": "another-host", "pid": 1}, "started_at": 1000.0}
    assert lease.alive(meta, {"at": 1000.0}, now=1000.0 + lease.LEASE_SECONDS - 1)
    assert not lease.alive(meta, {"at": 1000.0}, now=1000.0 + lease.LEASE_SECONDS + 1)
    assert not lease.alive(meta, None, now=1000.0 + lease.LEASE_SECONDS + 1)


def test_a_run_without_an_owner_is_taken_at_its_word() -> None:
    assert lease.alive({"status": "running"}, None)


def test_killed_run_shows_as_died_and_resume_starts_from_it(tmp_path: Path, capsys) -> None:
    flow = tmp_path / "wait_flow.py"
    flow.write_text(WAITING_FLOW)
    ds = tmp_path / "ds"
    flag = tmp_path / "go"
    env = {**os.environ, "WAIT_FLAG": str(flag)}
    run = subprocess.Popen(
        [sys.executable, "-m", "flowc", "run", str(flow), "--datastore", str(ds), "--run-id", "r1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    beat = ds / layout.heartbeat_key("WaitFlow", "r1")
    log = ds / "WaitFlow" / "runs" / "r1" / "logs" / "start"
    try:
        while not (beat.exists() and log.exists()):
            assert run.poll() is None, "flowc run ended before the test could kill it"
            time.sleep(0.05)
    finally:
        run.send_signal(signal.SIGKILL)
        run.wait()
        flag.touch()  # let the orphaned task end

    assert main(["runs", str(flow), "--datastore", str(ds)]) == 0
    out = capsys.readouterr().out
    assert any(line.split()[:2] == ["r1", "died"] for line in out.splitlines()), out

    os.environ["WAIT_FLAG"] = str(flag)
    try:
        code = main(["resume", str(flow), "--datastore", str(ds), "--origin-run-id", "r1", "--run-id", "r2"])
    finally:
        del os.environ["WAIT_FLAG"]
    assert code == 0, capsys.readouterr().err
    from flowc.datastore.store import FlowDatastore

    store = FlowDatastore.open(str(ds), "WaitFlow")
    assert store.task_artifacts("r2", "end")["y"] == 2
    assert store.read_run_meta("r2")["status"] == "succeeded"


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_temporary_files_of_dead_writers_are_swept(tmp_path: Path) -> None:
    from flowc.datastore.storage import LocalStorage

    folder = tmp_path / "F" / "data" / "ab"
    folder.mkdir(parents=True)
    dead = folder / f".abc.{_dead_pid()}.1.tmp"
    mine = folder / f".abd.{os.getpid()}.1.tmp"
    fresh = folder / f".abe.{_dead_pid()}.2.tmp"
    for p in (dead, mine, fresh):
        p.write_bytes(b"partial")
    old = time.time() - 3600
    os.utime(dead, (old, old))
    os.utime(mine, (old, old))
    removed = LocalStorage(tmp_path).sweep_temporaries("F")
    assert removed == [str(dead)]
    assert not dead.exists() and mine.exists() and fresh.exists()


def test_flowc_run_sweeps_what_a_killed_run_left(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    leftover = ds / "LinearFlow" / "data" / "ab" / f".abc.{_dead_pid()}.7.tmp"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half an artifact")
    old = time.time() - 3600
    os.utime(leftover, (old, old))
    shapes = Path(__file__).parents[1] / "shapes"
    assert main(["run", str(shapes / "linear.py"), "--datastore", str(ds)]) == 0
    for _ in range(200):  # the sweep runs beside the run, in the heartbeat's thread
        if not leftover.exists():
            break
        time.sleep(0.05)
    assert not leftover.exists()
