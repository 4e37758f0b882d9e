"""Real runs for the client's tests: `flowc run` on the standard shapes into a temporary datastore.

The S3 fixtures (moto's server on loopback, a fresh bucket per test) are in tests/conftest.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

__all__ = ["flowc", "runs_root"]

SHAPES = Path(__file__).parents[1] / "shapes"


def flowc(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flowc", *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def run_shape(root: str, shape: str, run_id: str, *args: str, cwd: Path, ok: bool = True) -> None:
    argv = ["run", str(SHAPES / shape), "--datastore", root, "--run-id", run_id, "--max-workers", "2", *args]
    proc = flowc(*argv, cwd=cwd)
    assert (proc.returncode == 0) is ok, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def runs_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A datastore holding: ParametersFlow p1 (defaults) then p2 (count=5), NestedForeachFlow n1,
    CatchFlow c1, FailingFlow f1."""
    work = tmp_path_factory.mktemp("client")
    root = str(work / "ds")
    run_shape(root, "parameters.py", "p1", cwd=work)
    run_shape(root, "parameters.py", "p2", "--param", "count=5", cwd=work)
    run_shape(root, "nested_foreach.py", "n1", cwd=work)
    run_shape(root, "catch.py", "c1", cwd=work)
    run_shape(root, "failing.py", "f1", cwd=work, ok=False)
    return work / "ds"
