"""The analyzer reads flows statically into the IR."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flowc.compiler import analyze
from flowc.ir import JoinKind, ParamType, StepKind, Transition
from tests.conftest import example_files, shape_files


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip()


LINEAR = src(
    '''
    from flowc import FlowSpec, step

    class F(FlowSpec):
        """Flow doc."""

        @step
        def start(self):
            """Start doc."""
            self.next(self.end)

        @step
        def end(self):
            pass
    '''
)


@pytest.mark.parametrize("path", example_files() + shape_files(), ids=lambda p: p.name)
def test_every_example_and_shape_analyses_cleanly(path: Path) -> None:
    a = analyze(path)
    assert a.diagnostics == []
    assert a.flow is not None


def test_docstrings_become_descriptions(write_flow) -> None:
    flow = analyze(write_flow(LINEAR)).flow
    assert flow is not None
    assert flow.description == "Flow doc."
    assert flow.step("start").description == "Start doc."


def test_spans_point_at_the_step_names(write_flow) -> None:
    flow = analyze(write_flow(LINEAR)).flow
    assert flow is not None
    span = flow.step("start").span
    assert (span.line, span.col) == (7, 9)
    assert flow.span.line == 3


def test_module_with_missing_imports_and_side_effects_is_never_executed(write_flow, tmp_path: Path) -> None:
    marker = tmp_path / "executed"
    source = src(
        f"""
        import this_module_does_not_exist
        from flowc import FlowSpec, step
        open({str(marker)!r}, "w").write("ran")
        raise SystemExit("the analyzer must not run this")

        class F(FlowSpec):
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """
    )
    clean = analyze(write_flow(LINEAR, "clean.py")).flow
    dirty = analyze(write_flow(source, "dirty.py")).flow
    assert dirty is not None and clean is not None
    assert not marker.exists()
    assert [s.name for s in dirty.steps] == [s.name for s in clean.steps]
    assert [s.successors for s in dirty.steps] == [s.successors for s in clean.steps]


def test_aliases_of_the_package_and_of_names_are_resolved(write_flow) -> None:
    source = src(
        """
        import flowc as fc
        from flowc import step as s, retry as again

        class F(fc.FlowSpec):
            n = fc.Parameter("n", default=2)

            @again(times=2)
            @s
            def start(self):
                self.next(self.end)

            @fc.timeout(minutes=2)
            @fc.step
            def end(self):
                pass
        """
    )
    flow = analyze(write_flow(source)).flow
    assert flow is not None
    assert flow.step("start").decorators.retry is not None
    assert flow.step("start").decorators.retry.times == 2
    assert flow.step("end").decorators.timeout_seconds == 120
    assert flow.parameter("n").type is ParamType.INT


def test_metaflow_imports_compile_and_set_the_dialect() -> None:
    a = analyze(Path(__file__).parents[2] / "examples" / "metaflow_compat.py")
    assert a.flow is not None
    assert a.flow.dialect == "metaflow"
    assert a.flow.step("count_all").decorators.retry is not None


def test_helper_methods_and_nested_functions_are_not_steps(write_flow) -> None:
    source = src(
        """
        from flowc import FlowSpec, step

        class F(FlowSpec):
            def helper(self, x):
                return x + 1

            @step
            def start(self):
                def inner():
                    self.next(self.nowhere)  # a nested function's self.next is not the step's
                self.v = self.helper(1)
                self.next(self.end)

            @step
            def end(self):
                pass
        """
    )
    a = analyze(write_flow(source))
    assert a.diagnostics == []
    assert a.flow is not None
    assert [s.name for s in a.flow.steps] == ["start", "end"]


def test_several_flow_classes_pick_main_or_by_name(write_flow) -> None:
    one = LINEAR.replace("class F(", "class First(")
    two = LINEAR.replace("class F(", "class Second(")
    path = write_flow(one + "\n\n" + two + "\nif __name__ == '__main__':\n    Second()\n")
    assert analyze(path).flow.name == "Second"  # type: ignore[union-attr]
    assert analyze(path, "First").flow.name == "First"  # type: ignore[union-attr]
    missing = analyze(path, "Third")
    assert missing.flow is None
    assert [d.code for d in missing.diagnostics] == ["FC003"]
    assert "First, Second" in (missing.diagnostics[0].hint or "")


def test_module_constants_feed_decorators_and_parameters(write_flow) -> None:
    source = src(
        """
        from flowc import FlowSpec, Parameter, resources, retry, step

        TIMES = 3
        MEM = 4 * 1024
        DEFAULT = "a" + "b"

        class F(FlowSpec):
            p = Parameter("p", default=DEFAULT)

            @resources(memory=MEM, cpu=0.5)
            @retry(times=TIMES)
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """
    )
    flow = analyze(write_flow(source)).flow
    assert flow is not None
    d = flow.step("start").decorators
    assert d.retry is not None and d.retry.times == 3
    assert d.resources is not None and (d.resources.memory, d.resources.cpu) == (4096, 0.5)
    assert flow.parameter("p").default == "ab"


def test_step_kinds_joins_and_foreach_scopes() -> None:
    root = Path(__file__).parents[1] / "shapes"
    flow = analyze(root / "nested_foreach.py").flow
    assert flow is not None
    assert flow.step("start").transition is Transition.FOREACH
    assert flow.step("cell").foreach_scopes == ("start", "row")
    assert flow.step("join_cols").join is JoinKind.FOREACH
    assert flow.step("join_cols").closes == "row"
    assert flow.step("join_cols").foreach_scopes == ("start",)
    assert flow.step("join_rows").closes == "start"
    assert flow.step("join_rows").kind is StepKind.JOIN
    branch = analyze(root / "branch.py").flow
    assert branch is not None
    assert branch.step("join").join is JoinKind.STATIC
    assert branch.step("start").kind is StepKind.START
    switch = analyze(root / "switch.py").flow
    assert switch is not None
    s = switch.step("start")
    assert s.transition is Transition.SWITCH
    assert s.switch_condition == "route"
    assert [(c.value, c.step) for c in s.switch_cases] == [("big", "big"), ("small", "small"), ("empty", "empty")]
    assert switch.step("after").join is None


def test_schedule_presets_and_timezone(write_flow) -> None:
    source = LINEAR.replace("class F(", '@schedule(daily=True, timezone="Europe/Paris")\nclass F(')
    source = source.replace("import FlowSpec, step", "import FlowSpec, schedule, step")
    flow = analyze(write_flow(source)).flow
    assert flow is not None and flow.schedule is not None
    assert (flow.schedule.cron, flow.schedule.preset, flow.schedule.timezone) == ("0 0 * * *", "daily", "Europe/Paris")


def test_parameters_types_defaults_and_include_files() -> None:
    root = Path(__file__).parents[2] / "examples"
    flow = analyze(root / "daily_etl.py").flow
    assert flow is not None
    orders = flow.parameter("orders")
    assert orders.include_file and orders.attr == "orders_file" and orders.default == "data/orders.csv"
    assert flow.parameter("min_amount").type is ParamType.FLOAT
    sweep = analyze(root / "hyperparam_sweep.py").flow
    assert sweep is not None
    lrs = sweep.parameter("learning_rates")
    assert lrs.type is ParamType.JSON and lrs.default == [0.001, 0.01, 0.1, 0.5]
    assert flow.project == "sales"


def test_kubernetes_decorator_maps_to_resources_and_image(write_flow) -> None:
    source = src(
        """
        from metaflow import FlowSpec, kubernetes, step

        class F(FlowSpec):
            @kubernetes(cpu=2, memory=8192, image="python:3.11")
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """
    )
    flow = analyze(write_flow(source)).flow
    assert flow is not None
    d = flow.step("start").decorators
    assert d.image == "python:3.11"
    assert d.resources is not None and d.resources.cpu == 2.0 and d.resources.memory == 8192
