"""`flowc run` end to end: every standard shape and every example runs to its expected artifacts."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowc.datastore.store import FlowDatastore

TESTS = Path(__file__).parents[1]
EXAMPLES = TESTS.parent / "examples"


def cases(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    expected = json.loads((folder / "expected.json").read_text())
    return [(folder / name, exp) for name, exp in sorted(expected.items())]


def flowc_run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc", "run", *args, "--datastore", str(tmp_path / "ds"), "--run-id", "t1"],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=tmp_path,
    )


def same(actual: Any, expected: Any) -> bool:
    if isinstance(expected, float) or isinstance(actual, float):
        return math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(expected, list) and isinstance(actual, (list, tuple)):
        return len(actual) == len(expected) and all(same(a, e) for a, e in zip(actual, expected, strict=True))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return actual.keys() == expected.keys() and all(same(actual[k], expected[k]) for k in expected)
    return bool(actual == expected)


def flow_name(path: Path) -> str:
    from flowc.compiler import analyze

    flow = analyze(path).flow
    assert flow is not None
    return flow.name


@pytest.mark.parametrize(
    ("path", "expected"), cases(TESTS / "shapes") + cases(EXAMPLES), ids=lambda v: getattr(v, "name", "")
)
def test_flow_runs_to_its_expected_result(tmp_path, path, expected):
    proc = flowc_run(tmp_path, str(path), "--max-workers", "2")
    ds = FlowDatastore.open(str(tmp_path / "ds"), flow_name(path))
    if not expected["ok"]:
        assert proc.returncode == 1
        assert f"task {expected['failed_step']} failed" in proc.stderr
        return
    assert proc.returncode == 0, proc.stdout + proc.stderr
    end = ds.task_artifacts("t1", "end")
    for name, value in expected["end"].items():
        assert same(end[name], value), (name, end[name], value)


def test_progress_starts_with_the_run_id_and_summarises_fanouts(tmp_path):
    proc = flowc_run(tmp_path, str(TESTS / "shapes" / "foreach.py"))
    lines = proc.stdout.splitlines()
    assert lines[0] == "flowc run: ForeachFlow run t1"
    assert "logs " in lines[1]
    assert any(line.endswith("start                    foreach: 4 tasks") for line in lines)
    assert any("foreach: 4/4 done" in line for line in lines)
    assert "\x1b[" not in proc.stdout  # plain when not a terminal
    assert lines[-2].startswith("flowc run: run t1 succeeded: 7 tasks")
    assert lines[-1].startswith("  results: flowc artifacts ")  # how to look at them (tests/client checks it)


def test_a_failure_reports_the_error_and_the_log(tmp_path):
    proc = flowc_run(tmp_path, str(TESTS / "shapes" / "failing.py"))
    assert proc.returncode == 1
    assert "RuntimeError: this step always fails" in proc.stderr
    log = next(line for line in proc.stderr.splitlines() if line.startswith("log: "))[5:]
    assert Path(log).is_file() and "this step always fails" in Path(log).read_text()
    meta = FlowDatastore.open(str(tmp_path / "ds"), "FailingFlow").read_run_meta("t1")
    assert meta["status"] == "failed"


def test_retries_are_rerun_with_the_next_attempt(tmp_path):
    proc = flowc_run(tmp_path, str(TESTS / "shapes" / "retries.py"))
    assert proc.returncode == 0, proc.stderr
    assert "flaky                    failed (exit 1, attempt 0); retrying now" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--param", "count=abc"], "parameter 'count' (int): 'abc' is not an integer"),
        (["--param", "nope=1"], "unknown parameter 'nope'; valid parameters: who, count, ratio, loud, config"),
        (["--param", "count"], "--param 'count': write it as name=value"),
    ],
)
def test_bad_parameters_stop_the_run_before_any_task(tmp_path, args, message):
    proc = flowc_run(tmp_path, str(TESTS / "shapes" / "parameters.py"), *args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert not (tmp_path / "ds").exists()


def test_a_flow_with_errors_shows_diagnostics_and_runs_nothing(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from flowc import FlowSpec, step\n\nclass Bad(FlowSpec):\n    @step\n    def start(self):\n        pass\n"
        # (a flow of this one step would be valid: it is both start and end, as in Metaflow 2.19)
        "\n    @step\n    def end(self):\n        pass\n"
    )
    proc = flowc_run(tmp_path, str(bad))
    assert proc.returncode == 1 and "FC" in proc.stderr
    assert not (tmp_path / "ds").exists()


def test_ctrl_c_stops_running_tasks_and_exits_130(tmp_path):
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "flowc", "run", str(Path(__file__).parent / "flows" / "sleepy_flow.py"),
         "--datastore", str(tmp_path / "ds"), "--run-id", "t1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path,
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if "nap" in line and "started" in line:
            break
    time.sleep(0.5)  # let the task reach the user's code
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)  # the task sleeps 60 s: a run that waited for it times out here
    assert proc.returncode == 130
    assert "flowc run: interrupted; run t1 stopped after 1 tasks" in err
    ds = FlowDatastore.open(str(tmp_path / "ds"), "SleepyFlow")
    assert ds.read_manifest("t1", "nap") is None
    assert ds.read_run_meta("t1")["status"] == "interrupted"


def test_a_run_id_already_used_is_refused_and_the_first_run_left_alone(tmp_path):
    flow = Path(__file__).parents[1] / "shapes" / "linear.py"
    assert flowc_run(tmp_path, str(flow)).returncode == 0
    ds = FlowDatastore.open(str(tmp_path / "ds"), flow_name(flow))
    before = ds.read_run_meta("t1")
    again = flowc_run(tmp_path, str(flow))
    assert again.returncode == 2
    assert f"run t1 of {flow_name(flow)} already exists" in again.stderr and "choose another --run-id" in again.stderr
    assert ds.read_run_meta("t1") == before


# Every conditional shape and case value runs forked and spawned (`flowc run`, `--spawn`) in the
# conformance suite (tests/conformance/test_conformance.py), compared with Metaflow's result.
