"""Every conditional shape and loop on Argo: the `depends`/`when` each task gets, the gates and the
loop templates, checked against Argo's schema and run by the interpreter through the real runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.targets.argo.conftest import dag_tasks, load_flow, run_flow, template, workflow_template
from tests.targets.argo.interpreter import SUCCEEDED

SWITCH = ROOT / "tests" / "conformance" / "flows" / "switch"
ROWS = ROOT / "tests" / "conformance" / "flows" / "rows"

BUILTIN_NAMES = """
from flowc import FlowSpec, step


class WordNamesFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.split)

    @step
    def split(self):
        self.parts = ["x", "y"]
        self.next(self.map, foreach="parts")

    @step
    def map(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_a_case_also_reached_another_way_waits_for_the_other_case_task() -> None:
    # Metaflow-compat case 05: `end` follows case 'done' of start directly, or `more`.
    tasks = dag_tasks(workflow_template(load_flow(SWITCH / "switch_case_is_end.py")))
    # Case 'done' was taken exactly when the other case's task `more` was skipped; no task reads a
    # skipped task's outputs.
    assert tasks["end"]["depends"] == "more.Skipped || more.Succeeded"
    assert "when" not in tasks["end"]
    assert tasks["more"]["depends"] == "start.Succeeded"


def test_a_join_after_a_switch_in_a_branch_waits_for_one_case_per_branch() -> None:
    # Metaflow-compat case 06.
    tasks = dag_tasks(workflow_template(load_flow(ROWS / "switch_in_branch_join.py")))
    assert tasks["join"]["depends"] == "(c.Succeeded || d.Succeeded) && b.Succeeded"


def test_a_case_straight_to_a_static_join_counts_for_its_branch() -> None:
    tasks = dag_tasks(workflow_template(load_flow(SWITCH / "switch_to_join_in_branch.py")))
    assert tasks["join"]["depends"] == "(c.Skipped || c.Succeeded) && b.Succeeded"


def test_two_shared_cases_of_one_switch_are_observed_by_gates_without_pods() -> None:
    wt = workflow_template(load_flow(SWITCH / "two_shared_cases.py"))
    tasks = dag_tasks(wt)
    case = "{{tasks.p.outputs.parameters.switch_index}}"
    assert tasks["p-to-m"] == {
        "name": "p-to-m",
        "template": "gate",
        "depends": "p.Succeeded",
        "when": f"'{case}' == '0'",  # case "x", the first
    }
    assert tasks["n"]["depends"] == "p-to-n.Succeeded || q.Succeeded"
    assert tasks["m"]["depends"] == "p-to-m.Succeeded || n.Succeeded"
    assert template(wt, "gate") == {"name": "gate", "suspend": {"duration": "0"}}
    # No gate where the other cases' own tasks tell which case ran.
    plain = workflow_template(load_flow(SWITCH / "switch_case_is_end.py"))
    assert all("suspend" not in t for t in plain["spec"]["templates"])


@pytest.mark.parametrize(("version", "renamed"), [("3.5", True), ("3.7", False), ("4", False)])
def test_steps_named_like_builtins_are_renamed_where_argo_would_misread_them(
    write_flow, version: str, renamed: bool
) -> None:
    # Semantics case 07: Argo 3.5.0-3.5.4 read `split` and `join` in `depends` as expr builtins.
    wt = workflow_template(load_flow(write_flow(BUILTIN_NAMES)), argo_version=version)
    names = set(dag_tasks(wt))
    assert ("split" in names) is not renamed and ("join" in names) is not renamed
    if renamed:
        assert {n.split("-")[0] for n in names if n.count("-") == 1} >= {"split", "join"}
        assert json.loads(wt["metadata"]["annotations"]["flowc.dev/task-names"])


def test_a_step_named_like_an_operator_is_renamed_on_every_version(write_flow) -> None:
    source = (
        "from flowc import FlowSpec, step\n\n\nclass F(FlowSpec):\n    @step\n    def start(self):\n"
        "        self.next(self.matches)\n\n    @step\n    def matches(self):\n        self.next(self.end)\n\n"
        "    @step\n    def end(self):\n        pass\n"
    )
    tasks = dag_tasks(workflow_template(load_flow(write_flow(source)), argo_version="4"))
    (renamed,) = [n for n in tasks if n.startswith("matches")]
    assert renamed != "matches" and tasks["end"]["depends"] == f"{renamed}.Succeeded"


def test_a_loop_is_a_template_that_calls_itself_with_the_next_iteration() -> None:
    # Metaflow-compat case 01, a switch that loops back to itself (here with two ways out).
    wt = workflow_template(load_flow(SWITCH / "loop_two_exits.py"))
    main = dag_tasks(wt)
    assert main["attempt-loop"]["arguments"]["parameters"] == [{"name": "iteration", "value": "0"}]
    exit_case = "{{tasks.attempt-loop.outputs.parameters.exit_attempt}}"
    # cases by position: again 0, good 1, bad 2
    assert main["good"]["when"] == f"'{exit_case}' == '1'"
    assert main["bad"]["when"] == f"'{exit_case}' == '2'"
    body = dag_tasks(wt, "attempt-loop")
    index = {"name": "index", "value": "{{inputs.parameters.iteration}}"}
    assert body["attempt"]["arguments"]["parameters"][1] == index
    assert body["attempt-next"] == {
        "name": "attempt-next",
        "template": "attempt-loop",
        "arguments": {"parameters": [{"name": "iteration", "value": "{{=asInt(inputs.parameters.iteration) + 1}}"}]},
        "depends": "attempt.Succeeded",
        "when": "'{{tasks.attempt.outputs.parameters.switch_index}}' == '0'",
    }
    (out,) = template(wt, "attempt-loop")["outputs"]["parameters"]
    assert out == {
        "name": "exit_attempt",
        "valueFrom": {
            "expression": "tasks['attempt-next']?.outputs?.parameters?.exit_attempt ?? "
            "tasks['attempt']?.outputs?.parameters?.switch_index ?? ''"
        },
    }


def test_a_loop_inside_a_foreach_passes_the_item_as_the_index_prefix() -> None:
    wt = workflow_template(load_flow(SWITCH / "loop_in_foreach.py"))
    body = dag_tasks(wt, "start-body")
    assert body["poll-loop"]["arguments"]["parameters"] == [
        {"name": "prefix", "value": "{{inputs.parameters.index}}"},
        {"name": "iteration", "value": "0"},
    ]
    loop = dag_tasks(wt, "poll-loop")
    index = "{{inputs.parameters.prefix}}.{{inputs.parameters.iteration}}"
    assert {"name": "index", "value": index} in loop["poll"]["arguments"]["parameters"]


def test_a_loop_that_may_outgrow_argo_s_nesting_is_a_warning(write_flow) -> None:
    source = (SWITCH / "loop_max_iterations.py").read_text()
    from flowc.targets.argo import ArgoTarget

    from flowc.compiler import analyze

    def warnings(text: str) -> list[str]:
        flow = analyze(write_flow(text)).flow
        assert flow is not None
        opts = {o.dest: o.default for o in ArgoTarget().options()} | {"datastore": "s3://bucket/p"}
        return [d.message for d in ArgoTarget().compile(flow, opts).diagnostics if d.severity.value == "warning"]

    assert warnings(source) == []
    assert warnings(source.replace("max_iterations=3", "max_iterations=97")) == []
    (message,) = warnings(source.replace("max_iterations=3", "max_iterations=98"))
    assert "past about 97 iterations" in message
    assert warnings(source.replace("    @loop(max_iterations=3)\n", ""))  # the default, 1,000


# Every shape and case value runs through the interpreter in the conformance suite (executor `argo`).


def test_loops_run_the_same_when_skipped_outputs_read_as_their_defaults(tmp_path: Path) -> None:
    # Argo 3.7.16+/4.0.7+ fill a skipped container's outputs with their declared defaults in a DAG's
    # outputs; the loop's exit outputs come out the same.
    run, store = run_flow(SWITCH / "loop_nested.py", tmp_path, {"bail_at": 4}, skipped_defaults=True)
    assert run.phase == SUCCEEDED, [n.stderr for n in run.failed()]
    assert store.task_artifacts("wf-test", "end")["total"] == 4
