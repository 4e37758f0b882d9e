"""The emitted manifests, run: the test interpreter executes each WorkflowTemplate as Argo would,
each task through the real runner (`flowc step` subprocesses, local datastore), and the final
artifacts must be what expected.json says. A wiring mistake (a wrong index, a missing output, a
depends that runs a skipped case's successor) fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHAPES, expected
from tests.targets.argo.conftest import assert_outcome, run_flow
from tests.targets.argo.interpreter import SUCCEEDED

# Every example, shape and switch case runs through the interpreter in the conformance suite (executor
# `argo`, tests/conformance), compared task by task with the reference; here one that succeeds and
# one that fails, as a check of this folder's harness (run_flow, assert_outcome).
FLOWS = [SHAPES / "linear.py", SHAPES / "failing.py"]


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_flow_runs_through_the_emitted_manifest(path: Path, tmp_path: Path) -> None:
    want = expected(path)
    run, store = run_flow(path, tmp_path)
    assert_outcome(run, store, want)


def test_switch_runs_only_the_case_taken_and_what_follows_it(tmp_path: Path) -> None:
    run, _ = run_flow(Path(__file__).parents[2] / "shapes" / "switch_in_foreach.py", tmp_path)
    ran = sorted((n.arguments["index"], n.arguments["step"]) for n in run.containers() if n.arguments.get("index"))
    # Items 1..4 (index 0..3): odd numbers take `odd`, even ones `even`; `collect` runs for every item.
    assert ("0", "odd") in ran and ("1", "even") in ran
    assert ("0", "even") not in ran and ("1", "odd") not in ran
    assert [i for i, s in ran if s == "collect"] == ["0", "1", "2", "3"]
    skipped = {n.path.rsplit("/", 1)[-1] for n in run.nodes if n.phase == "Skipped"}
    assert skipped == {"even", "odd"}


def test_workflow_parameters_reach_the_start_step_as_typed_values(tmp_path: Path) -> None:
    # A value a shell would expand: it must arrive as written, since no shell ever sees it.
    given = {"who": "it's $(whoami)", "count": "7", "loud": "true", "config": '{"k": [3]}'}
    run, store = run_flow(Path(__file__).parents[2] / "shapes" / "parameters.py", tmp_path, given)
    assert run.phase == SUCCEEDED, [n.stderr for n in run.failed()]
    assert store.task_artifacts("wf-test", "end")["result"] == ["HELLO IT'S $(WHOAMI)", 7, 0.5, [3]]


def test_retried_task_passes_its_attempt_to_the_runner(tmp_path: Path) -> None:
    run, store = run_flow(Path(__file__).parents[2] / "shapes" / "retries.py", tmp_path)
    flaky = next(n for n in run.containers() if n.arguments["step"] == "flaky")
    assert flaky.attempts == 2
    assert store.task_artifacts("wf-test", "end")["result"] == 1
