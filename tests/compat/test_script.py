"""`python flow.py run|show|check|logs|dump ...` hands over to flowc's CLI, for flows in both dialects,
with Metaflow's options; `--with` at run and compile time; `flowc logs`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from flowc.script import ParamInfo, ScriptError, translate

PARAMS = [ParamInfo("alpha", False), ParamInfo("learning_rate", False), ParamInfo("dry_run", True)]


def tr(*argv: str) -> list[str]:
    return translate(list(argv), "flow.py", "TrainFlow", PARAMS).argv


def test_run_with_metaflows_parameter_and_run_options() -> None:
    assert tr("run", "--alpha", "0.5", "--learning_rate=0.1", "--tag", "exp", "--with", "retry") == [
        *("run", "flow.py", "--flow", "TrainFlow", "--param", "alpha=0.5", "--param", "learning_rate=0.1"),
        *("--tag", "exp", "--with", "retry"),
    ]
    assert tr("run", "--learning-rate", "1", "--dry_run", "--max-workers", "4")[4:] == [
        *("--param", "learning_rate=1", "--param", "dry_run=true", "--max-workers", "4"),
    ]


def test_top_level_options_map_or_are_accepted() -> None:
    argv = tr("--quiet", "--no-pylint", "--metadata=local", "--with", "catch", "--branch", "b2", "run")
    assert argv == ["run", "flow.py", "--flow", "TrainFlow", "--with", "catch", "--branch", "b2"]
    assert tr("--datastore=s3", "--datastore-root", "s3://b/p", "run")[-2:] == ["--datastore", "s3://b/p"]
    assert tr("--production", "run")[-1] == "--production"


def test_show_check_logs_dump_and_resume_map_to_flowc_commands() -> None:
    assert tr("show") == ["show", "flow.py", "--flow", "TrainFlow"]
    assert tr("check") == ["check", "flow.py", "--flow", "TrainFlow"]
    assert tr("logs", "r1/train/2") == ["logs", "flow.py", "r1/train/2", "--flow", "TrainFlow"]
    assert tr("dump", "r1/train/_") == [
        *("artifacts", "flow.py", "--flow", "TrainFlow", "--run", "r1", "--step", "train", "--task", ""),
    ]
    assert tr("card", "view", "r1/train/2") == ["card", "view", "flow.py", "r1/train/2", "--flow", "TrainFlow"]
    assert tr("card", "get", "r1/end/_", "out.html")[-2:] == ["--output", "out.html"]
    assert tr("resume", "train", "--origin-run-id", "r1") == [
        *("resume", "flow.py", "--flow", "TrainFlow", "--origin-run-id", "r1", "train"),
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "--alpah", "1"], "unknown option --alpah; the flow's parameters: --alpha, --learning_rate"),
        (["--datastore=s3", "run"], "--datastore-root"),
        (["argo-workflows", "create"], "flowc deploy flow.py --target argo"),
        (["nonsense"], "unknown command 'nonsense'"),
        (["--bogus", "run"], "unknown option --bogus"),
        (["run", "--alpha"], "--alpha needs a value"),
    ],
)
def test_what_is_not_understood_is_a_usage_error(argv: list[str], message: str) -> None:
    with pytest.raises(ScriptError, match=message.replace("(", r"\(").replace(")", r"\)")):
        translate(argv, "flow.py", "TrainFlow", PARAMS)


FLOWC_FLOW = """\
from flowc import FlowSpec, Parameter, current, step


class ScriptFlow(FlowSpec):
    alpha = Parameter("alpha", default=0.1)

    @step
    def start(self):
        print("alpha is", self.alpha)
        if current.retry_count == 0 and self.alpha > 1:
            raise RuntimeError("first attempt fails")
        self.attempt = current.retry_count
        self.next(self.end)

    @step
    def end(self):
        self.result = self.alpha * 2


if __name__ == "__main__":
    ScriptFlow()
"""


def script(work: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "USER": "alice"}
    return subprocess.run(
        [sys.executable, "flow.py", *argv], cwd=work, env=env, capture_output=True, text=True, timeout=180
    )


@pytest.mark.parametrize("dialect", ["flowc", "metaflow"])
def test_python_flow_py_run_runs_the_flow_with_flowc(tmp_path: Path, dialect: str) -> None:
    source = FLOWC_FLOW if dialect == "flowc" else FLOWC_FLOW.replace("from flowc import", "from metaflow import")
    (tmp_path / "flow.py").write_text(source)
    proc = script(
        tmp_path,
        "run",
        "--alpha",
        "2.5",
        "--run-id-file",
        "run-id.txt",
        "--with",
        "retry:times=1,minutes_between_retries=0",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_id = (tmp_path / "run-id.txt").read_text()
    assert f"run {run_id} succeeded" in proc.stdout
    from flowc.client import Run

    run = Run(f"ScriptFlow/{run_id}", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert run.data is not None and run.data.result == 5.0
    assert run["start"].task.data.attempt == 1  # type: ignore[union-attr]  # --with retry retried it

    logs = script(tmp_path, "logs", f"{run_id}/start")
    assert logs.returncode == 0, logs.stderr
    assert "first attempt fails" not in logs.stdout and "alpha is 2.5" in logs.stdout  # the attempt that passed
    first = subprocess.run(
        [sys.executable, "-m", "flowc", "logs", "flow.py", f"{run_id}/start/_", "--attempt", "0"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "RuntimeError: first attempt fails" in first.stdout

    dump = script(tmp_path, "dump", f"{run_id}/end")
    assert dump.returncode == 0 and "result" in dump.stdout and "5.0" in dump.stdout
    show = script(tmp_path, "show")
    assert show.returncode == 0 and "ScriptFlow" in show.stdout
    check = script(tmp_path, "check")
    assert check.returncode == 0, check.stderr


def test_python_flow_py_without_a_command_prints_what_it_accepts(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(FLOWC_FLOW)
    proc = script(tmp_path)
    assert proc.returncode == 0 and "This flow runs with flowc" in proc.stdout and "--alpha" in proc.stdout
    bad = script(tmp_path, "run", "--alpah", "1")
    assert bad.returncode == 2 and "unknown option --alpah" in bad.stderr


def test_with_applies_to_every_step_without_the_decorator_at_compile_time(tmp_path: Path) -> None:
    (tmp_path / "flow.py").write_text(FLOWC_FLOW)
    argv = [sys.executable, "-m", "flowc", "compile", "flow.py", "-t", "ir", "--stdout"]
    plain = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    added = subprocess.run(
        [*argv, "--with", "retry:times=4", "--with", "timeout:minutes=5", "--with", "resources:cpu=2,memory=4096"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plain.returncode == 0 and added.returncode == 0, added.stderr
    steps = {s["name"]: s["decorators"] for s in json.loads(added.stdout)["steps"]}
    for decos in steps.values():
        assert decos["retry"] == {"times": 4, "minutes_between_retries": 2}
        assert decos["timeout_seconds"] == 300
        assert decos["resources"]["cpu"] == 2 and decos["resources"]["memory"] == 4096
    assert all(s["decorators"].get("retry") is None for s in json.loads(plain.stdout)["steps"])
    bad = subprocess.run([*argv, "--with", "retry:tims=2"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "@retry has no argument 'tims'" in bad.stderr


def test_a_steps_own_decorator_wins_over_with() -> None:
    from flowc import decospecs
    from flowc.compiler import analyze

    flow = analyze(Path(__file__).parents[1] / "shapes" / "retries.py").flow
    assert flow is not None
    out = decospecs.apply(flow, decospecs.parse_all(["retry:times=7", "catch:var=err"]))
    flaky = out.step("flaky").decorators
    assert flaky.retry is not None and flaky.retry.times == 2  # written in the source
    assert out.step("start").decorators.retry.times == 7  # type: ignore[union-attr]
    assert out.step("start").decorators.catch.var == "err"  # type: ignore[union-attr]
