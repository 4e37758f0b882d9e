"""The local scheduler behind `flowc run`: joins wait per branch and per item, loops run, forked or
spawned alike. Flows with loops use hand-built IR (tests/runner/loop_ir.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flowc.compiler import analyze
from flowc.datastore.package import build_code_package
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow
from flowc.runner.scheduler import LocalScheduler, RunResult
from tests.runner import loop_ir

FLOWS = Path(__file__).parent / "flows"
ROWS = Path(__file__).parents[1] / "conformance" / "flows" / "rows"


def run_flow(tmp_path: Path, path: Path, flow: Flow | None = None, spawn: bool = False, **params):
    flow = flow or analyze(path).flow
    assert flow is not None
    store = FlowDatastore.open(str(tmp_path / "ds"), flow.name)
    package = build_code_package(flow, path)
    store.put_code(package.id, package.data)
    events = []
    scheduler = LocalScheduler(
        flow,
        code_id=package.id,
        run_id="r1",
        store=store,
        log_root=tmp_path / "ds",
        params={p.name: params.get(p.name, p.default) for p in flow.parameters},
        max_workers=2,
        on_event=events.append,
        fork_server=not spawn,
    )
    result: RunResult = scheduler.run()
    return result, store, events


@pytest.mark.parametrize("spawn", [False, True], ids=["forked", "spawned"])
def test_loops_run_every_iteration_as_a_task(tmp_path, spawn):
    result, store, _ = run_flow(tmp_path, FLOWS / "loops_flow.py", loop_ir.foreach_loop(), spawn=spawn)
    assert result.ok, result.failures
    assert store.task_artifacts("r1", "join")["tries_by_item"][2] == (3, 4, ("2.0", "2.1", "2.2", "2.3"))
    assert sorted(i for s, i in store.completed_tasks("r1") if s == "poll") == [
        "0.0", "0.1", "0.2", "1.0", "2.0", "2.1", "2.2", "2.3"
    ]  # fmt: skip


def test_nested_loops_and_a_loop_in_a_branch_run(tmp_path):
    result, store, _ = run_flow(tmp_path / "n", FLOWS / "loops_flow.py", loop_ir.nested_loops())
    assert result.ok, result.failures
    assert store.task_artifacts("r1", "end")["log"] == ("0.0", "1.0", "1.1", "2.0", "2.1", "2.2")
    result, store, _ = run_flow(tmp_path / "b", FLOWS / "loops_flow.py", loop_ir.branch_loop())
    assert result.ok, result.failures
    assert store.task_artifacts("r1", "join")["ns"] == [4, -1]


@pytest.mark.parametrize("case", ["c", "d"])
def test_a_join_right_after_a_switch_in_a_branch_runs(tmp_path, case):
    result, store, _ = run_flow(tmp_path, ROWS / "switch_in_branch_join.py", case=case)
    assert result.ok, result.failures
    assert store.task_artifacts("r1", "join")["seen"] == [f"start>a>{case}", "start>b"]


def test_a_join_right_after_a_switch_in_a_foreach_runs(tmp_path):
    result, store, events = run_flow(tmp_path, ROWS / "switch_in_foreach_join.py")
    assert result.ok, result.failures
    assert store.task_artifacts("r1", "join")["seen"] == [(0, "odd:3"), (1, "even:4"), (2, "odd:5"), (3, "even:10")]
    done = [e for e in events if e.kind == "fanout_done"]
    assert [(e.task.name, e.count) for e in done] == [("start", 4)]


def test_flowc_run_stops_a_runaway_loop_at_its_limit(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "flowc", "run", str(FLOWS / "runaway_loop_flow.py"), "--datastore", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert "spin/2                   FAILED (exit 3, attempt 0)" in proc.stdout  # each iteration is shown
    assert "the loop at step spin reached its maximum of 3 iterations" in proc.stderr


def test_the_tail_of_a_huge_log_is_bounded(tmp_path):
    from flowc.runner.scheduler import log_tail

    log = tmp_path / "attempt-0.log"
    log.write_bytes(b"x" * (50 * 1024 * 1024) + b"\nTraceback (most recent call last):\nRuntimeError: boom\n")
    tail = log_tail(log)
    assert len(tail) < 3000
    assert tail.endswith("RuntimeError: boom") and "characters cut]" in tail
    (tmp_path / "short.log").write_text("one\ntwo\n")
    assert log_tail(tmp_path / "short.log") == "one\ntwo"
