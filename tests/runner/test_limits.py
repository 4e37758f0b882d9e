"""@retry, @catch and @timeout as the runner applies them, the same for every orchestrator."""

from __future__ import annotations

import pytest

from flowc.runner.task import EXIT_TIMEOUT, StepFailed


def test_catch_applies_only_on_the_last_attempt(harness):
    h = harness("limits_flow.py")
    h.run("start")
    with pytest.raises(StepFailed, match="KeyError"):
        h.run("flaky", attempt=0)
    assert h.manifest("flaky") is None
    result = h.run("flaky", attempt=1)
    assert result.caught is not None and result.caught.type == "KeyError"
    out = h.artifacts("flaky")
    assert isinstance(out["error"], KeyError) and out["tried"] == 1
    assert h.manifest("flaky")["caught"] == {"type": "KeyError", "message": "'always'"}


def test_a_caught_timeout_lets_the_flow_go_on(harness):
    h = harness("limits_flow.py")
    h.run("start")
    h.run("flaky", attempt=1)
    result = h.run("slow")  # sleeps 30 s: only its 1 s @timeout ends it with StepTimeout
    assert result.caught is not None and result.caught.type == "StepTimeout"
    assert "exceeded its @timeout of 1 s" in str(h.artifacts("slow")["slow_error"])


def test_a_timeout_fails_the_task_with_a_clear_message(harness):
    h = harness("limits_flow.py")
    steps = [("start", 0), ("flaky", 1), ("slow", 0)]
    for step, attempt in steps:
        h.run(step, attempt=attempt)
    proc = h.step_process("slower")
    assert proc.returncode == EXIT_TIMEOUT
    assert "step slower exceeded its @timeout of 1 s" in proc.stderr
    assert "task slower timed out" in proc.stderr


def test_code_that_swallows_the_timeout_is_killed(harness):
    h = harness("limits_flow.py")
    h.run("start", params=(("stubborn", "true"),))
    h.run("flaky", attempt=1)
    h.run("slow")
    proc = h.step_process("slower", env={"FLOWC_TIMEOUT_GRACE_SECONDS": "0.5"})
    assert proc.returncode == EXIT_TIMEOUT
    assert "did not stop; killed" in proc.stderr
    assert h.manifest("slower") is None


def test_retry_count_reaches_the_step(harness):
    h = harness("retries.py")
    h.run("start")
    with pytest.raises(StepFailed, match="first attempt fails on purpose"):
        h.run("flaky", attempt=0)
    h.run("flaky", attempt=1)
    h.run("end")
    assert h.artifacts("end")["result"] == 1
