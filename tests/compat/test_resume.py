"""`flowc resume` (and `python flow.py resume`): a new run that clones the origin run's completed tasks
by reference and reruns the rest: after a failure, from a named step with changed code, after a killed
run; `current.origin_run_id`; what is refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flowc.client import Run

FLOW = """\
import os
from metaflow import FlowSpec, Parameter, current, step


def ran(name):
    # Counts executions, so a test can tell a cloned task (never ran again) from a rerun one.
    with open(os.path.join(os.environ["RAN_DIR"], name), "a") as f:
        f.write("x")


class ResumeFlow(FlowSpec):
    n = Parameter("n", default=3)

    @step
    def start(self):
        ran("start")
        self.items = list(range(self.n))
        self.next(self.work, foreach="items")

    @step
    def work(self):
        ran(f"work-{self.input}")
        if self.input == 1 and os.path.exists(os.environ["BREAK"]):
            raise RuntimeError("broken on purpose")
        self.value = self.input * 10
        self.seen_origin = current.origin_run_id
        self.next(self.join)

    @step
    def join(self, inputs):
        ran("join")
        self.values = [i.value for i in inputs]
        self.next(self.end)

    @step
    def end(self):
        ran("end")
        self.total = sum(self.values)
        self.seen_origin = current.origin_run_id


if __name__ == "__main__":
    ResumeFlow()
"""


class Work:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.ran = root / "ran"
        self.ran.mkdir()
        self.brk = root / "break"
        (root / "flow.py").write_text(FLOW)

    def env(self) -> dict[str, str]:
        return {**os.environ, "RAN_DIR": str(self.ran), "BREAK": str(self.brk), "USER": "alice"}

    def flowc(self, *argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flowc", *argv],
            cwd=self.root,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=180,
        )

    def runs(self, name: str) -> int:
        p = self.ran / name
        return len(p.read_text()) if p.exists() else 0

    def run(self, run_id: str) -> Run:
        return Run(f"ResumeFlow/{run_id}", datastore=self.root / ".flowc", _namespace_check=False)


@pytest.fixture
def work(tmp_path: Path) -> Work:
    return Work(tmp_path)


def test_resume_after_a_failure_reuses_what_completed_and_runs_the_rest(work: Work) -> None:
    work.brk.touch()
    failed = work.flowc("run", "flow.py", "--run-id", "r1", "--param", "n=4", "--max-workers", "1")
    assert failed.returncode == 1
    done_before = {t.id for t in work.run("r1")["work"] if t.finished}
    work.brk.unlink()
    blobs_before = sorted((work.root / ".flowc" / "ResumeFlow" / "data").rglob("*"))

    resumed = work.flowc("resume", "flow.py", "--run-id", "r2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming run r1" in resumed.stdout and "start                    cloned from run r1" in resumed.stdout

    run = work.run("r2")
    assert run.successful and run.data is not None and run.data.total == 60 and run.data.values == [0, 10, 20, 30]
    assert run.origin_pathspec == "ResumeFlow/r1" and run.data.seen_origin == "r1"
    # Parameters are the origin's (n=4), though resume was not given them.
    assert run.parameters["n"] == 4
    assert work.runs("start") == 1 and work.runs("work-0") == 1 and work.runs("work-1") == 2
    for task in run["work"]:
        cloned = task.id in done_before
        assert (task.origin_pathspec is not None) is cloned
        if cloned:  # by reference: the very same artifact blobs, never run again
            origin = work.run("r1")["work"][task.id]
            assert task["value"].sha == origin["value"].sha
            assert task.data.seen_origin is None  # it ran in r1, which resumed nothing
        else:
            assert task.data.seen_origin == "r1"
    blobs_after = sorted((work.root / ".flowc" / "ResumeFlow" / "data").rglob("*"))
    assert set(blobs_before) <= set(blobs_after)


def test_resume_from_a_step_reruns_it_and_everything_after_with_the_changed_code(work: Work) -> None:
    assert work.flowc("run", "flow.py", "--run-id", "r1").returncode == 0
    (work.root / "flow.py").write_text(FLOW.replace("self.total = sum(self.values)", "self.total = max(self.values)"))
    resumed = work.flowc("resume", "flow.py", "join", "--origin-run-id", "r1", "--run-id", "r2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    run = work.run("r2")
    assert run.data is not None and run.data.total == 20  # the changed end step ran
    assert work.runs("start") == 1 and work.runs("work-2") == 1  # cloned
    assert work.runs("join") == 2 and work.runs("end") == 2  # rerun
    assert run["join"].task.origin_pathspec is None  # type: ignore[union-attr]
    assert run["work"]["2"].origin_pathspec == "ResumeFlow/r1/work/2"
    assert run.metadata is not None and run.metadata["resumed_from_step"] == "join"


def test_python_flow_py_resume_is_the_same(work: Work) -> None:
    work.brk.touch()
    assert work.flowc("run", "flow.py", "--run-id", "r1").returncode == 1
    work.brk.unlink()
    proc = subprocess.run(
        [sys.executable, "flow.py", "resume", "--origin-run-id", "r1", "--run-id-file", "id.txt"],
        cwd=work.root,
        env=work.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    new_id = (work.root / "id.txt").read_text()
    assert work.run(new_id).successful and work.run(new_id).origin_pathspec == "ResumeFlow/r1"


def test_resume_after_a_killed_run(work: Work) -> None:
    slow = FLOW.replace('ran("join")', 'ran("join"); import time; time.sleep(60)')
    (work.root / "flow.py").write_text(slow)
    proc = subprocess.Popen(
        [sys.executable, "-m", "flowc", "run", "flow.py", "--run-id", "r1", "--spawn"],
        cwd=work.root,
        env=work.env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while work.runs("join") == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert work.runs("join") == 1, "the run did not reach its join"
    os.killpg(proc.pid, signal.SIGKILL)  # flowc run and its tasks, as a crash or kill -9 would
    proc.wait(timeout=30)
    assert work.run("r1").status == "died"  # run.json still says running; its process is gone

    (work.root / "flow.py").write_text(FLOW)
    resumed = work.flowc("resume", "flow.py", "--run-id", "r2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    run = work.run("r2")
    assert run.successful and run.data is not None and run.data.total == 30
    assert work.runs("work-0") == 1 and work.runs("join") == 2


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["resume", "flow.py", "--origin-run-id", "nope"], "no run 'nope' of ResumeFlow"),
        (["resume", "flow.py", "wrok", "--origin-run-id", "r1"], "the flow has no step 'wrok'"),
        (["resume", "flow.py", "--param", "n=2"], "--param is not accepted"),
    ],
)
def test_what_cannot_be_resumed_is_a_usage_error(work: Work, argv: list[str], message: str) -> None:
    assert work.flowc("run", "flow.py", "--run-id", "r1").returncode == 0
    proc = work.flowc(*argv)
    assert proc.returncode == 2 and message in proc.stderr, proc.stdout + proc.stderr


def test_resume_with_no_earlier_run_says_so(work: Work) -> None:
    proc = work.flowc("resume", "flow.py")
    assert proc.returncode == 2 and "no earlier run of ResumeFlow" in proc.stderr
