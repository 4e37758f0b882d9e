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
