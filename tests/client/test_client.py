"""`flowc.client` on real local runs: runs, steps, tasks and lazily loaded artifacts; clear errors."""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from flowc.client import (
    ArtifactNotFound,
    ClientError,
    Flow,
    FlowNotFound,
    Run,
    RunNotFound,
    StepNotFound,
    TaskNotFound,
)
from flowc.datastore import layout
from flowc.datastore.store import FlowDatastore


def test_the_latest_run_is_the_newest_one(runs_root: Path) -> None:
    run = Run("ParametersFlow", datastore=runs_root)
    assert run.id == "p2"
    assert Flow("ParametersFlow", runs_root).latest_run.id == "p2"


def test_parameters_are_the_values_the_run_used(runs_root: Path) -> None:
    expected = {"who": "world", "ratio": 0.5, "loud": False, "config": {"k": [1, 2]}}
    assert Run("ParametersFlow", "p1", runs_root).parameters == {**expected, "count": 3}
    assert Run("ParametersFlow", "p2", runs_root).parameters == {**expected, "count": 5}


def test_flow_runs_are_listed_newest_first_with_status_and_timing(runs_root: Path) -> None:
    runs = Flow("ParametersFlow", runs_root).runs()
    assert [r.id for r in runs] == ["p2", "p1"]
    for r in runs:
        assert r.status == "succeeded" and r.successful
        assert r.started_at is not None and r.finished_at is not None and r.finished_at >= r.started_at
        assert r.duration is not None and r.duration >= 0
        assert r.task_count == 2
    assert runs[0].started_at > runs[1].started_at  # type: ignore[operator]


def test_steps_come_newest_first_as_in_metaflow(runs_root: Path) -> None:
    run = Run("NestedForeachFlow", "n1", runs_root)
    assert [s.name for s in run.steps()] == ["end", "join_rows", "join_cols", "cell", "row", "start"]
    assert [s.id for s in run] == [s.name for s in run.steps()]
    assert "cell" in run and "nope" not in run


def test_foreach_tasks_are_in_index_order_and_found_by_index_path(runs_root: Path) -> None:
    run = Run("NestedForeachFlow", "n1", runs_root)
    cell = run["cell"]
    assert cell.indexes == ["0.0", "0.1", "0.2", "1.0", "1.1", "1.2"]
    assert [t.data.label for t in cell.tasks()] == ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert [t.data.label for t in cell] == ["a1", "a2", "a3", "b1", "b2", "b3"]
    assert cell["1.2"]["label"].data == "b3"
    assert cell[(0, 1)].data.label == "a2"
    assert cell["1.2"].id == "1.2" and cell["1.2"].foreach_index == (1, 2) and cell["1.2"].index == 2
    assert cell["1.2"].pathspec == "NestedForeachFlow/n1/cell/1.2"
    assert run["row"][1].data.row_name == "b" and run["row"][1].index == 1
    assert len(run["join_cols"]) == 2 and run["join_cols"]["1"].index == 1 and run["join_rows"].task.index is None  # type: ignore[union-attr]
    start = run["start"].task
    assert start is not None and start.id == "_" and start.index is None
    assert start.pathspec == "NestedForeachFlow/n1/start/_"


def test_run_data_reads_the_end_tasks_artifacts(runs_root: Path) -> None:
    run = Run("NestedForeachFlow", "n1", runs_root)
    assert run.data is not None and run.data.count == 6
    assert run.data.grid == [["a1", "a2", "a3"], ["b1", "b2", "b3"]]
    assert "count" in run.data and "nope" not in run.data
    assert set(run.data) == {"count", "grid", "name"}  # `name`: the flow's, in every task (Metaflow's rule)
    assert run.end_task == run["end"].task


def test_artifacts_are_loaded_only_when_read_and_once(runs_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loaded: list[str] = []
    original = FlowDatastore.load_value

    def counting(self: FlowDatastore, sha: str) -> object:
        loaded.append(sha)
        return original(self, sha)

    monkeypatch.setattr(FlowDatastore, "load_value", counting)
    task = Run("NestedForeachFlow", "n1", runs_root)["end"].task
    assert task is not None
    info = task["count"]
    assert info.type == "int" and info.size > 0 and task.artifacts.count.sha == info.sha
    assert loaded == []
    assert task.data.count == 6 and task["count"].data == 6
    assert loaded == [info.sha]


def test_a_missing_artifact_names_the_present_ones(runs_root: Path) -> None:
    task = Run("NestedForeachFlow", "n1", runs_root)["end"].task
    assert task is not None
    with pytest.raises(ArtifactNotFound, match=r"no artifact 'cuont'; it has: count, grid"):
        task["cuont"]
    with pytest.raises(AttributeError, match="it has: count, grid"):
        task.data.cuont  # noqa: B018
    with pytest.raises(KeyError):
        task["cuont"]
    assert not hasattr(task.data, "cuont")
    assert getattr(task.data, "cuont", "default") == "default"
    assert "cuont" not in task and "count" in task


def test_an_unknown_run_lists_the_runs(runs_root: Path) -> None:
    with pytest.raises(RunNotFound, match=r"no run 'p3' of flow 'ParametersFlow' in .*; runs: p2, p1"):
        Run("ParametersFlow", "p3", runs_root)


def test_an_unknown_flow_lists_the_flows_in_the_datastore(runs_root: Path) -> None:
    with pytest.raises(RunNotFound, match=r"no runs of flow 'ParamFlow' .*flows there: CatchFlow, FailingFlow"):
        Run("ParamFlow", datastore=runs_root)
    with pytest.raises(FlowNotFound, match=r"no runs of flow 'ParamFlow' .*flows there: CatchFlow, FailingFlow"):
        Flow("ParamFlow", runs_root)


def test_an_empty_datastore_says_it_holds_no_flows(tmp_path: Path) -> None:
    with pytest.raises(RunNotFound, match="it holds no flows"):
        Run("ParametersFlow", datastore=tmp_path / "nothing")


def test_an_unknown_step_lists_the_steps(runs_root: Path) -> None:
    run = Run("NestedForeachFlow", "n1", runs_root)
    with pytest.raises(StepNotFound, match=r"has no step 'cel'; steps that ran: start, row, cell"):
        run["cel"]


def test_an_unknown_task_lists_the_tasks(runs_root: Path) -> None:
    cell = Run("NestedForeachFlow", "n1", runs_root)["cell"]
    with pytest.raises(TaskNotFound, match=r"has no task '2.0'; tasks: 0.0, 0.1, 0.2, 1.0, 1.1, 1.2"):
        cell["2.0"]
    with pytest.raises(KeyError):
        cell["2.0"]
    assert cell.task == cell["0.0"]  # Metaflow's shortcut gives one task of the step


def test_a_failed_run_shows_the_failed_task_with_its_log_and_no_end(runs_root: Path) -> None:
    run = Run("FailingFlow", "f1", runs_root)
    assert run.status == "failed" and not run.successful and not run.finished
    assert [s.name for s in run.steps()] == ["boom", "start"]
    assert run.task_count == 1
    boom = run["boom"].task
    assert boom is not None and not boom.finished and not boom.successful
    assert "RuntimeError: this step always fails" in boom.stdout and boom.stdout == boom.stderr
    with pytest.raises(ArtifactNotFound, match="did not complete"):
        boom["x"]
    with pytest.raises(StepNotFound, match=r"step 'end' of run FailingFlow/f1 has no task \(run failed\)"):
        run["end"]
    assert run.data is None and run.end_task is None and run.finished_at is not None
    assert Flow("FailingFlow", runs_root).latest_successful_run is None


def test_a_caught_error_is_on_the_task(runs_root: Path) -> None:
    run = Run("CatchFlow", "c1", runs_root)
    fragile = run["fragile"].task
    assert fragile is not None and fragile.finished and not fragile.successful  # as Metaflow says
    assert fragile.caught is not None and fragile.caught["type"] == "ValueError"
    assert fragile.exception == "ValueError: bad input"
    assert isinstance(fragile.data.failure, ValueError)
    assert run.data is not None and run.data.result == "ValueError"
    assert run["end"].task.caught is None  # type: ignore[union-attr]


def test_a_run_without_run_metadata_is_read_from_its_manifests(runs_root: Path, tmp_path: Path) -> None:
    # Runs an orchestrator started have no run.json: status, timing and parameters come from the tasks.
    root = tmp_path / "ds"
    shutil.copytree(runs_root, root)
    (root / layout.run_meta_key("ParametersFlow", "p2")).unlink()
    (root / layout.run_meta_key("FailingFlow", "f1")).unlink()
    run = Run("ParametersFlow", "p2", root)
    assert run.metadata is None
    assert run.status == "succeeded"
    assert run.parameters["count"] == 5 and set(run.parameters) == {"who", "count", "ratio", "loud", "config"}
    assert run.started_at is not None and run.duration is not None and run.duration >= 0
    assert run.task_count == 2
    assert Run("FailingFlow", "f1", root).status == "unknown"
    assert [r.id for r in Flow("ParametersFlow", root).runs()] == ["p2", "p1"]


def test_an_artifact_whose_type_cannot_be_imported_is_a_clear_error(tmp_path: Path) -> None:
    module = types.ModuleType("flowc_client_test_gone")
    exec("class Thing:\n    pass\n", module.__dict__)
    sys.modules[module.__name__] = module
    try:
        data = pickle.dumps(module.Thing())
    finally:
        del sys.modules[module.__name__]
    ds = FlowDatastore.open(str(tmp_path), "F")
    ref = {"sha": ds.save_blob(data), "type": "flowc_client_test_gone.Thing", "size": len(data)}
    ds.write_task("r1", "end", "", {"artifacts": {"thing": ref}}, {})
    task = Run("F", "r1", tmp_path)["end"].task
    assert task is not None
    with pytest.raises(ClientError, match=r"artifact 'thing' of F/r1/end/_ .* cannot be loaded: ModuleNotFoundError"):
        task["thing"].data  # noqa: B018


def test_a_run_id_that_is_a_path_is_refused(runs_root: Path) -> None:
    with pytest.raises(RunNotFound, match="is not a run id"):
        Run("ParametersFlow", "p1/steps", runs_root)


def test_importing_the_client_loads_no_heavy_dependency() -> None:
    code = textwrap.dedent(
        """
        import sys
        import flowc.client
        banned = {"libcst", "jinja2", "networkx", "yaml", "boto3", "botocore"}
        print(sorted({m.split(".")[0] for m in sys.modules} & banned))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stderr
