"""Helpers for runner tests: a flow compiled, packaged and stored in a temporary datastore, whose
tasks the tests run one by one (in this process, or as `flowc step` subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from flowc.compiler import analyze
from flowc.datastore.package import build_code_package
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow
from flowc.runner.command import step_command
from flowc.runner.task import TaskResult, TaskSpec, run_task

FLOWS = Path(__file__).parent / "flows"
SHAPES = Path(__file__).parents[1] / "shapes"
REPO = Path(__file__).parents[2]


class Harness:
    def __init__(self, root: Path, flow_file: Path, flow: Flow | None = None) -> None:
        if flow is None:
            analysis = analyze(flow_file)
            assert analysis.flow is not None, analysis.diagnostics
            flow = analysis.flow
        self.flow = flow
        self.root = root
        self.store = FlowDatastore.open(str(root), flow.name)
        package = build_code_package(flow, flow_file)
        self.store.put_code(package.id, package.data)
        self.code = package.id
        self.run_id = "run1"

    def spec(self, step: str, index: str = "", attempt: int = 0, **kw: Any) -> TaskSpec:
        return TaskSpec(
            flow=self.flow.name,
            code=self.code,
            step=step,
            run_id=self.run_id,
            datastore=str(self.root),
            index=index,
            attempt=attempt,
            **kw,
        )

    def run(self, step: str, index: str = "", attempt: int = 0, **kw: Any) -> TaskResult:
        return run_task(self.spec(step, index, attempt, **kw))

    def run_all(self, order: Sequence[tuple[str, str]]) -> None:
        for step, index in order:
            self.run(step, index)

    def command(self, step: str, index: str = "", **kw: Any) -> list[str]:
        return step_command(
            flow=self.flow.name,
            code=self.code,
            step=step,
            run_id=self.run_id,
            datastore=str(self.root),
            index=index,
            executable=[sys.executable, "-m", "flowc"],
            **kw,
        )

    def step_process(
        self, step: str, index: str = "", env: dict[str, str] | None = None, **kw: Any
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(step, index, **kw),
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **(env or {})},
        )

    def artifacts(self, step: str, index: str = "") -> dict[str, Any]:
        return self.store.task_artifacts(self.run_id, step, index)

    def manifest(self, step: str, index: str = "") -> dict[str, Any] | None:
        return self.store.read_manifest(self.run_id, step, index)


@pytest.fixture
def harness(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Harness]:
    # Tasks resolve relative IncludeFile paths from the working directory, as `flowc run` does.
    monkeypatch.chdir(tmp_path)
    saved_path = list(sys.path)

    def make(flow_file: Path | str, flow: Flow | None = None) -> Harness:
        path = Path(flow_file)
        if not path.is_absolute():
            path = (FLOWS / path) if (FLOWS / path).exists() else SHAPES / path
        return Harness(tmp_path / "ds", path, flow)

    yield make
    sys.path[:] = saved_path
