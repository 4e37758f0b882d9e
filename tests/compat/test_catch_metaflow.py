"""`@catch(var=...)` in a flow written `from metaflow import ...` stores what Metaflow stores: its
wrapper with `.type` (`module.Name`, `__main__.X` for the flow file's own classes), `.exception`
(the message) and `.stacktrace`, `str()` being the traceback; None when the step succeeded. Flows in
flowc's own dialect keep the exception itself (docs/runner.md). Where Metaflow 2.19.39 is at hand
(`.venv-metaflow`), the values are Metaflow's."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from flowc.api import MetaflowExceptionWrapper
from flowc.client import Run

ROOT = Path(__file__).parents[2]
METAFLOW_PYTHON = ROOT / ".venv-metaflow" / "bin" / "python"

FLOW = """\
import json

from metaflow import FlowSpec, catch, step, timeout


class OwnError(Exception):
    pass


class CatchMfFlow(FlowSpec):
    @catch(var="own")
    @step
    def start(self):
        raise OwnError("boom")
        self.next(self.builtin)

    @catch(var="builtin_error", print_exception=False)
    @step
    def builtin(self):
        int("not a number")
        self.next(self.fine)

    @catch(var="no_error")
    @step
    def fine(self):
        self.next(self.slow)

    @catch(var="timed_out", print_exception=False)
    @timeout(seconds=1)
    @step
    def slow(self):
        import time

        time.sleep(30)
        self.next(self.end)

    @step
    def end(self):
        def seen(e):
            return {
                "class": type(e).__name__,
                "type": e.type,
                "exception": e.exception,
                "stack_first": e.stacktrace.splitlines()[0],
                "stack_last": e.stacktrace.strip().splitlines()[-1],
                "str_is_stack": str(e) == e.stacktrace,
            }

        e = self.timed_out
        lines = e.exception.splitlines()
        slow = {
            "type": e.type,
            "head": lines[:2],
            "listed": all(line.startswith(">  ") for line in lines[2:]) and len(lines) > 2,
            "stack_first": e.stacktrace.splitlines()[0],
        }
        print("RESULT " + json.dumps(
            {"own": seen(self.own), "builtin": seen(self.builtin_error), "no_error": self.no_error, "slow": slow},
            sort_keys=True,
        ))


if __name__ == "__main__":
    CatchMfFlow()
"""

EXPECTED = {
    "own": {
        "class": "MetaflowExceptionWrapper",
        "type": "__main__.OwnError",
        "exception": "boom",
        "stack_first": "Traceback (most recent call last):",
        "stack_last": "OwnError: boom",
        "str_is_stack": True,
    },
    "builtin": {
        "class": "MetaflowExceptionWrapper",
        "type": "builtins.ValueError",
        "exception": "invalid literal for int() with base 10: 'not a number'",
        "stack_first": "Traceback (most recent call last):",
        "stack_last": "ValueError: invalid literal for int() with base 10: 'not a number'",
        "str_is_stack": True,
    },
    "no_error": None,
    # @timeout: Metaflow's TimeoutException, its message the decorator's time as written, then the
    # stack the timeout interrupted, one line after another behind ">  ".
    "slow": {
        "type": "metaflow.plugins.timeout_decorator.TimeoutException",
        "head": ["Step slow timed out after 0 hours, 0 minutes, 1 seconds", "Stack when the timeout was raised:"],
        "listed": True,
        "stack_first": "Traceback (most recent call last):",
    },
}


def result(text: str) -> dict[str, object]:
    line = next(line for line in text.splitlines() if "RESULT " in line)
    return json.loads(line.split("RESULT ", 1)[1])  # type: ignore[no-any-return]


def test_catch_stores_metaflows_wrapper(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(FLOW)
    env = {**os.environ, "USER": "alice"}
    done = subprocess.run(
        [sys.executable, "-m", "flowc", "run", "flow.py", "--run-id", "r1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = Run("CatchMfFlow/r1", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert result(run["end"].task.stdout) == EXPECTED
    stored = run["start"].task.data.own
    assert isinstance(stored, MetaflowExceptionWrapper) and stored.type == "__main__.OwnError"


def test_the_wrapper_pickles_and_is_metaflow_exceptions_name() -> None:
    e = MetaflowExceptionWrapper("builtins.KeyError", "'k'", None)
    again = pickle.loads(pickle.dumps(e))
    assert (again.type, again.exception, again.stacktrace) == ("builtins.KeyError", "'k'", None)
    assert str(again) == "[no stacktrace]\nbuiltins.KeyError: 'k'"
    from flowc.metaflow_compat.exception import MetaflowExceptionWrapper as FromStandIn

    assert FromStandIn is MetaflowExceptionWrapper


@pytest.mark.skipif(not METAFLOW_PYTHON.exists(), reason="no .venv-metaflow (bash .ci/setup.d/40-metaflow.sh)")
def test_metaflow_stores_the_same(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(FLOW)
    env = {**os.environ, "USER": "alice", "METAFLOW_HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    mf = subprocess.run(
        [str(METAFLOW_PYTHON), "flow.py", "--no-pylint", "run"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert mf.returncode == 0, mf.stdout + mf.stderr
    assert result(mf.stdout + mf.stderr) == EXPECTED
