"""A task's process group ends with it: a process the step starts and never waits for does not
outlive the task, whether tasks are forked or spawned (issue 11; flowc.runner.pgroup)."""

from __future__ import annotations

import os
import textwrap
import time
from pathlib import Path

import pytest

from flowc.cli import main
from flowc.datastore.store import FlowDatastore

FLOW = textwrap.dedent(
    """
    import subprocess, sys
    from flowc import FlowSpec, step

    class LeftoverFlow(FlowSpec):
        @step
        def start(self):
            # Started and never waited for: it would sleep long after the task.
            self.child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"]).pid
            self.next(self.end)

        @step
        def end(self):
            pass
    """
).lstrip()


def gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        return False


@pytest.mark.parametrize("mode", [[], ["--spawn"]], ids=["forked", "spawned"])
def test_a_process_the_step_left_behind_ends_with_the_task(tmp_path: Path, mode: list[str]) -> None:
    flow = tmp_path / "leftover_flow.py"
    flow.write_text(FLOW)
    ds = tmp_path / "ds"
    assert main(["run", str(flow), "--datastore", str(ds), "--run-id", "r1", *mode]) == 0
    pid = FlowDatastore.open(str(ds), "LeftoverFlow").task_artifacts("r1", "start")["child"]
    # The kill is sent when the task ends; its delivery is the kernel's business: wait for it.
    for _ in range(200):
        if gone(pid):
            break
        time.sleep(0.05)
    assert gone(pid), f"process {pid} started by the task is still running"
