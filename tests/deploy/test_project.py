"""@project on every target: the deployed name (Metaflow's project/branch rule, flowc.project_names),
engines' name limits without collisions, and the branch a deployed task reports in `current`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flowc import project_names
from flowc.cli import main


def test_deployed_branches_follow_metaflow(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLOWC_USER", "alice")
    assert project_names.branch_name() == "user.alice"
    assert project_names.branch_name(production=True) == "prod"
    assert project_names.branch_name("staging") == "test.staging"
    assert project_names.branch_name("staging", production=True) == "prod.staging"
    assert project_names.deployed_name("ScoreFlow", "fraud", "prod") == "fraud.prod.ScoreFlow"
    assert project_names.deployed_name("ScoreFlow", None, "prod") == "ScoreFlow"
    with pytest.raises(project_names.ProjectError):
        project_names.branch_name("Staging")


@pytest.mark.parametrize("branch", ["user.alice", "test.staging", "prod", "prod.b2"])
def test_a_deployed_tasks_branch_reads_back_the_same_in_current(branch: str) -> None:
    env = project_names.branch_env(branch)
    assert project_names.from_env("ScoreFlow", "fraud", env).branch_name == branch


def test_fit_keeps_safe_names_and_hashes_lossy_or_long_ones() -> None:
    unsafe = re.compile(r"[^A-Za-z0-9_.-]")
    assert project_names.fit("fraud.prod.ScoreFlow", unsafe, 80) == "fraud.prod.ScoreFlow"
    a, o = project_names.fit("ÄFlow", unsafe, 80), project_names.fit("ÖFlow", unsafe, 80)
    assert a != o and a == f"Flow-{project_names.short_hash('ÄFlow')}"
    long = project_names.fit("x" * 100, unsafe, 80)
    assert len(long) == 80 and long != project_names.fit("x" * 99, unsafe, 80)


ÄFLOW = """from flowc import FlowSpec, step

class {name}(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


@pytest.mark.parametrize("target", ["step-functions", "argo", "airflow"])
def test_flows_whose_names_differ_only_in_non_ascii_letters_deploy_apart(tmp_path: Path, capsys, target: str) -> None:
    made = []
    for name in ("ÄFlow", "ÖFlow"):
        path = tmp_path / f"{name}.py"
        path.write_text(ÄFLOW.format(name=name))
        out = tmp_path / name
        assert main(["compile", str(path), "-t", target, "-o", str(out)]) == 0, capsys.readouterr().err
        made.append(sorted(p.name for p in out.iterdir()))
    assert made[0] != made[1]
    # Every file name is ASCII and what the engine accepts.
    assert all(name.isascii() for names in made for name in names)


CASE_09B = Path(__file__).parents[1] / "conformance" / "flows" / "semantics" / "09b_project_prefix.py"


@pytest.mark.parametrize(
    ("target", "flags", "want"),
    [
        ("step-functions", [], "fraud.user.ci.ScoreFlow.asl.json"),
        ("step-functions", ["--production"], "fraud.prod.ScoreFlow.asl.json"),
        ("step-functions", ["--branch", "b2", "--production"], "fraud.prod.b2.ScoreFlow.asl.json"),
        ("argo", [], "fraud-user-ci-score-flow.workflow-template.yaml"),
        ("argo", ["--branch", "staging"], "fraud-test-staging-score-flow.workflow-template.yaml"),
        ("airflow", [], "fraud.user.ci.ScoreFlow.py"),
        ("airflow", ["--production"], "fraud.prod.ScoreFlow.py"),
    ],
)
def test_semantics_case_09b_deploys_under_the_project_prefix_on_every_target(
    tmp_path: Path, capsys, target: str, flags: list[str], want: str
) -> None:
    # /work/shared/cases/semantics/09b: @project(name="fraud") was prefixed on Airflow only.
    out = tmp_path / "out"
    code = main(["compile", str(CASE_09B), "-t", target, "-o", str(out), *flags])
    assert code == 0, capsys.readouterr().err
    assert want in {p.name for p in out.iterdir()}
    text = (out / want).read_text()
    name = want.removesuffix(".asl.json").removesuffix(".workflow-template.yaml").removesuffix(".py")
    if target == "airflow":
        assert f"dag_id={name!r}" in text or f'dag_id="{name}"' in text, text[:2000]
    elif target == "argo":
        assert f"name: {name}\n" in text
    else:
        import json

        assert json.loads((out / f"{name}.deploy.json").read_text())["state_machine"] == name


@pytest.mark.parametrize("target", ["step-functions", "argo", "airflow"])
def test_deploying_the_user_branch_as_nobody_in_particular_is_refused_on_every_target(
    tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    # Metaflow says "Unknown user" where it cannot tell who deploys; `user.unknown` would let two such
    # deployers replace each other's deployment.
    for var in ("FLOWC_USER", "METAFLOW_USER", "SUDO_USER", "USERNAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("USER", "root")
    out = tmp_path / "out"
    assert main(["compile", str(CASE_09B), "-t", target, "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "FC501" in err and "FLOWC_USER" in err and "--branch" in err, err
    assert "09b_project_prefix.py:" in err
    # A named branch needs nobody's name.
    assert main(["compile", str(CASE_09B), "-t", target, "-o", str(out), "--branch", "b2"]) == 0, capsys.readouterr()
    with pytest.raises(project_names.ProjectError, match="FLOWC_USER"):
        project_names.branch_name()
    assert project_names.branch_name(production=True) == "prod"
    # A local run there still has a branch (Metaflow would not run at all).
    assert project_names.from_env("ScoreFlow", "fraud", {"USER": "root"}).branch_name == "user.unknown"
