"""The examples' compiled files, compared with golden copies (FLOWC_REGENERATE=1 rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_golden

from .helpers import BATCH, EXAMPLES, ROOT, SWITCH_SHAPES, WORKER, compile_sf

GOLDEN = ROOT / "tests" / "golden" / "step-functions"
CASES = [(p, "batch") for p in sorted(EXAMPLES.glob("*.py"))] + [(EXAMPLES / "hyperparam_sweep.py", "worker")]


@pytest.mark.parametrize(("path", "mode"), CASES, ids=lambda c: c.stem if isinstance(c, Path) else c)
def test_example_compiles_to_its_golden_files(path: Path, mode: str) -> None:
    result = compile_sf(path, **(BATCH if mode == "batch" else WORKER))
    assert result.ok, [d.message for d in result.diagnostics]
    folder = GOLDEN / f"{path.stem}.{mode}"
    assert_golden(folder, result.files)


@pytest.mark.parametrize("path", sorted(SWITCH_SHAPES.glob("*.py")), ids=lambda p: p.stem)
def test_switch_shape_compiles_to_its_golden_files(path: Path) -> None:
    # One flow of each conditional shape and loop (tests/conformance/flows/switch), in batch mode.
    result = compile_sf(path, **BATCH)
    assert result.ok, [d.message for d in result.diagnostics]
    assert_golden(GOLDEN / "switch" / path.stem, result.files)
