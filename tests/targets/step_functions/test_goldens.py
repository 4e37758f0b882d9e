"""The examples' compiled files, compared with golden copies (FLOWC_REGENERATE=1 rewrites them)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .helpers import BATCH, EXAMPLES, ROOT, WORKER, compile_sf

GOLDEN = ROOT / "tests" / "golden" / "step-functions"
CASES = [(p, "batch") for p in sorted(EXAMPLES.glob("*.py"))] + [(EXAMPLES / "hyperparam_sweep.py", "worker")]


@pytest.mark.parametrize(("path", "mode"), CASES, ids=lambda c: c.stem if isinstance(c, Path) else c)
def test_example_compiles_to_its_golden_files(path: Path, mode: str) -> None:
    result = compile_sf(path, **(BATCH if mode == "batch" else WORKER))
    assert result.ok, [d.message for d in result.diagnostics]
    folder = GOLDEN / f"{path.stem}.{mode}"
    if os.environ.get("FLOWC_REGENERATE") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for f in result.files:
            (folder / f.path).write_text(f.content)
    expected = {p.name: p.read_text() for p in sorted(folder.iterdir())} if folder.is_dir() else {}
    assert {f.path: f.content for f in result.files} == expected, "regenerate with FLOWC_REGENERATE=1"
