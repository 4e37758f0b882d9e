"""One flow, one result everywhere: every executor's dump of every corpus run against the reference.

The reference of a run is Metaflow 2.19.39's own run of it when the flow is a Metaflow flow that
Metaflow runs (and is not a documented case where Metaflow is wrong), else `flowc run`. Every other
executor must leave the same tasks with the same artifacts and the same outcome; a failure names the
first differing task and artifact and both logs. Known differences are in known.py, strict both ways:
a known difference that stops differing fails its test until its entry is removed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

import pytest

from tests.conformance import canonical
from tests.conformance.conftest import Suite
from tests.conformance.corpus import Case, cases, dialect, expectations, flow_of, in_airflow2_subset, references
from tests.conformance.executors import AIRFLOW_VENVS, Result, airflow_python, comparable, metaflow_python
from tests.conformance.known import METAFLOW_WRONG, known, metaflow_artifacts, without_metaflow_artifacts

# Widened as each executor is green on the corpus (Airflow 2 on corpus.AIRFLOW2_SUBSET).
EXECUTORS = ("flowc-run", "flowc-spawn", "step-driver", "argo", "sfn-worker", "airflow3", "airflow2")
CASES = cases()


def _params() -> Iterator[Any]:
    for case in CASES:
        for executor in EXECUTORS:
            if executor == "airflow2" and not in_airflow2_subset(case):
                continue  # dag.test() is slow: Airflow 2 runs a chosen subset (corpus.AIRFLOW2_SUBSET)
            reason = known(case.id, executor)
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(executor, case, id=f"{case.id}::{executor}", marks=marks)


def _missing(message: str) -> None:
    # Locally a missing engine skips; in CI (CI=true) it fails: it must never pass silently.
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def reference(suite: Suite, case: Case) -> tuple[str, Result]:
    for name in references(case):
        if name == "metaflow" and metaflow_python() is None:
            continue
        result = suite.result(name, case)
        if name == "metaflow" and result.dump["outcome"] in ("refused", "harness-error"):
            continue  # Metaflow does not run it: flowc run is the reference (test_oracle says why)
        return name, result
    raise AssertionError("no reference")  # pragma: no cover (flowc-run is always a reference)


def _check_expectations(name: str, result: Result, case: Case) -> None:
    want = expectations(case)
    dump = result.dump
    if name == "metaflow":  # where Metaflow is known to differ, the values written down are flowc's
        dump = {**dump, "tasks": without_metaflow_artifacts(case.id, dump["tasks"])}
        want["tasks"] = without_metaflow_artifacts(case.id, want.get("tasks", {}))
    if "outcome" in want or dump["outcome"] != "ok":
        assert (dump["outcome"], dump["failed_step"]) == (
            want.get("outcome", "ok"),
            want.get("failed_step"),
        ), f"{name} ({result.log})"
    for task, values in want.get("tasks", {}).items():
        assert task in dump["tasks"], f"{name} has no task {task}; log {result.log}"
        for artifact, value in values.items():
            got = dump["tasks"][task].get(artifact, "<missing>")
            assert canonical.encode(got) == canonical.encode(canonical.canonical(value)), (
                f"{name}: {task}.{artifact} is {canonical.encode(got)}, want {value!r}; log {result.log}"
            )
    for task, values in want.get("tasks_json", {}).items():
        assert task in dump["tasks"], f"{name} has no task {task}; log {result.log}"
        for artifact, value in values.items():
            got = canonical.plain(dump["tasks"][task].get(artifact, "<missing>"))
            assert got == value, f"{name}: {task}.{artifact} is {got!r}, want {value!r}; log {result.log}"


@pytest.mark.parametrize(("executor", "case"), list(_params()))
def test_executor_agrees_with_the_reference(suite: Suite, executor: str, case: Case) -> None:
    skip = case.skip_reason(executor)
    if skip:
        pytest.skip(skip)
    if executor in AIRFLOW_VENVS and airflow_python(executor) is None:
        _missing(f"{AIRFLOW_VENVS[executor]} is missing: run .ci/setup.d/30-airflow.sh")
    got = suite.result(executor, case)
    assert got.dump["outcome"] != "harness-error", f"the {executor} harness broke:\n{got.log}"
    if executor == "flowc-run":
        # The values written down hold for `flowc run` whatever the reference (where Metaflow is known
        # to differ, they are flowc's); every other executor is compared with the reference.
        _check_expectations(executor, got, case)
    ref_name, ref = reference(suite, case)
    if ref_name == executor:
        return
    flow = flow_of(case.path)
    mine, theirs = comparable(got.dump, flow), comparable(ref.dump, flow)
    if ref_name == "metaflow":  # artifacts known to differ from Metaflow's (known.METAFLOW_ARTIFACTS)
        mine = {**mine, "tasks": without_metaflow_artifacts(case.id, mine["tasks"])}
        theirs = {**theirs, "tasks": without_metaflow_artifacts(case.id, theirs["tasks"])}
    diff = canonical.first_difference(mine, theirs)
    assert diff is None, f"{executor} differs from {ref_name}: {diff}\n  {executor}: {got.log}\n  {ref_name}: {ref.log}"


METAFLOW_CASES = [c for c in CASES if "metaflow" in references(c)]


def _oracle_params() -> Iterator[Any]:
    for case in METAFLOW_CASES:
        reason = known(case.id, "metaflow")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(case, id=case.id, marks=marks)


@pytest.mark.parametrize("case", list(_oracle_params()))
def test_oracle_runs_the_flow_with_the_right_values(suite: Suite, case: Case) -> None:
    """Metaflow itself runs each Metaflow flow of the corpus, and shows the values written down."""
    if metaflow_python() is None:
        _missing(".venv-metaflow is missing: run .ci/setup.d/40-metaflow.sh")
    result = suite.result("metaflow", case)
    assert result.dump["outcome"] not in ("refused", "harness-error"), result.log
    _check_expectations("metaflow", result, case)


STILL_DIFFERS = [
    c for c in CASES if dialect(c.path) == "metaflow" and (c.rel in METAFLOW_WRONG or metaflow_artifacts(c.id))
]


@pytest.mark.parametrize(("executor", "case"), [pytest.param("metaflow", c, id=c.id) for c in STILL_DIFFERS])
def test_metaflow_still_differs(suite: Suite, executor: str, case: Case) -> None:
    """Each documented difference from Metaflow (known.METAFLOW_WRONG, known.METAFLOW_ARTIFACTS) still
    differs: an entry Metaflow now agrees with fails here until it is removed."""
    if metaflow_python() is None:
        _missing(".venv-metaflow is missing: run .ci/setup.d/40-metaflow.sh")
    theirs = suite.result(executor, case)
    mine = suite.result("flowc-run", case)
    assert mine.dump["outcome"] != "harness-error", mine.log
    assert theirs.dump["outcome"] != "harness-error", theirs.log
    if case.rel in METAFLOW_WRONG:
        same = canonical.first_difference(mine.dump, theirs.dump) is None
        assert not same, f"Metaflow now agrees with flowc: remove known.METAFLOW_WRONG[{case.rel!r}]"
    for task_pat, name, _ in metaflow_artifacts(case.id):
        pairs = [
            (values.get(name, "<missing>"), theirs.dump["tasks"].get(task, {}).get(name, "<missing>"))
            for task, values in mine.dump["tasks"].items()
            if fnmatchcase(task, task_pat) and name in values
        ]
        assert pairs, f"flowc left no {task_pat}.{name}: the entry in known.METAFLOW_ARTIFACTS names nothing"
        differ = [p for p in pairs if canonical.encode(p[0]) != canonical.encode(p[1])]
        assert differ, f"{task_pat}.{name} now agrees with Metaflow: remove its entry in known.METAFLOW_ARTIFACTS"
