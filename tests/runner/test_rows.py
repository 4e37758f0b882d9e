"""Each row of docs/semantics.md, by its flow, through the runner (one task at a time, in-process):
the values the spec gives. The conformance suite runs the same flows on every executor and Metaflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from flowc import paths
from flowc.runner.task import StepFailed

ROWS = Path(__file__).parents[1] / "conformance" / "flows" / "rows"


def drive(h, params: dict[str, Any]) -> list[tuple[str, tuple[int, ...]]]:
    def run(step, index):
        extra = {"params_json": params} if step == "start" and params else {}
        retry = h.flow.step(step).decorators.retry
        attempt = 0
        while True:  # as an orchestrator does: the same task again, one attempt higher
            try:
                return h.run(step, paths.fmt_index(index), attempt, **extra).output
            except StepFailed:
                if retry is None or attempt >= retry.times:
                    raise
                attempt += 1

    return paths.drive(h.flow, run)


CASES = [
    ("merge_artifacts.py", {}, "join", {"only_a": 1, "shared": "same everywhere", "had_shared_before_merge": False}),
    ("merge_artifacts.py", {"mode": "set_first"}, "join", {"side": "decided in join", "only_a": 1}),
    ("merge_artifacts.py", {"mode": "include"}, "join", {"only_a": 1}),
    (
        "catch_and_timeout.py",
        {},
        "join",
        {"caught": {"fails": (True, True), "works": (False, "kept"), "slow": (True, "kept")}},
    ),
    ("recursive_switch.py", {}, "done", {"final": (30, [(10, 0), (20, 0), (30, 0)])}),
    ("recursive_switch.py", {}, "add/1", {"total": 20, "status": "again"}),
    ("loop_over_steps.py", {}, "join", {"results": [(20, 20, ["0.0", "0.1"]), (35, 40, ["1.0", "1.1", "1.2", "1.3"])]}),
    ("empty_foreach.py", {}, "join", {"count": 0}),
    ("switch_skip_ahead.py", {"mode": "skip"}, "end", {"final": "raw"}),
    ("switch_skip_ahead.py", {"mode": "enrich"}, "end", {"final": "enriched"}),
    ("switch_in_branch_join.py", {"case": "d"}, "join", {"seen": ["start>a>d", "start>b"], "count": 2}),
    ("retry_at_once.py", {}, "end", {"saw": (1, False)}),
]


@pytest.mark.parametrize(("flow", "params", "task", "want"), CASES, ids=lambda v: v if isinstance(v, str) else "")
def test_a_rows_flow_gives_the_specified_values(harness, flow, params, task, want):
    h = harness(ROWS / flow)
    drive(h, params)
    step, _, index = task.partition("/")
    got = h.artifacts(step, index)
    assert {k: got.get(k) for k in want} == want


def test_merge_artifacts_on_a_conflict_fails_the_join_naming_it(harness):
    h = harness(ROWS / "merge_artifacts.py")
    with pytest.raises(StepFailed, match="inputs disagree: side"):
        drive(h, {"mode": "conflict"})


def test_every_loop_iteration_is_a_task_of_its_own(harness):
    h = harness(ROWS / "recursive_switch.py")
    order = drive(h, {})
    assert [t for t in order if t[0] == "add"] == [("add", (0,)), ("add", (1,)), ("add", (2,))]


@pytest.mark.parametrize("code", [0, 3])
def test_sys_exit_under_catch_is_caught_and_the_flow_goes_on(harness, code):
    h = harness(ROWS / "catch_sys_exit.py")
    drive(h, {"code": code})
    assert h.artifacts("end")["after"] == ("set before leaving", "SystemExit", code)
    assert h.manifest("start")["caught"]["type"] == "SystemExit"


@pytest.mark.parametrize("how", ["sys_exit_0", "sys_exit_3", "sys_exit_none"])
def test_sys_exit_of_any_code_fails_the_task(harness, how):
    h = harness(ROWS / "task_ends.py")
    with pytest.raises(StepFailed, match=r"the step called sys\.exit"):
        h.run("start", params_json={"how": how})
    assert h.manifest("start") is None
