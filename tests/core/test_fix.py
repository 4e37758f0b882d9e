"""`flowc check --fix` rewrites with LibCST in a child process: what LibCST cannot read in time, or
crashes on, leaves the file as it was, with a one-line reason; and nothing else on the check path
imports LibCST (or any other heavy library)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from flowc import fix
from flowc.cli import main
from tests.core.test_cli import TYPO

# Python compiles this in milliseconds; LibCST takes seconds on it (minutes at 2,000 deep).
SLOW_FOR_LIBCST = "\nX = a" + "[0]" * 1600 + "\n"


def test_libcst_taking_too_long_leaves_the_file_unchanged(write_flow, capsys, monkeypatch) -> None:
    monkeypatch.setattr(fix, "TIME_LIMIT_SECONDS", 0.5)
    path = write_flow(TYPO + SLOW_FOR_LIBCST)
    assert main(["check", str(path), "--fix"]) == 1
    assert path.read_text() == TYPO + SLOW_FOR_LIBCST
    captured = capsys.readouterr()
    assert f"{path} left unchanged: LibCST did not finish reading the file within 0.5 s" in captured.err
    assert "FC101" in captured.out


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX shell script stands in for Python")
def test_libcst_crashing_leaves_the_file_unchanged(write_flow, tmp_path: Path, capsys, monkeypatch) -> None:
    crashing = tmp_path / "python"
    crashing.write_text("#!/bin/sh\nkill -SEGV $$\n")
    crashing.chmod(0o755)
    path = write_flow(TYPO)
    from flowc.analyzer import syntax

    syntax.start_worker()  # the syntax worker is the real Python; only the fixer's child crashes
    monkeypatch.setattr(sys, "executable", str(crashing))
    assert main(["check", str(path), "--fix"]) == 1
    assert path.read_text() == TYPO
    assert "left unchanged: LibCST crashed reading the file (SIGSEGV)" in capsys.readouterr().err


HEAVY = ("libcst", "networkx", "yaml", "jinja2", "boto3", "botocore", "hera", "jsonschema", "statelint", "pydantic")
PROBE = """
import json, sys
from flowc.cli import main
from tests.core.test_cli import TYPO
main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & set(json.loads(%r)))
print(json.dumps(heavy), file=sys.__stderr__)
"""


@pytest.mark.parametrize("fix_it", [False, True], ids=["check", "check --fix"])
def test_the_check_path_imports_no_heavy_library(write_flow, fix_it: bool) -> None:
    path = write_flow(TYPO)
    argv = ["check", str(path)] + (["--fix"] if fix_it else [])
    done = subprocess.run(
        [sys.executable, "-c", PROBE % json.dumps(HEAVY), *argv], capture_output=True, text=True, check=False
    )
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
    assert (path.read_text() != TYPO) is fix_it


ODD_FORMATTING = (
    "from flowc import FlowSpec,   step  # spacing a formatter would change\n"
    "\n"
    "\n"
    "class F( FlowSpec ):\n"
    "    @step\n"
    "    def start(self) :\n"
    "        x = {  'a' : 1,\n"
    "               'b':2 }   # a dict as written\n"
    "\n"
    "\n"
    "        self.next( self.procss )   # the typo, in odd spacing\n"
    "\n"
    "    @step\n"
    "    def process(self):  self.next(self.end)\n"
    "\n"
    "    @step\n"
    "    def end(self): pass\t# a tab before this comment\n"
)


def test_check_fix_changes_only_the_misspelt_name(write_flow, capsys) -> None:
    # LibCST rewrites the one name: spacing, blank lines, one-line bodies, tabs and comments stay
    # byte for byte.
    path = write_flow(ODD_FORMATTING)
    assert main(["check", str(path), "--fix"]) == 0
    assert path.read_text() == ODD_FORMATTING.replace("self.procss", "self.process")
    assert f"fixed {path}" in capsys.readouterr().err
