"""The client a Metaflow user knows, on real `flowc run` runs: what Metaflow's tutorials 01, 02, 03, 05,
06 and 07 do with it (our own flows and notebook code exercising the same calls), namespaces, tags,
choosing the datastore, and `current`.

The notebook code runs as `from metaflow import ...` in a fresh interpreter, where Metaflow is not
installed and flowc stands in (tests/compat/test_metaflow_import.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

FLOWS = Path(__file__).parent / "flows"
MOVIES = FLOWS / "movies"


def flowc_run(work: Path, flow: Path, *args: str, user: str = "alice", **env: str) -> None:
    full = {**os.environ, "USER": user, **env}
    for var in ("FLOWC_USER", "METAFLOW_USER", "SUDO_USER", "USERNAME", "FLOWC_DATASTORE"):
        full.pop(var, None)
    argv = [sys.executable, "-m", "flowc", "run", str(flow), "--max-workers", "2", *args]
    proc = subprocess.run(argv, cwd=work, env=full, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def notebook(work: Path, code: str, user: str = "alice", **env: str) -> str:
    """Run notebook code in a fresh interpreter in `work`, as `user`; its stdout."""
    full = {**os.environ, "USER": user, **env}
    for var in ("FLOWC_USER", "METAFLOW_USER", "SUDO_USER", "USERNAME", "FLOWC_DATASTORE"):
        if var not in env:
            full.pop(var, None)
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=work, env=full, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder whose `.flowc` holds: MovieStatsFlow (alice, then bob), PlayListFlow twice
    (alice, after bob's stats: the default genre; bob, tagged `drama`: genre Drama), HelloCloudFlow
    (alice), CurrentFlow (alice, tagged, on @project branch `exp`)."""
    work = tmp_path_factory.mktemp("tutorials")
    flowc_run(work, MOVIES / "stats.py", "--run-id", "stats1")
    flowc_run(work, MOVIES / "stats.py", "--run-id", "stats2", user="bob")
    flowc_run(work, MOVIES / "playlist.py", "--run-id", "play1")
    flowc_run(work, MOVIES / "playlist.py", "--run-id", "play2", "--param", "genre=Drama", "--tag", "drama", user="bob")
    flowc_run(work, MOVIES / "hello_cloud.py", "--run-id", "hello1")
    flowc_run(work, FLOWS / "current_flow.py", "--run-id", "cur1", "--tag", "t1", "--branch", "exp")
    return work


def test_tutorial_03_a_step_reads_the_latest_successful_run_of_another_flow(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Flow, get_metadata
        run = Flow("PlayListFlow").latest_successful_run
        print(run.pathspec, run["start"].task.data.stats_run, run.data.playlist, run.data.bonus)
        print(run["start"].task.stdout)
        """,
    )
    first, log = out.split("\n", 1)
    # alice's run reads alice's stats run (stats1), not bob's newer one: a task reads its own namespace.
    assert first == "PlayListFlow/play1 MovieStatsFlow/stats1 ['The Ninth Gate Keeper', 'Glass Meridian'] Low Tide"
    # In a task, the client reads the run's own datastore: the folder `flowc run` used.
    assert f"Using metadata provider: local@{work / '.flowc'}" in log
    assert "Using analysis from 'Run('MovieStatsFlow/stats1')'" in log


def test_tutorial_02_and_06_notebooks_read_a_foreach_join_and_an_included_file(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Flow, get_metadata, namespace
        print("Current metadata provider: %s" % get_metadata())
        namespace(None)
        run = Flow('MovieStatsFlow').latest_successful_run
        print("Using run: %s" % str(run))
        lines = [line for line in run.data.movie_data.split('\\n') if line]
        print(lines[-1])
        medians = sorted((data['quartiles'][1], genre) for genre, data in run.data.genre_stats.items())
        print(medians[-1])
        print([t.data.genre for t in run['compute_statistics']])
        """,
    )
    assert out.splitlines() == [
        f"Current metadata provider: local@{work / '.flowc'}",
        "Using run: Run('MovieStatsFlow/stats2')",
        "Low Tide,2003,Thriller,33",
        "(120, 'sci-fi')",
        "['Comedy', 'Drama', 'Romance', 'Sci-Fi', 'Thriller']",
    ]


def test_tutorial_01_notebook_lists_runs_with_their_finish_times(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Flow
        run = Flow('PlayListFlow').latest_successful_run
        print(run.finished_at is not None, run.finished_at >= run.created_at)
        for pick, movie in enumerate(run.data.playlist, start=1):
            print("Pick %d: '%s'" % (pick, movie))
            if pick >= run.data.recommendations:
                break
        for run in Flow('PlayListFlow').runs():
            if run.successful:
                print(run.id, run.data.genre, run.data.playlist[0])
        """,
    )
    # alice's namespace: bob's run is not listed.
    assert out.splitlines() == [
        "True True",
        "Pick 1: 'The Ninth Gate Keeper'",
        "Pick 2: 'Glass Meridian'",
        "play1 Sci-Fi The Ninth Gate Keeper",
    ]


def test_tutorial_05_notebook_reads_every_namespace(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Flow, get_metadata, namespace
        namespace(None)
        run = Flow('HelloCloudFlow').latest_successful_run
        print("Using run: %s" % str(run))
        print(run.data.message)
        """,
        user="carol",
    )
    assert out.splitlines() == ["Using run: Run('HelloCloudFlow/hello1')", "Hi from the cloud!"]


def test_tutorial_07_worldview_iterates_every_flow(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Metaflow, Flow, namespace
        namespace(None)
        for flow in Metaflow():
            run = flow.latest_run
            print(flow.id, run.id, run.successful, run.finished_at is not None)
        for run in Flow('PlayListFlow').runs():
            print(run.id, sorted(t for t in run.tags if not t.startswith(("python_version", "flowc_version"))))
        """,
    )
    assert out.splitlines() == [
        "CurrentFlow cur1 True True",
        "HelloCloudFlow hello1 True True",
        "MovieStatsFlow stats2 True True",
        "PlayListFlow play2 True True",
        "play2 ['drama', 'runtime:dev', 'user:bob']",
        "play1 ['runtime:dev', 'user:alice']",
    ]


def test_namespaces_hide_other_users_runs_until_asked(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Flow, Run, namespace, get_namespace, default_namespace
        from metaflow.exception import MetaflowNamespaceMismatch
        print(get_namespace(), [r.id for r in Flow('PlayListFlow')])
        try:
            Run('PlayListFlow/play2')
        except MetaflowNamespaceMismatch as exc:
            print("mismatch:", "namespace(None)" in str(exc))
        print(namespace('user:bob'), [r.id for r in Flow('PlayListFlow')], Run('PlayListFlow/play2').data.genre)
        try:
            Flow('HelloCloudFlow')
        except MetaflowNamespaceMismatch:
            print("bob has no HelloCloudFlow run")
        print(namespace(None), [r.id for r in Flow('PlayListFlow')])
        print(default_namespace())
        """,
    )
    assert out.splitlines() == [
        "user:alice ['play1']",
        "mismatch: True",
        "user:bob ['play2'] Drama",
        "bob has no HelloCloudFlow run",
        "None ['play2', 'play1']",
        "user:alice",
    ]


def test_tags_filter_runs_and_are_split_into_user_and_system_tags(work: Path) -> None:
    out = notebook(
        work,
        """
        from metaflow import Flow, namespace
        namespace(None)
        flow = Flow('PlayListFlow')
        print([r.id for r in flow.runs('drama')], [r.id for r in flow.runs('user:alice')])
        run = flow['play2']
        print(sorted(run.user_tags), 'user:bob' in run.system_tags, 'runtime:dev' in run.system_tags)
        print(run['end'].task.tags == run.tags)
        """,
    )
    assert out.splitlines() == ["['play2'] ['play1']", "['drama'] True True", "True"]


def test_the_datastore_is_found_chosen_and_named(work: Path, tmp_path: Path) -> None:
    sub = work / "notebooks" / "deeper"
    sub.mkdir(parents=True, exist_ok=True)
    elsewhere = str(tmp_path / "elsewhere")
    code = f"""
        from metaflow import Flow, metadata, get_metadata, default_metadata
        print(get_metadata())
        print(Flow('HelloCloudFlow').latest_run.id)
        print(metadata({elsewhere!r}))
        try:
            Flow('HelloCloudFlow')
        except KeyError as exc:
            print("not there:", "no runs of flow 'HelloCloudFlow'" in str(exc))
        print(default_metadata())
        """
    # From a subfolder, the nearest .flowc above is found (as Metaflow finds .metaflow).
    out = notebook(sub, code)
    assert out.splitlines() == [
        f"local@{work / '.flowc'}",
        "hello1",
        f"local@{tmp_path / 'elsewhere'}",
        "not there: True",
        f"local@{work / '.flowc'}",
    ]
    env_out = notebook(
        tmp_path, "from metaflow import get_metadata; print(get_metadata())", FLOWC_DATASTORE=str(work / ".flowc")
    )
    assert env_out.strip() == f"local@{work / '.flowc'}"


def test_objects_have_metaflows_shape(work: Path) -> None:
    out = notebook(
        work,
        """
        import pickle
        from metaflow import Flow, Run, Step, Task, DataArtifact
        run = Run('MovieStatsFlow/stats1')
        step = run['compute_statistics']
        task = step['3']
        print(run.id, run.pathspec, run.path_components, run.parent, run.finished, run.successful)
        print(step.id, step.pathspec, step.parent, len(list(step)), step.task.id, step.finished_at >= step.created_at)
        print(task.id, task.index, task.pathspec, task.parent, task.successful, task.finished)
        print(task['genre'].data, task['genre'].pathspec, task['genre'].size > 0, task.artifacts.genre.data)
        print(Task('MovieStatsFlow/stats1/start/_').index, Step('MovieStatsFlow/stats1/join').task.id)
        print(DataArtifact('MovieStatsFlow/stats1/compute_statistics/3/genre').data)
        print([s.id for s in run][:2], 'genre' in task, 'nope' in task, sorted(task.data)[:2])
        print(pickle.loads(pickle.dumps(run)) == run, run.code.script_name, 'class MovieStatsFlow' in run.code.flowspec)
        print(run.end_task.pathspec, run.data.genre_stats['drama']['quartiles'])
        """,
    )
    assert out.splitlines() == [
        "stats1 MovieStatsFlow/stats1 ['MovieStatsFlow', 'stats1'] Flow('MovieStatsFlow') True True",
        "compute_statistics MovieStatsFlow/stats1/compute_statistics Run('MovieStatsFlow/stats1') 5 0 True",
        "3 3 MovieStatsFlow/stats1/compute_statistics/3 Step('MovieStatsFlow/stats1/compute_statistics') True True",
        "Sci-Fi MovieStatsFlow/stats1/compute_statistics/3/genre True Sci-Fi",
        "None _",
        "Sci-Fi",
        "['end', 'join'] True False ['dataframe', 'genre']",
        "True stats.py True",
        "MovieStatsFlow/stats1/end/_ [15, 45, 45]",
    ]


def test_current_gives_metaflows_attributes_in_a_task(work: Path) -> None:
    out = notebook(
        work,
        """
        import json
        from metaflow import Run
        run = Run('CurrentFlow/cur1')
        print(json.dumps({"end": run.data.seen, "each": run['each']['1'].data.seen, "join": run.data.seen_each}))
        print(run.data.card_error)
        print(run.data.has_card, run.data.task_pathspec, run.data.run_pathspec)
        """,
    )
    seen_line, card_error, rest = out.splitlines()
    seen = json.loads(seen_line)
    end = seen["end"]
    assert end == {
        "flow_name": "CurrentFlow",
        "run_id": "cur1",
        "step_name": "end",
        "task_id": "_",
        "retry_count": 0,
        "origin_run_id": None,
        "pathspec": "CurrentFlow/cur1/end/_",
        "namespace": "user:alice",
        "username": "alice",
        "project_name": "demo",
        "branch_name": "test.exp",
        "project_flow_name": "demo.test.exp.CurrentFlow",
        "is_production": False,
        "is_user_branch": False,
        "is_running_flow": True,
        "parameter_names": ["alpha"],
        "index_path": "",
        "tags": ["t1"],
    }
    each = seen["each"]
    assert (each["step_name"], each["task_id"], each["pathspec"]) == ("each", "1", "CurrentFlow/cur1/each/1")
    assert [s["task_id"] for s in seen["join"]] == ["0", "1"]
    assert card_error.startswith("UnsupportedAttribute: current.card is not supported by flowc")
    assert rest == "False CurrentFlow/cur1/end/_ CurrentFlow/cur1"


def test_current_outside_a_task_is_empty_as_in_metaflow() -> None:
    from flowc.current import Current

    current = Current()  # as a process has it before any task runs

    assert current.flow_name is None and current.pathspec is None and not current.is_running_flow
    with pytest.raises(AttributeError, match=r"current\.project_name: no flow is running"):
        current.project_name  # noqa: B018
    with pytest.raises(AttributeError, match=r"current\.parallel is not supported by flowc"):
        current.parallel  # noqa: B018
    with pytest.raises(AttributeError, match="current has no attribute 'nonsense'"):
        current.nonsense  # noqa: B018
    assert "flow_name" not in current and current.get("card", 1) == 1


BRANCH_FLOW = """\
from metaflow import FlowSpec, current, project, step


@project(name="demo")
class BranchNameFlow(FlowSpec):
    @step
    def start(self):
        self.branch = current.branch_name
        self.names = (current.project_name, current.project_flow_name, current.is_production, current.namespace)
        self.next(self.end)

    @step
    def end(self):
        pass
"""


@pytest.mark.parametrize(
    ("args", "branch", "flow_name", "production"),
    [
        ((), "user.alice", "demo.user.alice.BranchNameFlow", False),
        (("--branch", "b2"), "test.b2", "demo.test.b2.BranchNameFlow", False),
        (("--production",), "prod", "demo.prod.BranchNameFlow", True),
        (("--production", "--branch", "b2"), "prod.b2", "demo.prod.b2.BranchNameFlow", True),
    ],
)
def test_project_branch_names_are_metaflows(
    tmp_path: Path, args: tuple[str, ...], branch: str, flow_name: str, production: bool
) -> None:
    # metaflow-compat case 09: Metaflow 2.19.39 gives these same values for each command line.
    (tmp_path / "flow.py").write_text(BRANCH_FLOW)
    flowc_run(tmp_path, tmp_path / "flow.py", "--run-id", "b1", *args)
    from flowc.client import Run

    run = Run("BranchNameFlow/b1", datastore=tmp_path / ".flowc", _namespace_check=False)
    start = run["start"].task
    assert start is not None
    assert start.data.branch == branch
    assert start.data.names == ("demo", flow_name, production, "user:alice")
    assert {"project:demo", f"project_branch:{branch}"} <= run.system_tags
