"""Command-line misuse and hostile values get an answer naming the real mistake (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowc.cli import main
from tests.conftest import SHAPES

JSON_FLOW = textwrap.dedent(
    """
    from flowc import FlowSpec, JSONType, Parameter, step

    class JsonFlow(FlowSpec):
        cfg = Parameter("cfg", type=JSONType, default=DEFAULT)

        @step
        def start(self):
            self.next(self.end)

        @step
        def end(self):
            pass
    """
).lstrip()


def test_a_misspelt_target_is_named_before_its_options_are_read(capsys) -> None:
    code = main(["compile", str(SHAPES / "linear.py"), "--target", "argoo", "--datastore", "X"])
    err = capsys.readouterr().err
    assert code == 2
    assert "unknown target 'argoo'" in err and "did you mean 'argo'?" in err
    assert "unrecognized arguments" not in err


def test_unknown_target_exits_with_usage_code() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "flowc", "compile", str(SHAPES / "linear.py"), "-t", "argoo", "--datastore", "X"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "unknown target 'argoo'" in proc.stderr


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", '{"a": NaN}', "[1, Infinity]"])
def test_non_standard_json_is_refused_in_a_parameter(capsys, tmp_path: Path, write_flow, value: str) -> None:
    flow = write_flow(JSON_FLOW.replace("DEFAULT", repr('{"a": 1}')))
    code = main(["run", str(flow), "--datastore", str(tmp_path / "ds"), "--param", f"cfg={value}"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "is not JSON (RFC 8259 has no NaN or Infinity)" in err
    assert not (tmp_path / "ds" / "JsonFlow" / "runs").exists() or not any(
        (tmp_path / "ds" / "JsonFlow" / "runs").iterdir()
    )


def test_non_standard_json_default_is_a_diagnostic(capsys, write_flow) -> None:
    flow = write_flow(JSON_FLOW.replace("DEFAULT", repr('{"a": NaN}')))
    code = main(["check", str(flow)])
    out = capsys.readouterr()
    assert code == 1
    assert "FC404" in out.out + out.err


def test_step_refuses_non_standard_json_in_params_json(capsys, tmp_path: Path) -> None:
    code = main(
        [
            *("step", "--flow", "F", "--code", "c", "--step", "start", "--run-id", "r"),
            *("--datastore", str(tmp_path), "--params-json", '{"cfg": Infinity}'),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "--params-json is not valid JSON: Infinity is not JSON" in err


def test_runs_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    ds = tmp_path / "ds"
    assert main(["run", str(SHAPES / "linear.py"), "--datastore", str(ds), "--run-id", "r0"]) == 0
    # `flowc runs | head -1` once head has gone: the pipe's reading end is closed before flowc writes.
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "flowc", "runs", str(SHAPES / "linear.py"), "--datastore", str(ds)],
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
        )
    finally:
        os.close(write)
    assert proc.stderr == ""
    assert proc.returncode == 0
