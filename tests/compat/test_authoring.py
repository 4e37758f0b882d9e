"""Metaflow flows written with the rest of Metaflow's authoring dialect: `@step(start=True)` /
`@step(end=True)`, a one-step flow, flows that inherit steps, parameters, constants and flow
decorators from a base flow or a mixin (in the same file, or in a module beside the flow), and
IncludeFile defaults named by a `script_path(...)` helper.

Each flow is checked, compiled for every target, and run with `flowc run`; the artifacts expected are
what Metaflow 2.19.39 computes for the same file (`python flow.py run`, values read with its client).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flowc.compiler import analyze, compile_flow
from flowc.diagnostics import Severity

FLOWS = Path(__file__).parent / "flows" / "authoring"
TARGETS = ("step-functions", "argo", "airflow")

# (file, flow, params, the step whose artifacts are compared, the steps that ran, artifacts: Metaflow's)
CASES: list[tuple[str, str, dict[str, str], str, list[str], dict[str, Any]]] = [
    (
        "start_end_flow.py",
        "CustomEndsFlow",
        {},
        "finish",
        ["begin", "a", "b", "join", "finish"],
        {"alpha": 3, "total": 15, "result": 153},
    ),
    (
        "start_end_flow.py",
        "CustomEndsFlow",
        {"alpha": "5"},
        "finish",
        ["begin", "a", "b", "join", "finish"],
        {"alpha": 5, "total": 23, "result": 235},
    ),
    ("custom_start_end_step.py", "CustomFlow", {}, "finish", ["begin", "finish"], {"name": "CustomFlow"}),
    ("single_step_flow.py", "SingleStepFlow", {}, "only", ["only"], {"value": 42}),
    ("flow_inheritance.py", "ChildFlow", {}, "end", ["start", "end"], {"name": "ChildFlow"}),
    (
        "inherit_flow.py",
        "InheritFlow",
        {},
        "end",
        ["start", "middle", "end"],
        {"scale": 2, "OFFSET": 100, "x": 6, "y": 106, "z": 212},
    ),
    (
        "inherit_flow.py",
        "InheritFlow",
        {"scale": "5"},
        "end",
        ["start", "middle", "end"],
        {"scale": 5, "OFFSET": 100, "x": 15, "y": 115, "z": 230},
    ),
    (
        "same_file_inherit_flow.py",
        "SameFileChildFlow",
        {},
        "end",
        ["start", "end"],
        {"greeting": "hi", "words": ["hi", "there"]},
    ),
    # IncludeFile defaults from script_path("scores.csv")-style helpers: files beside the flow, found
    # from another working directory too
    ("include_beside_flow.py", "IncludeBesideFlow", {}, "end", ["start", "end"], {"total": 12, "first_label": "alpha"}),
]


def errors(path: Path, flow: str | None = None) -> list[str]:
    a = analyze(path, flow)
    return [f"{d.code} {d.message}" for d in a.diagnostics if d.severity is Severity.ERROR]


@pytest.mark.parametrize("file", sorted({c[0] for c in CASES}))
def test_checks_clean_and_compiles_for_every_target(file: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWC_USER", "alice")  # who deploys: @project's default branch names them
    path = FLOWS / file
    assert errors(path) == []
    for target in TARGETS:
        result = compile_flow(str(path), target, {})
        bad = [f"{d.code} {d.message}" for d in result.diagnostics if d.severity is Severity.ERROR]
        assert bad == [], target
        assert result.output is not None and result.output.files, target


@pytest.mark.parametrize(("file", "flow", "params", "step", "ran", "expected"), CASES)
def test_runs_with_metaflows_results(
    tmp_path: Path, file: str, flow: str, params: dict[str, str], step: str, ran: list[str], expected: dict[str, Any]
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "FLOWC_DATASTORE"}
    args = [arg for name, value in params.items() for arg in ("--param", f"{name}={value}")]
    run = [sys.executable, "-m", "flowc", "run", str(FLOWS / file), "--run-id", "r1", *args]
    proc = subprocess.run(run, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    show = [sys.executable, "-m", "flowc", "artifacts", flow, "--run", "r1", "--format", "json"]
    proc = subprocess.run(show, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["status"] == "succeeded" and doc["step"] == step
    (task,) = doc["tasks"]
    values = {k: v["value"] for k, v in task["artifacts"].items()}
    assert {k: values.get(k) for k in expected} == expected
    steps = sorted(p.name for p in (tmp_path / ".flowc" / flow / "runs" / "r1" / "steps").iterdir())
    assert steps == sorted(ran)
