"""How flows become Airflow tasks: mapping, helper tasks, trigger rules and what cannot be expressed."""

from __future__ import annotations

from pathlib import Path

from flowc.targets.airflow.lower import MEET, plan_dag

from flowc.compiler import analyze, compile_flow
from flowc.ir import Flow
from tests.conftest import SHAPES, SWITCH_SHAPES


def _flow(path: Path) -> Flow:
    flow = analyze(path).flow
    assert flow is not None
    return flow


def _messages(path: Path, **options: str) -> list[str]:
    opts = {"mode": "local", "datastore": "/data", **options}
    return [f"{d.code} {d.message}" for d in compile_flow(str(path), "airflow", opts).diagnostics]


def test_nested_foreach_is_flattened_into_one_mapping_per_depth() -> None:
    plan = plan_dag(_flow(SHAPES / "nested_foreach.py"))
    assert plan.task("row").source == "start-fanout"
    assert plan.task("cell").source == "row-fanout"
    assert plan.task("row-fanout").paths_from == "start-fanout"
    assert plan.task("join_cols").source == "start-fanout"
    assert plan.task("join_rows").source is None
    assert not plan.diagnostics


def test_switch_outside_foreach_routes_through_one_branch_task() -> None:
    plan = plan_dag(_flow(SHAPES / "switch.py"))
    routes = [t for t in plan.tasks if t.role == "route"]
    assert len(routes) == 1
    assert {child for parent, child in plan.edges if parent == routes[0].task_id} == {s for _, s in routes[0].routes}


def test_switch_inside_foreach_lists_paths_per_case_and_meets_after() -> None:
    plan = plan_dag(_flow(SHAPES / "switch_in_foreach.py"))
    assert plan.task("even").source == "classify-case-even"
    assert plan.task("odd").source == "classify-case-odd"
    assert plan.task("collect").source == "start-fanout"
    assert plan.task("collect").trigger_rule == MEET


def test_foreach_join_also_waits_for_the_fanout_so_an_empty_foreach_still_joins() -> None:
    plan = plan_dag(_flow(SHAPES / "foreach.py"))
    (join,) = [t for t in plan.tasks if t.step != "start" and _flow(SHAPES / "foreach.py").step(t.step).join]
    assert ("start-fanout", join.task_id) in plan.edges
    assert join.trigger_rule == MEET


def test_kubernetes_mode_runs_a_stock_python_image_that_bootstraps_by_default() -> None:
    from flowc.runner import bootstrap

    result = compile_flow(SHAPES / "linear.py", "airflow", {"mode": "kubernetes", "datastore": "s3://bucket/p"})
    assert result.ok
    text = result.files[0].content
    assert "image='python:3.12-slim'" in text and "cmds=['python3']" in text
    assert repr(bootstrap.SOURCE) in text


def test_an_image_engines_would_read_as_a_template_is_reported() -> None:
    messages = _messages(SHAPES / "linear.py", mode="kubernetes", image="img:{{ ds }}")
    assert any("FC501" in m and "not a container image reference" in m for m in messages)


def test_without_a_datastore_tasks_read_the_airflow_variable() -> None:
    result = compile_flow(SHAPES / "linear.py", "airflow", {"mode": "local"})
    assert result.ok, [d.message for d in result.diagnostics]
    assert "'{{ var.value.flowc_datastore | flowc_arg }}'" in result.files[0].content


def test_scheduled_flow_with_a_required_parameter_is_reported(write_flow) -> None:
    path = write_flow(
        """
from flowc import FlowSpec, Parameter, schedule, step


@schedule(daily=True)
class NeedsInput(FlowSpec):
    day = Parameter("day", required=True)

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    )
    messages = _messages(path)
    assert any("FC501" in m and "'day' has no default" in m for m in messages)


def test_a_case_step_also_reached_another_way_goes_through_a_gate() -> None:
    # Metaflow-compat case 05: `end` follows case 'done' directly, or `more`. The route follows or
    # skips the gate, never `end` itself, and `end` runs when either way in succeeded.
    plan = plan_dag(_flow(SWITCH_SHAPES / "switch_case_is_end.py"))
    route = plan.task("start-route")
    assert dict(route.routes) == {"done": "start-to-end", "more": "more"}
    assert plan.task("start-to-end").role == "gate"
    assert {p for p, c in plan.edges if c == "end"} == {"start-to-end", "more"}
    assert {c for p, c in plan.edges if p == "start-route"} == {"start-to-end", "more"}
    assert plan.task("end").trigger_rule == MEET
    assert not plan.diagnostics


def test_a_join_after_a_switch_in_a_branch_lets_the_skipped_case_through() -> None:
    plan = plan_dag(_flow(SWITCH_SHAPES / "switch_to_join_in_branch.py"))
    # `join` waits on a (through its gate), c and b: more ways in than branches, so one is skipped.
    assert plan.task("join").trigger_rule == MEET
    assert plan.task("a-to-join").role == "gate"
    branch = plan_dag(_flow(SHAPES / "branch.py"))
    assert all(t.trigger_rule is None for t in branch.tasks if t.role == "step")


def test_ways_in_that_meet_inside_a_foreach_run_at_the_union_of_their_paths() -> None:
    # The small items go straight to the join; only the big ones are scaled.
    plan = plan_dag(_flow(SWITCH_SHAPES / "switch_to_join_in_foreach.py"))
    assert plan.task("scale").source == "classify-case-scale"
    # every case of one switch meets at the join: the join needs no union (it is a foreach join)
    assert plan.task("join").source is None
    plan = plan_dag(_flow(SWITCH_SHAPES / "switch_meet_in_foreach.py"))
    paths = plan.task("meet-paths")
    assert paths.role == "paths" and paths.sources == ("route-case-meet", "a-case-b")
    assert plan.task("meet").source == "meet-paths"
    assert plan.task("done-paths").sources == ("meet-paths", "a-case-z")


def test_a_flow_with_a_loop_is_refused_naming_where_it_runs() -> None:
    (message,) = _messages(SWITCH_SHAPES / "loop_two_exits.py")
    assert message.startswith("FC503 switch 'attempt' loops back to 'attempt'")


def test_a_nested_foreach_warns_that_the_product_of_widths_is_what_airflow_limits() -> None:
    (message,) = _messages(SHAPES / "nested_foreach.py")
    assert message.startswith("FC501 the foreach at 'row' is inside the foreach at 'start'")
    assert "max_map_length" in message
