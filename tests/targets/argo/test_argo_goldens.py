"""The examples' manifests, compared with golden copies (FLOWC_REGENERATE=1 rewrites them).

Output is deterministic, so the comparison is byte for byte with no normalising. The code package id
in the manifests hashes the examples folder, so editing any example changes every golden file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowc.compiler import compile_flow
from tests.conftest import ROOT, SWITCH_SHAPES, assert_golden, example_files

GOLDEN = ROOT / "tests" / "golden" / "argo"
OPTIONS = {"datastore": "s3://flowc-examples/datastore", "image": "registry.example/flowc:1"}
CASES = [(p, "3.7") for p in example_files()] + [(ROOT / "examples" / "daily_etl.py", "3.5")]
# One flow of each conditional shape and loop (tests/conformance/flows/switch).
SHAPE_CASES = [(p, "3.7") for p in sorted(SWITCH_SHAPES.glob("*.py"))]


@pytest.mark.parametrize(("path", "version"), CASES, ids=lambda c: c.stem if isinstance(c, Path) else c)
def test_example_compiles_to_its_golden_manifests(path: Path, version: str) -> None:
    result = compile_flow(path, "argo", {**OPTIONS, "argo_version": version})
    assert result.ok, [d.message for d in result.diagnostics]
    folder = GOLDEN / f"{path.stem}.argo-{version}"
    assert_golden(folder, result.files)


@pytest.mark.parametrize(("path", "version"), SHAPE_CASES, ids=lambda c: c.stem if isinstance(c, Path) else c)
def test_switch_shape_compiles_to_its_golden_manifests(path: Path, version: str) -> None:
    result = compile_flow(path, "argo", {**OPTIONS, "argo_version": version})
    assert result.ok, [d.message for d in result.diagnostics]
    assert_golden(GOLDEN / "switch" / path.stem, result.files)
