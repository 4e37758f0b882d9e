"""The examples' compiled files, compared with golden copies (FLOWC_REGENERATE=1 rewrites them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_golden

from .helpers import BATCH, EXAMPLES, ROOT, WORKER, compile_sf

GOLDEN = ROOT / "tests" / "golden" / "step-functions"
CASES = [(p, "batch") for p in sorted(EXAMPLES.glob("*.py"))] + [(EXAMPLES / "hyperparam_sweep.py", "worker")]


@pytest.mark.parametrize(("path", "mode"), CASES, ids=lambda c: c.stem if isinstance(c, Path) else c)
def test_example_compiles_to_its_golden_files(path: Path, mode: str) -> None:
    result = compile_sf(path, **(BATCH if mode == "batch" else WORKER))
    assert result.ok, [d.message for d in result.diagnostics]
    folder = GOLDEN / f"{path.stem}.{mode}"
    assert_golden(folder, result.files)
