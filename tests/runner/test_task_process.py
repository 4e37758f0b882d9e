"""A task's process: how a step may end (only by returning), @environment, the metaflow stand-in for
the whole task, parameters and flow-level attributes as Metaflow has them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flowc.runner.task import EXIT_STEP_FAILED, StepFailed, TaskError

ROWS = Path(__file__).parents[1] / "conformance" / "flows" / "rows"
FLOWS = Path(__file__).parent / "flows"


def started(h, how):
    h.run("start", params=(("how", how),))
    return h


@pytest.mark.parametrize(
    ("how", "code", "message"),
    [
        ("sys_exit_0", EXIT_STEP_FAILED, "the step called sys.exit(0) (SystemExit) before it finished"),
        ("sys_exit_3", EXIT_STEP_FAILED, "the step called sys.exit(3) (SystemExit) before it finished"),
        ("os_exit_0", EXIT_STEP_FAILED, "flowc: step plain called os._exit(0) before it finished; the task failed"),
        ("sigterm", -signal.SIGTERM, "task plain received SIGTERM (stopped from outside); the task failed"),
    ],
)
def test_a_step_that_leaves_its_process_is_a_failed_task_saying_how(harness, how, code, message):
    h = started(harness("ends_flow.py"), how)
    proc = h.step_process("plain")
    assert proc.returncode == code, proc.stderr
    assert message in proc.stderr
    assert h.manifest("plain") is None


def test_sys_exit_is_a_failure_that_catch_can_catch_on_the_last_attempt(harness):
    h = started(harness("ends_flow.py"), "sys_exit_0")
    proc = h.step_process("guarded")
    assert proc.returncode == 0, proc.stderr
    assert "failed on its last attempt (the step called sys.exit(0)" in proc.stderr
    assert h.manifest("guarded")["caught"]["type"] == "SystemExit"
    assert h.artifacts("guarded")["before"] == "set"


def test_a_process_the_step_forks_keeps_its_own_os_exit(harness):
    h = started(harness("ends_flow.py"), "fork_child_exits")
    proc = h.step_process("plain")
    assert proc.returncode == 0, proc.stderr
    assert "os._exit" not in proc.stderr


def test_sys_exit_while_the_module_is_imported_fails_the_task(harness):
    h = harness("ends_flow.py")
    proc = h.step_process("start", env={"FLOWC_TEST_EXIT_AT_IMPORT": "1"})
    assert proc.returncode == EXIT_STEP_FAILED
    assert "the step called sys.exit(0)" in proc.stderr


def test_the_exit_guards_are_undone_after_the_task(harness):
    h = started(harness("ends_flow.py"), "return")
    before = (os._exit, signal.getsignal(signal.SIGTERM))
    h.run("plain")
    assert (os._exit, signal.getsignal(signal.SIGTERM)) == before
    with pytest.raises(StepFailed, match=r"sys\.exit"):
        started(harness("ends_flow.py"), "sys_exit_3").run("plain")
    assert (os._exit, signal.getsignal(signal.SIGTERM)) == before


def test_environment_is_set_for_the_task_and_its_module_then_restored(harness, monkeypatch):
    monkeypatch.delenv("FLOWC_ROW_MODE", raising=False)
    h = harness(ROWS / "environment.py")
    h.run_all([("start", ""), ("end", "")])
    start = h.artifacts("start")
    assert (start["mode"], start["empty"], start["at_import"]) == ("fast", "", "fast")
    assert h.artifacts("end")["mode_after"] is None
    assert "FLOWC_ROW_MODE" not in os.environ


@pytest.mark.parametrize("spawn", [False, True], ids=["forked", "spawned"])
def test_flowc_run_applies_environment(tmp_path, spawn):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc",
            "run",
            str(ROWS / "environment.py"),
            "--datastore",
            str(tmp_path),
            "--run-id",
            "e",
        ]
        + (["--spawn"] if spawn else []),
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if k != "FLOWC_ROW_MODE"},
    )
    assert proc.returncode == 0, proc.stderr
    from flowc.datastore.store import FlowDatastore

    start = FlowDatastore.open(str(tmp_path), "EnvironmentFlow").task_artifacts("e", "start")
    assert (start["mode"], start["at_import"]) == ("fast", "fast")


def test_a_metaflow_import_inside_a_step_maps_as_at_module_level(harness):
    h = harness(ROWS / "import_inside_step.py")
    h.run_all([("start", ""), ("end", "")])
    assert h.artifacts("start")["where"] == ("start", 0)
    assert h.artifacts("end")["flow_name"] == "ImportInsideStepFlow"
    assert "metaflow" not in sys.modules


def test_parameters_with_no_default_or_default_none_are_none(harness):
    h = harness(ROWS / "parameters.py")
    h.run_all([("start", ""), ("end", "")])
    assert h.artifacts("start")["seen"] == ("hello", 3, 0.5, False, None, None, {"k": [1, 2]})
    h = harness(ROWS / "parameters.py")
    h.run("start", params_json={"nothing": None, "typed_unset": None, "count": 4})
    assert h.artifacts("start")["seen"][1:6] == (4, 0.5, False, None, None)


def test_name_constants_and_parameters_behave_as_in_metaflow(harness):
    h = harness(ROWS / "names.py")
    h.run_all([("start", ""), ("a", ""), ("b", ""), ("join", ""), ("end", "")])
    start = h.artifacts("start")
    assert (start["name_at_start"], start["name"]) == ("NamesFlow", "renamed in start")
    assert (start["assign_parameter"], start["assign_constant"]) == ("refused", "refused")
    assert (start["THRESHOLD"], start["LABELS"], start["_private"]) == (0.25, ("low", "high"), "kept")
    assert start["outside_foreach"] == (None, None)
    assert h.artifacts("a")["name_in_a"] == "NamesFlow"
    assert h.artifacts("join")["in_join"] == (1, 0.25, ("low", "high"), "NamesFlow")
    assert set(h.artifacts("end")) == {"LABELS", "THRESHOLD", "alpha", "in_join", "name"}
    assert h.manifest("start")["constants"] == ["LABELS", "THRESHOLD"]


def test_a_local_run_retries_at_once(tmp_path):
    # Under @retry's 2-minute delay the run would outlive the 100 s timeout below.
    proc = subprocess.run(
        [sys.executable, "-m", "flowc", "run", str(ROWS / "retry_at_once.py"), "--datastore", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 0, proc.stderr
    assert "retrying now" in proc.stdout


def test_a_task_that_exits_0_without_publishing_fails_the_run(tmp_path):
    # A C-level exit the runner cannot see: simulated by a step that calls the real os._exit.
    flow = tmp_path / "c_exit.py"
    flow.write_text(
        "import os\nfrom flowc import FlowSpec, step\nfrom flowc.runner.process import REAL_EXIT\n\n"
        "class CExitFlow(FlowSpec):\n    @step\n    def start(self):\n        REAL_EXIT(0)\n"
        "        self.next(self.end)\n\n    @step\n    def end(self):\n        pass\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "flowc", "run", str(flow), "--datastore", str(tmp_path / "ds")],
        capture_output=True,
        text=True,
        timeout=100,
    )
    assert proc.returncode == 1
    assert "task start failed (exit 0, attempt 0)" in proc.stderr
    assert "exited 0 without publishing the task" in proc.stderr


def test_a_parent_that_never_ran_is_still_refused(harness):
    h = harness(ROWS / "names.py")
    with pytest.raises(TaskError, match="has not completed"):
        h.run("a")


@pytest.mark.parametrize("spawn", [False, True], ids=["forked", "spawned"])
def test_catch_takes_over_a_task_whose_process_was_killed(tmp_path, spawn):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "flowc",
            "run",
            str(FLOWS / "killed_flow.py"),
            "--datastore",
            str(tmp_path),
            "--run-id",
            "k",
        ]
        + (["--spawn"] if spawn else []),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "victim                   failed (killed by SIGKILL, attempt 1); its @catch takes over" in proc.stdout
    from flowc.datastore.store import FlowDatastore

    store = FlowDatastore.open(str(tmp_path), "KilledFlow")
    assert store.task_artifacts("k", "end")["seen"] == (
        "from start",
        False,
        "StepException",
        "TaskProcessEnded",
        "KilledFlow",
    )
    victim = store.read_manifest("k", "victim")
    assert victim["attempt"] == 2 and victim["caught"]["type"] == "TaskProcessEnded"
    assert "killed by SIGKILL" in victim["caught"]["message"]


def test_fallback_needs_a_catch_and_a_step_that_knows_where_to_go(harness):
    h = harness("ends_flow.py")
    h.run("start", params=(("how", "return"),))
    with pytest.raises(TaskError, match="step plain has no @catch"):
        h.run("plain", fallback="killed by SIGKILL")
    result = h.run("guarded", fallback="exit 1")
    assert result.caught is not None and result.caught.type == "TaskProcessEnded"
    assert "before" not in h.artifacts("guarded")
