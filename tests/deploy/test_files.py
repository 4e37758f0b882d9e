"""Compiled files get the mode a plain open() gives (0644 under umask 022), never mkstemp's 0600."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o027, 0o640)])
def test_compiled_files_follow_the_umask(tmp_path: Path, umask: int, mode: int) -> None:
    code = (
        "import os, sys; os.umask(int(sys.argv[1], 8)); from flowc.cli import main; "
        "sys.exit(main(['compile', sys.argv[2], '--target', 'airflow', '-o', sys.argv[3]]))"
    )
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", code, oct(umask)[2:], str(EXAMPLES / "hyperparam_sweep.py"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    files = list(out.iterdir())
    assert files and all(stat.S_IMODE(os.stat(f).st_mode) == mode for f in files)
