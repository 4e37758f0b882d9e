"""Shared pieces of the Argo target's tests: compiling flows, and Argo's published schemas.

The schemas and upstream examples live in `<repo>/../shared/argo` (beside the repository in CI and
for developers, never copied into it); tests that need them skip with the reason when it is absent.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from flowc.targets.argo import ArgoTarget, load_manifests

from flowc.compiler import analyze
from flowc.ir import Flow
from flowc.target_api import TargetResult
from tests.conftest import ROOT

SHARED_ARGO = ROOT.parent / "shared" / "argo"
SCHEMA_FILES = {"3.5": "schema-v3.5.14.json", "3.7": "schema-v3.7.18.json", "4": "schema-v4.json"}
# What the tests run tasks with: this interpreter's flowc, whatever is on PATH.
EXECUTABLE = (sys.executable, "-m", "flowc")


def needs_shared() -> Path:
    if not (SHARED_ARGO / "schemas").is_dir():
        pytest.skip(f"Argo's published schemas are not at {SHARED_ARGO} (the shared/ folder beside the repo)")
    return SHARED_ARGO


@functools.cache
def published_schema(version: str) -> dict[str, Any]:
    from flowc.targets.argo import schema

    return schema.published(needs_shared() / "schemas" / SCHEMA_FILES[version])


def load_flow(path: Path) -> Flow:
    analysis = analyze(path)
    assert analysis.flow is not None, analysis.diagnostics
    return analysis.flow


def compile_argo(flow: Flow, **options: Any) -> TargetResult:
    opts = {o.dest: o.default for o in ArgoTarget().options()}
    opts["datastore"] = "s3://flowc-test/datastore"
    opts.update(options)
    return ArgoTarget().compile(flow, opts)


def manifests(flow: Flow, **options: Any) -> list[dict[str, Any]]:
    result = compile_argo(flow, **options)
    errors = [d for d in result.diagnostics if d.severity.value == "error"]
    assert not errors, errors
    return load_manifests(result)


def workflow_template(flow: Flow, **options: Any) -> dict[str, Any]:
    return manifests(flow, **options)[0]


def dag_tasks(wt: dict[str, Any], template: str = "main") -> dict[str, dict[str, Any]]:
    t = next(t for t in wt["spec"]["templates"] if t["name"] == template)
    return {task["name"]: task for task in t["dag"]["tasks"]}


def template(wt: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in wt["spec"]["templates"] if t["name"] == name)


def yaml_docs(text: str) -> list[Any]:
    return list(yaml.safe_load_all(text))
