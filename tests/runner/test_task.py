"""The step runner, one task at a time: namespaces, joins, foreach, switch, parameters, contract."""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import pytest

from flowc.datastore import layout
from flowc.runner.task import EXIT_USAGE, StepFailed, TaskError


def test_artifacts_are_inherited_and_only_changed_ones_are_stored_again(harness):
    h = harness("artifacts_flow.py")
    h.run_all([("start", ""), ("grow", ""), ("end", "")])
    start, grow = h.manifest("start")["artifacts"], h.manifest("grow")["artifacts"]
    assert grow["label"] == start["label"] and grow["blob"] == start["blob"]
    assert grow["items"]["sha"] != start["items"]["sha"]
    end = h.artifacts("end")
    assert end["total"] == 3 and end["seen_label"] == "unchanged"
    assert end["where"] == "ArtifactsFlow/run1/end/_"  # current.pathspec: Flow/run/step/task_id


def test_identical_values_are_stored_once(harness):
    h = harness("artifacts_flow.py")
    h.run_all([("start", ""), ("grow", ""), ("end", "")])
    blobs = h.store.storage.list("ArtifactsFlow/data")
    shas = {ref["sha"] for step in ("start", "grow", "end") for ref in h.manifest(step)["artifacts"].values()}
    assert sorted(b.rsplit("/", 1)[1] for b in blobs) == sorted(shas)


def test_a_task_whose_parent_has_not_completed_is_refused(harness):
    h = harness("artifacts_flow.py")
    with pytest.raises(TaskError, match=r"task start of run run1 has not completed"):
        h.run("grow")


def test_static_join_reads_inputs_by_step_name_and_merges_what_agrees(harness):
    h = harness("joins_flow.py")
    h.run_all([("start", ""), ("a", ""), ("b", ""), ("join", "")])
    out = h.artifacts("join")
    assert out["sides"] == ["a", "b"] and out["from_b"] == "b"
    assert out["shared"] == "same" and out["only_a"] == 1 and "side" not in out
    assert out["mode"] == "exclude"  # parameters reach joins too


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("set_first", {"side": "both", "only_a": 1}), ("include", {"only_a": 1})],
)
def test_merge_artifacts_keeps_what_the_join_set_and_honours_include(harness, mode, expected):
    h = harness("joins_flow.py")
    h.run("start", params=(("mode", mode),))
    h.run_all([("a", ""), ("b", ""), ("join", "")])
    out = h.artifacts("join")
    assert {k: out[k] for k in expected} == expected
    if mode == "include":
        assert "shared" not in out


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("conflict", r"cannot merge artifacts whose inputs disagree: side"),
        ("include_missing", r"names artifacts no input has: nowhere"),
    ],
)
def test_merge_artifacts_conflicts_fail_the_step_with_the_names(harness, mode, message):
    h = harness("joins_flow.py")
    h.run("start", params=(("mode", mode),))
    h.run_all([("a", ""), ("b", "")])
    with pytest.raises(StepFailed, match=message) as info:
        h.run("join")
    assert "joins_flow.py" in info.value.user_traceback
    assert h.manifest("join") is None


def test_nested_foreach_gives_each_task_its_input_index_and_identity(harness):
    h = harness("grid_flow.py")
    assert h.run("start").output == {"foreach_count": 2, "task": "start"}
    for i in range(2):
        assert h.run("row", str(i)).output["foreach_count"] == 3
        for j in range(3):
            h.run("cell", f"{i}.{j}")
        h.run("join_cols", str(i))
    h.run("join_rows")
    grid = h.artifacts("join_rows")["grid"]
    assert grid[1][2] == ("r1", 30, 2, "1.2", "1.2")  # current.task_id is the index path
    assert h.artifacts("join_cols", "0")["inputs_seen"] == [(10, 0), (20, 1), (30, 2)]
    items = h.store.storage.get(layout.foreach_items_key("GridFlow", "run1", "row", "1"))
    assert json.loads(items) == [0, 1, 2]


def test_the_index_must_match_the_steps_foreach_depth(harness):
    h = harness("grid_flow.py")
    with pytest.raises(TaskError) as info:
        h.run("cell", "1")
    assert info.value.exit_code == EXIT_USAGE and "2 part(s)" in str(info.value)


def test_switch_records_the_case_and_the_step_after_it_finds_the_branch_that_ran(harness):
    h = harness("switch.py")
    assert h.run("start", params=(("size", "500"),)).output == {"switch_case": "big", "task": "start"}
    h.run_all([("big", ""), ("after", ""), ("end", "")])
    assert h.artifacts("end")["result"] == "big"
    assert h.manifest("small") is None


def test_a_next_that_differs_from_the_compiled_graph_is_refused(harness):
    h = harness("linear.py")
    tampered = replace(h.flow.step("start"), successors=("end",))
    flow = h.flow.with_steps(tuple(tampered if s.name == "start" else s for s in h.flow.steps))
    h = harness("linear.py", flow)
    with pytest.raises(TaskError, match=r"called self.next\(double\) but the compiled flow says self.next\(end\)"):
        h.run("start")
    assert h.manifest("start") is None


def test_the_users_traceback_starts_at_their_code(harness):
    h = harness("failing.py")
    h.run("start")
    with pytest.raises(StepFailed) as info:
        h.run("boom")
    tb = info.value.user_traceback
    assert tb.startswith("Traceback") and "failing.py" in tb and "RuntimeError: this step always fails" in tb
    assert "flowc/runner" not in tb and "flowc/api.py" not in tb
    assert h.manifest("boom") is None


def test_metaflow_dialect_runs_without_metaflow_installed(harness):
    from pathlib import Path

    h = harness(Path(__file__).parents[2] / "examples" / "metaflow_compat.py")
    assert h.flow.dialect == "metaflow"
    h.run_all([(s.name, "") for s in h.flow.walk() if not s.foreach_scopes])
    assert h.artifacts("end")["counts"] == {"all": 9, "unique": 8}
    assert "metaflow" not in sys.modules
