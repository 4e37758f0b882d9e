"""`flowc run`'s fork server: every task still runs in its own process, forked from a server that has
imported the runner once; `--spawn` (or a server that cannot start or dies) starts fresh interpreters."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flowc.datastore.store import FlowDatastore
from flowc.runner import forkserver
from flowc.runner.forkserver import ForkServer
from flowc.runner.scheduler import LocalScheduler
from flowc.runner.task import EXIT_INTERRUPTED, EXIT_STEP_FAILED, EXIT_TASK_ERROR, EXIT_TIMEOUT, EXIT_USAGE

pytestmark = pytest.mark.skipif(not forkserver.available(), reason="no os.fork here")

FLOW = """
import os, random, signal, sys, time
from pathlib import Path

from flowc import FlowSpec, Parameter, step

LOADED_IN = os.getpid()  # module-level code: must run in every task's own process


class ForkFlow(FlowSpec):
    mode = Parameter("mode", default="ok")

    @step
    def start(self):
        self.items = list(range(4))
        self.next(self.body, foreach="items")

    @step
    def body(self):
        self.pid, self.ppid, self.loaded_in = os.getpid(), os.getppid(), LOADED_IN
        self.rand = random.random()
        self.argv1 = sys.argv[1]
        if os.environ.get("FORK_TEST_DIR"):
            Path(os.environ["FORK_TEST_DIR"], f"{self.index}.pid").write_text(f"{self.pid} {self.ppid}")
        if self.mode == "crash":
            # Kill the fork server (our parent, when it is not the scheduler) while others wait their turn.
            if self.index == 0 and self.ppid != int(os.environ["FORK_TEST_RUN_PID"]):
                os.kill(self.ppid, signal.SIGKILL)
            time.sleep(0.3)
        if self.mode == "kill" and self.index == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.mode == "sleep":
            time.sleep(60)
        self.next(self.join)

    @step
    def join(self, inputs):
        self.tasks = [
            {"pid": i.pid, "ppid": i.ppid, "loaded_in": i.loaded_in, "rand": i.rand, "argv1": i.argv1}
            for i in inputs
        ]
        self.next(self.end)

    @step
    def end(self):
        pass
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    path = tmp_path / "fork_flow.py"
    path.write_text(FLOW)
    return path


def popen_run(tmp_path: Path, flow: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "flowc", "run", str(flow), "--datastore", str(tmp_path / "ds"), "--run-id", "t1",
         "--max-workers", "2", *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path, env={**os.environ, **(env or {})},
    )  # fmt: skip


def tasks_of(tmp_path: Path, run_id: str = "t1") -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = FlowDatastore.open(str(tmp_path / "ds"), "ForkFlow").task_artifacts(run_id, "join")[
        "tasks"
    ]
    return tasks


def gone(pid: int) -> bool:
    """The process has exited: no such pid, or a zombie nobody reaps (which is not ours to reap)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    stat = Path(f"/proc/{pid}/stat")
    try:
        return stat.read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def wait_gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not gone(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# -- flowc run -------------------------------------------------------------------------------------


def test_flowc_run_forks_every_task_from_one_server(tmp_path, flow_file):
    proc = popen_run(tmp_path, flow_file)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    tasks = tasks_of(tmp_path)
    pids = {t["pid"] for t in tasks}
    servers = {t["ppid"] for t in tasks}
    assert len(pids) == 4 and proc.pid not in pids
    assert len(servers) == 1 and servers != {proc.pid}  # one parent, and not the scheduler: the server
    assert all(t["loaded_in"] == t["pid"] for t in tasks)  # the user's module was imported in the task
    assert all(t["argv1"] == "step" for t in tasks)
    assert len({t["rand"] for t in tasks}) == 4  # each child has its own random state
    assert all(wait_gone(pid) for pid in pids | servers)  # children reaped, server ended with the run


@pytest.mark.parametrize("how", ["flag", "env"])
def test_spawn_starts_fresh_interpreters_with_the_same_results(tmp_path, flow_file, how):
    args, env = (["--spawn"], None) if how == "flag" else ([], {"FLOWC_RUN_SPAWN": "1"})
    proc = popen_run(tmp_path, flow_file, *args, env=env)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, out + err
    tasks = tasks_of(tmp_path)
    assert {t["ppid"] for t in tasks} == {proc.pid}  # started by the scheduler itself
    assert all(t["loaded_in"] == t["pid"] and t["argv1"] == "step" for t in tasks)
    assert len({t["rand"] for t in tasks}) == 4
    assert "succeeded: 7 tasks" in out


@pytest.mark.parametrize("spawn", [False, True], ids=["fork", "spawn"])
def test_a_task_killed_by_a_signal_fails_the_run(tmp_path, flow_file, spawn):
    proc = popen_run(tmp_path, flow_file, "--param", "mode=kill", *(["--spawn"] if spawn else []))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "task body/1 failed (killed by SIGKILL, attempt 0)" in err
    assert "log: " in err
    assert FlowDatastore.open(str(tmp_path / "ds"), "ForkFlow").read_run_meta("t1")["status"] == "failed"


def test_ctrl_c_stops_forked_tasks_and_the_server(tmp_path, flow_file):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    proc = popen_run(tmp_path, flow_file, "--param", "mode=sleep", env={"FORK_TEST_DIR": str(pid_dir)})
    deadline = time.monotonic() + 30
    while len(list(pid_dir.glob("*.pid"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    found = [tuple(map(int, p.read_text().split())) for p in pid_dir.glob("*.pid")]
    assert len(found) == 2
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)  # the tasks sleep: a run that waited for them times out here
    assert proc.returncode == 130
    assert "flowc run: interrupted" in err
    for pid, server in found:
        assert server != proc.pid
        assert wait_gone(pid) and wait_gone(server)
    logs = sorted((tmp_path / "ds").rglob("body/*/attempt-0.log"))
    assert logs and all("interrupted" in log.read_text() for log in logs)


# -- falling back ----------------------------------------------------------------------------------


def scheduler_for(harness: Any, flow_file: Path, mode: str) -> tuple[Any, LocalScheduler]:
    h = harness(flow_file)
    return h, LocalScheduler(
        h.flow,
        code_id=h.code,
        run_id=h.run_id,
        store=h.store,
        log_root=h.root,
        params={"mode": mode},
        max_workers=2,
        env={"FORK_TEST_RUN_PID": str(os.getpid())},
    )


def test_a_crashed_server_falls_back_to_spawning(harness, flow_file):
    h, scheduler = scheduler_for(harness, flow_file, "crash")
    result = scheduler.run()
    assert result.ok, result.failures
    tasks = h.store.task_artifacts(h.run_id, "join")["tasks"]
    assert tasks[0]["ppid"] != os.getpid()  # forked; it killed the server and still reported its exit
    assert any(t["ppid"] == os.getpid() for t in tasks[1:])  # later ones were spawned
    assert result.tasks_done == 7


def test_a_server_that_dies_at_once_falls_back_to_spawning(harness, flow_file, monkeypatch):
    def dead_server(env: Any) -> ForkServer:
        proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE)  # fmt: skip
        return ForkServer(proc)

    monkeypatch.setattr(ForkServer, "start", staticmethod(dead_server))
    h, scheduler = scheduler_for(harness, flow_file, "ok")
    result = scheduler.run()
    assert result.ok, result.failures
    assert {t["ppid"] for t in h.store.task_artifacts(h.run_id, "join")["tasks"]} == {os.getpid()}


def test_without_fork_tasks_are_spawned(harness, flow_file, monkeypatch):
    monkeypatch.setattr(forkserver, "available", lambda: False)
    h, scheduler = scheduler_for(harness, flow_file, "ok")
    assert scheduler.run().ok
    assert {t["ppid"] for t in h.store.task_artifacts(h.run_id, "join")["tasks"]} == {os.getpid()}


# -- the server on its own -------------------------------------------------------------------------


@pytest.fixture
def server() -> Any:
    s = ForkServer.start({**os.environ, "PYTHONUNBUFFERED": "1", "FLOWC_TIMEOUT_GRACE_SECONDS": "0.5"})
    assert s is not None
    yield s
    s.close()
    assert s.proc.returncode == 0  # EOF on its stdin ended it


def forked(server: ForkServer, argv: list[str], log: Path) -> tuple[int, Any]:
    q: queue.Queue[int | None] = queue.Queue()
    task = server.submit(argv, log, q.put)
    assert task is not None
    code = q.get(timeout=60)
    assert code is not None
    return code, task


def test_exit_codes_and_messages_match_flowc_step(harness, server, tmp_path):
    h = harness("limits_flow.py")
    cases = [
        ("start", [], 0, ""),
        ("flaky", [], EXIT_STEP_FAILED, "KeyError: 'always'"),
        ("nope", [], EXIT_USAGE, "has no step 'nope'"),
        ("end", ["--index", "1"], EXIT_USAGE, "runs inside 0 foreach loop(s)"),
        ("end", ["--bogus"], EXIT_USAGE, "unrecognized arguments: --bogus"),
        ("end", ["--code", "0" * 16], EXIT_TASK_ERROR, "is not in"),
    ]
    h.run("start")
    h.run("flaky", attempt=1)
    h.run("slow")  # its @catch takes the timeout: 1 s
    cases.append(("slower", [], EXIT_TIMEOUT, "exceeded its @timeout of 1 s"))
    for n, (step, extra, code, message) in enumerate(cases):
        argv = h.command(step)[3:] + extra  # without `python -m flowc`, as the scheduler sends it
        got, task = forked(server, argv, tmp_path / f"{n}.log")
        spawned = subprocess.run(h.command(step) + extra, capture_output=True, text=True, timeout=60)
        text = (tmp_path / f"{n}.log").read_text()
        assert (got, spawned.returncode) == (code, code), (step, extra, text, spawned.stderr)
        assert message in text and message in spawned.stderr
        assert wait_gone(task.pid)  # reaped by the server


def test_timeout_that_is_swallowed_still_ends_a_forked_task(harness, server, tmp_path):
    h = harness("limits_flow.py")
    h.run("start", params=(("stubborn", "true"),))
    h.run("flaky", attempt=1)
    h.run("slow")
    code, _ = forked(server, h.command("slower")[3:], tmp_path / "slower.log")
    # The watchdog ends the child with os._exit: no report of its own, the server's reap gives the code.
    assert code == EXIT_TIMEOUT
    assert "did not stop; killed" in (tmp_path / "slower.log").read_text()
    assert h.manifest("slower") is None


def test_sigint_interrupts_a_forked_task(harness, server, tmp_path):
    h = harness("sleepy_flow.py")
    h.run("start")
    q: queue.Queue[int | None] = queue.Queue()
    log = tmp_path / "nap.log"
    task = server.submit(h.command("nap")[3:], log, q.put)
    assert task is not None
    deadline = time.monotonic() + 30
    while "napping" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
        time.sleep(0.05)  # until the task is in the user's code (a loaded machine takes its time)
    task.send_signal(signal.SIGINT)
    assert q.get(timeout=15) == EXIT_INTERRUPTED
    assert "task nap interrupted" in log.read_text()


def test_the_server_ends_when_its_scheduler_dies(tmp_path):
    script = (
        "import os, sys, time\n"
        "from flowc.runner.forkserver import ForkServer\n"
        "s = ForkServer.start(dict(os.environ))\n"
        "print(s.proc.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    server_pid = int(proc.stdout.readline())
    assert not gone(server_pid)
    proc.kill()
    proc.wait()
    assert wait_gone(server_pid)


def test_requests_are_json_lines_the_server_reads_whole(server, tmp_path):
    # Many requests written at once, each task answering with its own exit code.
    q: queue.Queue[int | None] = queue.Queue()
    tasks = [server.submit(["step", "--bogus", str(i)], tmp_path / f"{i}.log", q.put) for i in range(8)]
    assert all(t is not None for t in tasks)
    codes = [q.get(timeout=60) for _ in tasks]
    assert codes == [EXIT_USAGE] * 8
