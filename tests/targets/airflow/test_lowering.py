"""How flows become Airflow tasks: mapping, helper tasks, trigger rules and what cannot be expressed."""

from __future__ import annotations

from pathlib import Path

from flowc.targets.airflow.lower import MEET, plan_dag

from flowc.compiler import analyze, compile_flow
from flowc.ir import Flow
from tests.conftest import SHAPES


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


def test_kubernetes_mode_without_an_image_is_reported_per_step() -> None:
    messages = _messages(SHAPES / "linear.py", mode="kubernetes", image="")
    assert any("FC501" in m and "'start' has no container image" in m for m in messages)


def test_missing_datastore_is_reported() -> None:
    messages = _messages(SHAPES / "linear.py", datastore="")
    assert any("FC501" in m and "datastore" in m for m in messages)


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


def test_case_step_reached_from_elsewhere_is_reported(write_flow) -> None:
    path = write_flow(
        """
from flowc import FlowSpec, step


class Shared(FlowSpec):
    @step
    def start(self):
        self.mode = "a"
        self.next({"a": self.a, "b": self.b}, condition="mode")

    @step
    def a(self):
        self.next(self.b)

    @step
    def b(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""
    )
    assert analyze(path).flow is not None
    assert any("FC501" in m and "'b'" in m for m in _messages(path))
