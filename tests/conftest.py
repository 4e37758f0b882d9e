from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHAPES = ROOT / "tests" / "shapes"


def example_files() -> list[Path]:
    return sorted(EXAMPLES.glob("*.py"))


def shape_files() -> list[Path]:
    return sorted(SHAPES.glob("*.py"))


def expected(path: Path) -> dict:
    return json.loads((path.parent / "expected.json").read_text())[path.name]


@pytest.fixture
def write_flow(tmp_path: Path):
    """Write a flow source to a temporary file and return its path."""

    def write(source: str, name: str = "flow.py") -> Path:
        p = tmp_path / name
        p.write_text(source)
        return p

    return write


def assert_golden(folder: Path, files) -> None:
    """Compare a target's output files with the golden copies in `folder`, byte for byte.

    Output is deterministic, so nothing is normalised. FLOWC_REGENERATE=1 rewrites the folder instead
    (never set in CI).
    """
    import os

    if os.environ.get("FLOWC_REGENERATE") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            old.unlink()
        for f in files:
            (folder / f.path).write_text(f.content)
    expected = {p.name: p.read_text() for p in sorted(folder.iterdir())} if folder.is_dir() else {}
    assert {f.path: f.content for f in files} == expected, f"{folder}: regenerate with FLOWC_REGENERATE=1"
