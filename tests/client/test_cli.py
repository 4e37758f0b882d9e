"""`flowc runs` and `flowc artifacts` on real local runs, and the hint `flowc run` ends with."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowc.cli import main
from tests.client.conftest import SHAPES, flowc


@pytest.fixture(autouse=True)
def _keep_sys_path() -> Iterator[None]:
    # `flowc artifacts FLOW.py` puts the flow's folder on sys.path for unpickling; keep tests apart.
    saved = list(sys.path)
    yield
    sys.path[:] = saved


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_successful_run_ends_with_a_command_that_shows_its_results(tmp_path: Path) -> None:
    root = tmp_path / "my ds"
    proc = flowc("run", str(SHAPES / "linear.py"), "--datastore", str(root), "--run-id", "r1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    last = proc.stdout.splitlines()[-1]
    assert last.startswith("  results: flowc artifacts ")
    argv = shlex.split(last.split("results: ", 1)[1])
    assert argv[1:] == ["artifacts", str(SHAPES / "linear.py"), "--run", "r1", "--datastore", str(root)]
    shown = flowc(*argv[1:], cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "result" in shown.stdout and " 3" in shown.stdout


def test_a_run_in_the_default_datastore_gets_a_hint_without_datastore(tmp_path: Path) -> None:
    proc = flowc("run", str(SHAPES / "linear.py"), "--run-id", "r1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == f"  results: flowc artifacts {SHAPES / 'linear.py'} --run r1"


def test_runs_lists_runs_newest_first(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "runs", "ParametersFlow", "--datastore", str(runs_root))
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["RUN", "STATUS", "STARTED", "DURATION", "TASKS"]
    assert [line.split()[0] for line in lines[2:]] == ["p2", "p1"]
    assert all(line.split()[1] == "succeeded" and line.split()[-1] == "2" for line in lines[2:])


def test_runs_reads_the_flow_name_from_a_flow_file(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "runs", str(SHAPES / "failing.py"), "--datastore", str(runs_root), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["flow"] == "FailingFlow"
    assert [(r["run_id"], r["status"], r["tasks"]) for r in doc["runs"]] == [("f1", "failed", 1)]


def test_runs_limit_says_how_many_are_hidden(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "runs", "ParametersFlow", "--datastore", str(runs_root), "--limit", "1")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()[2:3]] == ["p2"]
    assert out.splitlines()[-1] == "(1 older runs not shown: --limit 0 shows all)"


def test_runs_of_an_unknown_flow_fail_naming_the_flows_there(
    runs_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "runs", "NoSuchFlow", "--datastore", str(runs_root))
    assert code == 1 and out == ""
    assert "no runs of flow 'NoSuchFlow'" in err and "flows there: CatchFlow" in err


def test_artifacts_shows_the_end_task_of_the_latest_run(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "artifacts", "ParametersFlow", "--datastore", str(runs_root))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("ParametersFlow run p2 (succeeded")
    assert lines[2] == "end"
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in lines[3:]}
    assert rows["count"] == ["int", "5"]
    assert rows["result"] == ["list", "['hello world', 5, 0.5, [1, 2]]"]


def test_artifacts_json_gives_values_of_a_chosen_task(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["artifacts", str(SHAPES / "nested_foreach.py"), "--datastore", str(runs_root)]
    code, out, _ = cli(capsys, *argv, "--run", "n1", "--step", "cell", "--task", "1.2", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert (doc["flow"], doc["run_id"], doc["status"], doc["step"]) == ("NestedForeachFlow", "n1", "succeeded", "cell")
    [task] = doc["tasks"]
    assert task["task"] == "cell/1.2" and task["index"] == "1.2"
    assert task["artifacts"]["label"] == {"type": "str", "size": task["artifacts"]["label"]["size"], "value": "b3"}


def test_artifacts_of_a_foreach_step_show_every_task(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["artifacts", "NestedForeachFlow", "--datastore", str(runs_root), "--step", "row", "--format", "json"]
    code, out, _ = cli(capsys, *argv)
    assert code == 0
    assert [(t["task"], t["artifacts"]["row_name"]["value"]) for t in json.loads(out)["tasks"]] == [
        ("row/0", "a"),
        ("row/1", "b"),
    ]


def test_artifacts_json_gives_a_repr_for_values_json_cannot_hold(
    runs_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["artifacts", "CatchFlow", "--datastore", str(runs_root), "--step", "fragile", "--format", "json"]
    code, out, _ = cli(capsys, *argv)
    assert code == 0
    [task] = json.loads(out)["tasks"]
    assert task["caught"]["type"] == "ValueError"
    failure = task["artifacts"]["failure"]
    assert "value" not in failure and failure["repr"] == "ValueError('bad input')"


def test_artifacts_over_max_bytes_are_not_loaded(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["artifacts", "ParametersFlow", "--datastore", str(runs_root), "--max-bytes", "10", "--format", "json"]
    code, out, _ = cli(capsys, *argv)
    assert code == 0
    artifacts = json.loads(out)["tasks"][0]["artifacts"]
    assert artifacts["loud"]["value"] is False  # a small pickle
    assert "value" not in artifacts["result"] and "max-bytes" in artifacts["result"]["skipped"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--run", "nope"], "no run 'nope' of flow 'NestedForeachFlow'"),
        (["--step", "cel"], "has no step 'cel'"),
        (["--step", "cell", "--task", "7"], "has no task '7'"),
    ],
)
def test_artifacts_that_are_not_there_fail_with_a_message(
    runs_root: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, out, err = cli(capsys, "artifacts", "NestedForeachFlow", "--datastore", str(runs_root), *args)
    assert code == 1 and out == ""
    assert err.startswith("flowc artifacts: ") and message in err


def test_a_failed_runs_artifacts_point_at_the_steps_that_completed(
    runs_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(capsys, "artifacts", "FailingFlow", "--datastore", str(runs_root))
    assert code == 1
    assert "step 'end' of run FailingFlow/f1 has no task (run failed)" in err
    assert "steps that ran: start, boom" in err


def test_a_failed_tasks_artifacts_say_it_did_not_complete(runs_root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "artifacts", "FailingFlow", "--datastore", str(runs_root), "--step", "boom")
    assert code == 0
    assert "did not complete" in out and "flowc logs FailingFlow/f1/boom" in out


def test_a_flow_name_does_not_load_the_compiler(runs_root: Path) -> None:
    code = textwrap.dedent(
        f"""
        import json, sys
        from flowc.cli import main
        rc = main(["artifacts", "ParametersFlow", "--datastore", {str(runs_root)!r}, "--format", "json"])
        banned = {{"libcst", "jinja2", "networkx", "yaml", "boto3", "botocore"}}
        print(json.dumps([rc, sorted({{m.split(".")[0] for m in sys.modules}} & banned)]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert json.loads(proc.stdout.splitlines()[-1]) == [0, []], proc.stderr
