"""flowc.paths: child indexes, arrivals at joins, and which parent task(s) led to a task (contract 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from flowc import paths
from flowc.compiler import analyze
from flowc.paths import EdgeKind, NextTask
from flowc.runner.task import StepFailed, TaskError
from tests.runner import loop_ir

FLOWS = Path(__file__).parent / "flows"
ROWS = Path(__file__).parents[1] / "conformance" / "flows" / "rows"


def ir(path: Path):
    flow = analyze(path).flow
    assert flow is not None
    return flow


def drive(h, **params):
    """Run every task of the harness's flow in order, one at a time, through the runner."""

    def run(step, index):
        extra = {"params": tuple(params.items())} if step == "start" and params else {}
        return h.run(step, paths.fmt_index(index), **extra).output

    return paths.drive(h.flow, run)


# -- the IR alone -----------------------------------------------------------------------------------


def test_edge_kinds_follow_the_loops_of_each_end():
    flow = loop_ir.nested_loops()
    assert paths.edge_kind(flow, "start", "outer") is EdgeKind.LOOP_ENTRY
    assert paths.edge_kind(flow, "outer", "inner") is EdgeKind.LOOP_ENTRY
    assert paths.edge_kind(flow, "inner", "inner") is EdgeKind.BACK_EDGE
    assert paths.edge_kind(flow, "inner", "check") is EdgeKind.LOOP_EXIT
    assert paths.edge_kind(flow, "check", "outer") is EdgeKind.BACK_EDGE
    assert paths.edge_kind(flow, "check", "end") is EdgeKind.LOOP_EXIT
    assert paths.edge_kind(loop_ir.body_loop(), "head", "body") is EdgeKind.FORWARD


def test_child_index_adds_an_item_enters_at_zero_repeats_plus_one_and_exits_dropping():
    flow = loop_ir.nested_loops()
    assert paths.child_index(flow, "start", (), "outer") == (0,)
    assert paths.child_index(flow, "outer", (2,), "inner") == (2, 0)
    assert paths.child_index(flow, "inner", (2, 4), "inner") == (2, 5)
    assert paths.child_index(flow, "inner", (2, 4), "check") == (2,)
    assert paths.child_index(flow, "check", (2,), "outer") == (3,)
    assert paths.child_index(flow, "check", (2,), "end") == ()
    fl = loop_ir.foreach_loop()
    assert paths.child_index(fl, "start", (), "poll", 4) == (4, 0)
    assert paths.child_index(fl, "poll", (4, 1), "poll") == (4, 2)
    assert paths.child_index(fl, "poll", (4, 2), "join") == ()
    with pytest.raises(ValueError, match="give the item's position"):
        paths.child_index(fl, "start", (), "poll")
    with pytest.raises(ValueError, match="1 foreach, 1 loop"):
        paths.child_index(fl, "poll", (4,), "join")


def test_parent_patterns_run_backwards_and_refuse_impossible_edges():
    flow = loop_ir.nested_loops()
    outer, inner, check = flow.step("outer"), flow.step("inner"), flow.step("check")
    assert paths.parent_pattern(flow, inner, inner, (1, 3)) == (1, 2)
    assert paths.parent_pattern(flow, inner, inner, (1, 0)) is None  # iteration 0 is entered, not repeated
    assert paths.parent_pattern(flow, outer, inner, (1, 0)) == (1,)
    assert paths.parent_pattern(flow, outer, inner, (1, 2)) is None  # entry only at iteration 0
    assert paths.parent_pattern(flow, inner, check, (1,)) == (1, None)  # exit: the last iteration, listed
    assert paths.parent_pattern(flow, check, outer, (2,)) == (1,)
    assert paths.parent_pattern(flow, flow.step("start"), outer, (0,)) == ()


def test_arrivals_count_branches_not_parent_steps():
    flow = ir(ROWS / "switch_in_branch_join.py")
    arrivals = paths.Arrivals(flow)
    assert paths.arrivals_needed(flow, "join") == 2 and len(flow.parents("join")) == 3
    assert arrivals.add("start", (), {}) == [NextTask("a", ()), NextTask("b", ())]
    assert arrivals.add("a", (), {"switch_case": "c"}) == [NextTask("c", ())]
    assert arrivals.add("c", (), {}) == []
    assert arrivals.waiting() == ["join"]
    assert arrivals.add("b", (), {}) == [NextTask("join", ())]


def test_an_empty_foreach_goes_straight_to_its_join():
    flow = ir(FLOWS / "grid_flow.py")
    assert paths.next_tasks(flow, "row", (1,), {"foreach_count": 0}) == [NextTask("join_cols", (1,))]
    assert paths.Arrivals(flow).add("row", (1,), {"foreach_count": 0}) == [NextTask("join_cols", (1,))]


# -- resolution through the runner ------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "note"), [("enrich", "enriched"), ("skip", "raw")])
def test_the_step_after_a_switch_reads_the_case_that_ran(harness, mode, note):
    h = harness(ROWS / "switch_skip_ahead.py")
    order = drive(h, mode=mode)
    assert h.artifacts("end")["note"] == note
    assert ("enrich", ()) in order if mode == "enrich" else ("enrich", ()) not in order


def test_a_join_after_a_switch_inside_a_branch_takes_the_case_that_ran(harness):
    h = harness(ROWS / "switch_in_branch_join.py")
    drive(h)
    assert h.artifacts("join")["seen"] == ["start>a>c", "start>b"]
    assert h.manifest("d") is None
    inputs = paths.resolve_inputs(h.flow, "join", (), paths.RunTasks(h.store, h.run_id))
    assert [p.name for p in inputs] == ["c", "b"]  # one per branch, in the split's order


def test_a_join_after_a_switch_inside_a_foreach_takes_each_items_case(harness):
    h = harness(ROWS / "switch_in_foreach_join.py")
    drive(h)
    assert h.artifacts("join")["seen"] == [(0, "odd:3"), (1, "even:4"), (2, "odd:5"), (3, "even:10")]


def test_two_parents_that_both_lead_to_a_step_are_refused_by_name(harness):
    h = harness(ROWS / "switch_skip_ahead.py")
    drive(h, mode="enrich")
    # Forge a second path: `start` recorded the skip case too (as a confused executor might).
    m = h.manifest("start")
    m["output"]["switch_case"] = "skip"
    h.store.write_task("run1", "start", "", m, m["output"])
    with pytest.raises(TaskError, match=r"more than one completed task leads to end: start \(switch case 'skip'"):
        h.run("end")


def test_a_task_whose_only_possible_parent_took_another_case_is_refused(harness):
    h = harness(ROWS / "switch_skip_ahead.py")
    h.run("start", params=(("mode", "skip"),))
    with pytest.raises(
        TaskError, match=r"no completed task leads to enrich; candidates: start \(switch case 'skip' went to end\)"
    ):
        h.run("enrich")


# -- loops ------------------------------------------------------------------------------------------


def test_a_simple_loop_runs_each_iteration_as_its_own_task(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.simple_loop())
    order = drive(h)
    assert order == [("start", ()), ("count", (0,)), ("count", (1,)), ("count", (2,)), ("end", ())]
    assert h.artifacts("count", "1")["n"] == 2
    assert h.artifacts("end")["seen"] == ("0", "1", "2") and h.artifacts("end")["n"] == 3


def test_a_loop_with_a_body_reads_the_previous_iteration(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.body_loop())
    drive(h)
    trace = h.artifacts("end")["trace"]
    assert trace == "start>head0>body0>head1>body1>head2>body2>after"


def test_nested_loops_restart_the_inner_loop_each_outer_iteration(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.nested_loops())
    drive(h)
    assert h.artifacts("end")["log"] == ("0.0", "1.0", "1.1", "2.0", "2.1", "2.2")


def test_a_loop_inside_a_foreach_exits_each_item_to_the_join(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.foreach_loop())
    drive(h)
    assert h.artifacts("join")["tries_by_item"] == [
        (2, 3, ("0.0", "0.1", "0.2")),
        (0, 1, ("1.0",)),
        (3, 4, ("2.0", "2.1", "2.2", "2.3")),
    ]


def test_a_loop_inside_a_branch_leaves_its_last_iteration_to_the_join(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.branch_loop())
    drive(h)
    assert h.artifacts("join")["ns"] == [4, -1]


@pytest.mark.parametrize("by", ["default", "decorator"])
def test_a_runaway_loop_fails_the_task_that_would_go_round_once_too_often(harness, monkeypatch, by):
    if by == "default":
        monkeypatch.setattr(paths, "DEFAULT_MAX_ITERATIONS", 2)
    h = harness(FLOWS / "loops_flow.py", loop_ir.simple_loop(max_iterations=2 if by == "decorator" else None))
    h.run("start")
    h.run("count", "0")
    with pytest.raises(TaskError, match=r"the loop at step count reached its maximum of 2 iterations"):
        h.run("count", "1")
    assert h.manifest("count", "1") is None
    with pytest.raises(TaskError, match="maximum of 2 iterations"):
        h.run("count", "2")  # an executor that asks for it anyway


def test_a_loop_task_needs_its_iteration_in_the_index(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.simple_loop())
    h.run("start")
    with pytest.raises(TaskError, match=r"1 loop\(s\) \(count\), so its --index has 1 part"):
        h.run("count")


def test_a_loop_iteration_whose_previous_iteration_did_not_run_is_refused(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.simple_loop())
    h.run("start")
    with pytest.raises(TaskError, match=r"count/1 reads its parent: task count/0 .* has not completed"):
        h.run("count", "1")
    with pytest.raises((TaskError, StepFailed)):
        h.run("end")


@pytest.mark.parametrize(
    ("name", "built"),
    [
        ("SimpleLoopFlow", loop_ir.simple_loop),
        ("BodyLoopFlow", loop_ir.body_loop),
        ("ForeachLoopFlow", loop_ir.foreach_loop),
        ("NestedLoopsFlow", loop_ir.nested_loops),
        ("BranchLoopFlow", loop_ir.branch_loop),
    ],
)
def test_the_hand_built_loop_ir_is_what_the_analyzer_gives(name, built):
    flow = analyze(FLOWS / "loops_flow.py", name).flow
    assert flow is not None
    mine = built()
    for s in flow.steps:
        m = mine.step(s.name)
        assert (s.successors, s.loops, s.foreach_scopes, s.join, s.closes) == (
            m.successors, m.loops, m.foreach_scopes, m.join, m.closes
        )  # fmt: skip


def test_the_step_after_a_loop_reads_only_the_iteration_that_left_it(harness):
    h = harness(FLOWS / "loops_flow.py", loop_ir.simple_loop())
    h.run("start")
    h.run("count", "0")
    h.run("count", "1")
    # Iteration 2 crashed after writing its output (no manifest): iteration 1 went round, so nothing
    # leads to `end` yet, and the message says what each candidate did.
    h.store.storage.put(f"SimpleLoopFlow/runs/{h.run_id}/steps/count/2/output.json", b"{}")
    with pytest.raises(
        TaskError, match=r"no completed task leads to end; candidates: count/1 \(switch case 'again' went to count\)"
    ):
        h.run("end")
    h.run("count", "2")
    h.run("end")
    assert h.artifacts("end")["n"] == 3
