"""The test interpreter's own semantics, which the end-to-end tests rely on to mean Argo's."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.targets.argo.interpreter import (
    OMITTED,
    SKIPPED,
    SUCCEEDED,
    Interpreter,
    Unresolved,
    Unsupported,
    depends_satisfied,
    when_true,
)


def test_bare_depends_is_satisfied_by_a_skipped_task_but_succeeded_is_not() -> None:
    assert depends_satisfied("a", {"a": SKIPPED})
    assert not depends_satisfied("a.Succeeded", {"a": SKIPPED})
    assert depends_satisfied("a.Succeeded || b.Succeeded", {"a": SKIPPED, "b": SUCCEEDED})
    assert not depends_satisfied("a.Succeeded && (b.Succeeded || b.Skipped)", {"a": OMITTED, "b": SKIPPED})
    assert depends_satisfied("!a.Failed", {"a": SUCCEEDED})


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
