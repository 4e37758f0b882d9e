"""The test interpreter's own semantics, which the end-to-end tests rely on to mean Argo's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.targets.argo.interpreter import (
    FAILED,
    MAX_STACK_DEPTH,
    OMITTED,
    SKIPPED,
    SUCCEEDED,
    Interpreter,
    Unresolved,
    Unsupported,
    WaitsForever,
    dag_phase,
    depends_satisfied,
    evaluate,
    when_true,
)


def test_bare_depends_is_satisfied_by_a_skipped_task_but_succeeded_is_not() -> None:
    assert depends_satisfied("a", {"a": SKIPPED})
    assert not depends_satisfied("a.Succeeded", {"a": SKIPPED})
    assert depends_satisfied("a.Succeeded || b.Succeeded", {"a": SKIPPED, "b": SUCCEEDED})
    assert not depends_satisfied("a.Succeeded && (b.Succeeded || b.Skipped)", {"a": OMITTED, "b": SKIPPED})
    assert depends_satisfied("!a.Failed", {"a": SUCCEEDED})


def test_a_dag_is_judged_by_its_leaves_branches_as_argos_assess_dag_phase() -> None:
    def tasks(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
        return [{"name": n, **({"depends": d} if d else {})} for n, d in pairs]

    handled = tasks(("a", ""), ("b", "a.Failed"), ("c", "a.Succeeded || b.Succeeded"))
    # A failed task whose failure another task takes over fails nothing: c's branch is c's own phase.
    assert dag_phase(handled, {"a": FAILED, "b": SUCCEEDED, "c": SUCCEEDED}) == SUCCEEDED
    assert dag_phase(handled, {"a": SUCCEEDED, "b": OMITTED, "c": SUCCEEDED}) == SUCCEEDED
    # Not every leaf has run yet: still running, even after a failure.
    assert dag_phase(handled, {"a": FAILED}) == "Running"
    # An omitted leaf takes the phase of the last task that ran before it, a failed one winning.
    plain = tasks(("a", ""), ("b", ""), ("c", "a.Succeeded && b.Succeeded"))
    assert dag_phase(plain, {"a": FAILED, "b": SUCCEEDED, "c": OMITTED}) == FAILED
    # A leaf that failed fails the DAG at once (failFast), whatever else still runs.
    assert dag_phase(tasks(("a", ""), ("b", ""), ("c", "a")), {"b": FAILED}) == FAILED
    # Skipped tasks inherit too: a skipped leaf after a success is a success.
    assert dag_phase(tasks(("a", ""), ("b", "a")), {"a": SUCCEEDED, "b": SKIPPED}) == SUCCEEDED


def test_a_task_reads_the_phase_of_a_task_it_depends_on(tmp_path: Path) -> None:
    wf = _workflow(
        [
            {"name": "boom", "template": "fail"},
            {
                "name": "after",
                "template": "show",
                "depends": "boom.Failed",
                "arguments": {"parameters": [{"name": "s", "value": "{{tasks.boom.status}}"}]},
            },
        ]
    )
    wf["spec"]["templates"] += [
        {"name": "fail", "container": {"image": "x", "command": _echo("import os; os._exit(137)")}},
        {
            "name": "show",
            "inputs": {"parameters": [{"name": "s"}]},
            "container": {
                "image": "x",
                "command": [*_echo("import sys; assert sys.argv[1] == 'Failed'"), "{{inputs.parameters.s}}"],
            },
        },
    ]
    run = Interpreter(wf, tmp_path).submit("wf")
    assert run.phase == SUCCEEDED, [(n.path, n.phase, n.stderr) for n in run.nodes]
    assert [n.phase for n in run.nodes] == [FAILED, SUCCEEDED]


def test_when_compares_quoted_strings() -> None:
    assert when_true("'even' == 'even'")
    assert not when_true("'odd' == 'even' || 'odd' == 'x'")
    assert when_true("'a' != 'b' && true")
    with pytest.raises(Unsupported):
        when_true("odd == even")


def _echo(code: str) -> list[str]:
    return [sys.executable, "-c", code]


WRITE_CASE = "import pathlib, sys; p = pathlib.Path(sys.argv[1]); p.parent.mkdir(); p.write_text('b')"


def _workflow(tasks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "kind": "WorkflowTemplate",
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
                {
                    "name": "pick",
                    "container": {
                        "image": "x",
                        # The output path is its own argv item, as the runner's --output-values is.
                        "command": [*_echo(WRITE_CASE), "/out/case"],
                    },
                    "outputs": {"parameters": [{"name": "case", "valueFrom": {"path": "/out/case", "default": ""}}]},
                },
                {"name": "ok", "container": {"image": "x", "command": _echo("pass")}},
            ],
        },
    }


def test_a_skipped_case_omits_what_depends_on_its_success_only(tmp_path: Path) -> None:
    case = "'{{tasks.pick.outputs.parameters.case}}'"
    wf = _workflow(
        [
            {"name": "pick", "template": "pick"},
            {"name": "a", "template": "ok", "depends": "pick.Succeeded", "when": f"{case} == 'a'"},
            {"name": "b", "template": "ok", "depends": "pick.Succeeded", "when": f"{case} == 'b'"},
            {"name": "after-a", "template": "ok", "depends": "a.Succeeded"},
            {"name": "after-a-bare", "template": "ok", "depends": "a"},
            {"name": "after-either", "template": "ok", "depends": "after-a.Succeeded || b.Succeeded"},
        ]
    )
    run = Interpreter(wf, tmp_path).submit("wf")
    phases = {n.path.rsplit("/", 1)[-1]: n.phase for n in run.nodes}
    assert phases == {
        "pick": SUCCEEDED,
        "a": SKIPPED,
        "b": SUCCEEDED,
        "after-a": OMITTED,
        # What flowc must never emit: a bare name runs after a skipped case.
        "after-a-bare": SUCCEEDED,
        "after-either": SUCCEEDED,
    }


def test_undefined_variables_and_unknown_fields_are_errors(tmp_path: Path) -> None:
    wf = _workflow([{"name": "a", "template": "ok", "arguments": {"parameters": [{"name": "x", "value": "{{nope}}"}]}}])
    with pytest.raises(Unresolved):
        Interpreter(wf, tmp_path).submit("wf")
    wf = _workflow([{"name": "a", "template": "ok", "withParam": "[]"}])
    with pytest.raises(Unsupported):
        Interpreter(wf, tmp_path).submit("wf")


def test_reading_a_skipped_tasks_output_never_runs(tmp_path: Path) -> None:
    # Argo 3.7.11+/4.0.2+: the task's depends holds, but it reads `a`'s output and `a` was skipped.
    case = "'{{tasks.pick.outputs.parameters.case}}'"
    wf = _workflow(
        [
            {"name": "pick", "template": "pick"},
            {"name": "a", "template": "pick", "depends": "pick.Succeeded", "when": f"{case} == 'a'"},
            {
                "name": "after",
                "template": "ok",
                "depends": "a.Skipped || a.Succeeded",
                "when": "'{{tasks.a.outputs.parameters.case}}' == 'b'",
            },
        ]
    )
    with pytest.raises(WaitsForever, match="'a', which was skipped"):
        Interpreter(wf, tmp_path).submit("wf")
    # The same read from a task whose depends fails is never resolved: it is only Omitted.
    wf = _workflow(
        [
            {"name": "pick", "template": "pick"},
            {"name": "a", "template": "pick", "depends": "pick.Succeeded", "when": f"{case} == 'a'"},
            {
                "name": "after",
                "template": "ok",
                "depends": "a.Succeeded",
                "when": "'{{tasks.a.outputs.parameters.case}}'",
            },
        ]
    )
    run = Interpreter(wf, tmp_path).submit("wf")
    assert [n.phase for n in run.nodes if n.path.endswith("/after")] == [OMITTED]


def test_zero_second_suspend_is_a_node_without_a_pod(tmp_path: Path) -> None:
    wf = _workflow([{"name": "gate", "template": "gate"}, {"name": "a", "template": "ok", "depends": "gate.Succeeded"}])
    wf["spec"]["templates"].append({"name": "gate", "suspend": {"duration": "0"}})
    run = Interpreter(wf, tmp_path).submit("wf")
    assert next((n.path, n.phase, n.argv) for n in run.nodes) == ("main/gate", SUCCEEDED, [])
    wf["spec"]["templates"][-1]["suspend"] = {"duration": "10s"}
    with pytest.raises(Unsupported):
        Interpreter(wf, tmp_path).submit("wf")


def test_expressions_read_nil_for_missing_keys_and_fall_back_with_coalesce() -> None:
    env = {"tasks": {"a": {"outputs": {"parameters": {"p": "x"}}}, "b": {"status": "Skipped"}}}
    assert evaluate("tasks['a']?.outputs?.parameters?.p", env) == "x"
    assert evaluate("tasks['b']?.outputs?.parameters?.p", env) is None
    assert evaluate("tasks['c']?.outputs?.parameters?.p ?? tasks['a']?.outputs?.parameters?.p ?? ''", env) == "x"
    assert evaluate("tasks['c']?.outputs?.parameters?.p ?? ''", env) == ""
    assert evaluate("asInt(inputs.parameters.i) + 1", {"inputs": {"parameters": {"i": "4"}}}) == 5
    with pytest.raises(Unresolved):
        evaluate("tasks['b'].outputs.parameters", env)


def test_templates_nest_at_most_argo_s_stack_depth(tmp_path: Path) -> None:
    # A DAG that calls itself forever: Argo fails the node at depth 100.
    wf = {
        "kind": "WorkflowTemplate",
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "dag": {"tasks": [{"name": "again", "template": "main"}]}}],
        },
    }
    run = Interpreter(wf, tmp_path).submit("wf")
    assert run.phase == "Failed"
    (deepest,) = [n for n in run.nodes if n.phase == "Failed"]
    assert deepest.path.count("/again") == MAX_STACK_DEPTH - 1
    assert "recursion depth" in deepest.stderr
