"""Metaflow's `Config` and `config_expr`: values fixed before the flow runs, from a default, a file or
the command line; static in decorator arguments and Parameter defaults (the compiler takes them); in
steps as read-only mappings; the same in every task, in the code package of every target; and where
Metaflow 2.19.39 is at hand (`.venv-metaflow`), the same values as Metaflow's.

The case that started this (`metaflow-compat/10_config_passes_check_fails_run.py`): `flowc check`
passed a flow with a Config and `flowc run` failed at import; now both agree (Metaflow prints 7).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowc.client import Run
from flowc.compiler import analyze
from flowc.datastore.package import build_code_package, read_member
from flowc.ir import Flow
from flowc.user_configs import ConfigError, ConfigInputs, ConfigValue

ROOT = Path(__file__).parents[2]
METAFLOW_PYTHON = ROOT / ".venv-metaflow" / "bin" / "python"

# The case as filed: check was clean, run crashed. Metaflow prints 7.
CASE_10 = """\
from metaflow import FlowSpec, step, Config


class ConfigFlow(FlowSpec):
    cfg = Config("cfg", default_value={"x": 7})

    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        print(self.cfg["x"])
"""

# Configs in decorators (`**`, config_expr, attribute and item access), a Parameter default, a flow
# decorator, a default file, a TOML parser by name, the flow's own parser, and steps reading them.
FLOW = """\
import json
import os

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
from metaflow import Config, FlowSpec, Parameter, config_expr, current, environment, project, resources, step


def shout(text):
    return {"said": text.upper()}


@project(name=config_expr("cfg.project"))
class CfgFlow(FlowSpec):
    cfg = Config("cfg", default_value={"x": 7, "project": "demo", "res": {"cpu": 2, "memory": 512}, "env": {"A": "a1"}})
    files = Config("files", default="files.json")
    tomlc = Config("tomlc", default_value="k = [1, 2]", parser=tomllib.loads)
    mine = Config("mine", default_value="hello", parser=shout)
    alpha = Parameter("alpha", default=cfg.x)

    @environment(vars={"FROM_EXPR": config_expr("cfg.env.A"), "FROM_ITEM": cfg["env"]["A"]})
    @resources(**cfg.res)
    @step
    def start(self):
        self.seen_start = {
            "x_attr": self.cfg.x,
            "x_item": self.cfg["x"],
            "type": type(self.cfg).__name__,
            "is_dict": isinstance(self.cfg, dict),
            "files": self.files.to_dict(),
            "tomlc": dict(self.tomlc),
            "mine": self.mine.said,
            "alpha": self.alpha,
            "env": [os.environ.get("FROM_EXPR"), os.environ.get("FROM_ITEM")],
            "parameter_names": sorted(current.parameter_names),
        }
        self.items = [1, 2]
        self.next(self.work, foreach="items")

    @step
    def work(self):
        self.got = [self.cfg.x, self.files["path"], self.mine.said]
        try:
            self.cfg.x = 1
            self.changed = "no error"
        except (TypeError, AttributeError) as exc:
            self.changed = type(exc).__name__
        try:
            self.cfg["x"] = 1
        except TypeError as exc:
            self.changed_item = type(exc).__name__
        self.next(self.join)

    @step
    def join(self, inputs):
        self.gots = sorted(i.got for i in inputs)
        self.changed = inputs[0].changed
        self.changed_item = inputs[0].changed_item
        self.seen_start = inputs[0].seen_start
        self.next(self.end)

    @step
    def end(self):
        print("RESULT " + json.dumps({
            "seen_start": self.seen_start, "gots": self.gots, "changed": self.changed,
            "changed_item": self.changed_item, "cfg_end": self.cfg.to_dict(),
        }, sort_keys=True))


if __name__ == "__main__":
    CfgFlow()
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    (tmp_path / "files.json").write_text('{"path": "/data/a.csv"}')
    return write(tmp_path, "flow.py", FLOW)


def flowc(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "USER": "alice"}
    return subprocess.run(
        [sys.executable, "-m", "flowc", *argv], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def configs(flow: Flow) -> dict[str, object]:
    return {c.name: None if c.value is None else json.loads(c.value) for c in flow.configs}


# -- the compiler -----------------------------------------------------------------------------------


def test_decorator_arguments_and_defaults_from_configs_are_static(flow_file: Path) -> None:
    a = analyze(flow_file)
    assert a.flow is not None, a.diagnostics
    start = a.flow.step("start")
    assert start.decorators.resources is not None
    assert (start.decorators.resources.cpu, start.decorators.resources.memory) == (2.0, 512)
    assert start.decorators.env == {"FROM_EXPR": "a1", "FROM_ITEM": "a1"}
    assert a.flow.project == "demo"
    assert a.flow.parameter("alpha").default == 7
    values = configs(a.flow)
    assert values["files"] == {"path": "/data/a.csv"}
    assert values["tomlc"] == {"k": [1, 2]}
    # The flow's own parser is not run by the compiler: the task parses the text.
    mine = next(c for c in a.flow.configs if c.name == "mine")
    assert (mine.value, mine.parser, mine.text) == (None, "shout", "hello")


def test_command_line_values_replace_defaults(flow_file: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    other.write_text('{"path": "/elsewhere"}')
    given = ConfigInputs.of(
        [["files", str(other)]],
        [["cfg", '{"x": 3, "project": "p2", "res": {"cpu": 4}, "env": {"A": "zz"}}']],
    )
    a = analyze(flow_file, configs=given)
    assert a.flow is not None, a.diagnostics
    assert configs(a.flow)["files"] == {"path": "/elsewhere"}
    start = a.flow.step("start")
    assert start.decorators.env == {"FROM_EXPR": "zz", "FROM_ITEM": "zz"}
    assert start.decorators.resources is not None and start.decorators.resources.cpu == 4.0
    assert a.flow.project == "p2" and a.flow.parameter("alpha").default == 3


def test_the_key_order_of_a_config_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.py", CASE_10)
    a = analyze(path, configs=ConfigInputs.of(None, [["cfg", '{"z": 1, "a": 2, "m": 3}']]))
    assert a.flow is not None
    assert list(json.loads(a.flow.configs[0].value or "")) == ["z", "a", "m"]


def codes(path: Path, given: ConfigInputs | None = None) -> list[tuple[str, int, str]]:
    a = analyze(path, configs=given)
    return [(d.code, d.span.line if d.span else 0, d.message) for d in a.diagnostics]


BAD = """\
from metaflow import Config, FlowSpec, config_expr, environment, step


def mine(text):
    return {"k": text}


class BadFlow(FlowSpec):
    cfg = Config("cfg", default_value={"x": 7})
    own = Config("own", default_value="t", parser=mine)
    gone = Config("gone", default="nothere.json")
    needed = Config("needed", required=True)
    both = Config("both", default="a.json", default_value={"a": 1})

    @environment(vars={"A": cfg.nokey})
    @step
    def start(self):
        self.next(self.middle)

    @environment(vars={"B": own.k})
    @step
    def middle(self):
        self.next(self.end)

    @environment(vars={"C": config_expr("cfg.x.lower()")})
    @step
    def end(self):
        pass
"""


def test_every_config_problem_is_reported_where_it_is(tmp_path: Path) -> None:
    found = codes(write(tmp_path, "flow.py", BAD))
    by_line = {(code, line) for code, line, _ in found}
    assert ("FC420", 11) in by_line  # the default file cannot be read
    assert ("FC420", 12) in by_line  # required, no value
    assert ("FC422", 13) in by_line  # default and default_value
    assert ("FC420", 15) in by_line  # no such key
    assert ("FC421", 20) in by_line  # the flow's own parser, needed statically
    assert ("FC420", 25) in by_line  # config_expr calling a method
    message = next(m for c, line, m in found if line == 15)
    assert "has no `nokey`" in message and "; its keys: x" in message


def test_a_required_config_given_on_the_command_line_is_fine(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "flow.py",
        """\
        from metaflow import Config, FlowSpec, step, resources


        class ReqFlow(FlowSpec):
            needed = Config("needed", required=True)

            @resources(cpu=needed.cpu)
            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    assert [c for c, _, _ in codes(path)] == ["FC420", "FC420"]  # no value: the config and its use
    a = analyze(path, configs=ConfigInputs.of(None, [["needed", '{"cpu": 3}']]))
    assert a.ok and a.flow is not None
    assert a.flow.step("start").decorators.resources is not None
    # A value for a config the flow does not declare is refused, naming those it has.
    found = codes(path, ConfigInputs.of(None, [["needed", "{}"], ["nope", "{}"]]))
    assert any(c == "FC420" and "does not declare" in m and "needed" in m for c, _, m in found)


def test_standard_parsers_by_name_run_while_compiling(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "flow.py",
        """\
        import yaml
        from yaml import safe_load as load
        from metaflow import Config, FlowSpec, step


        class ParseFlow(FlowSpec):
            a = Config("a", default_value="k: 1", parser=yaml.safe_load)
            b = Config("b", default_value="k: 2", parser=load)
            c = Config("c", default_value="k: 3", parser="yaml.safe_load")
            d = Config("d", default_value="k = 4", parser="tomllib.loads")
            e = Config("e", default_value="just text", plain=True)

            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    a = analyze(path)
    assert a.flow is not None, a.diagnostics
    assert configs(a.flow) == {"a": {"k": 1}, "b": {"k": 2}, "c": {"k": 3}, "d": {"k": 4}, "e": "just text"}
    assert all(c.parser is None for c in a.flow.configs)


def test_bad_text_and_non_mapping_values_are_diagnostics(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.py", CASE_10)
    found = codes(path, ConfigInputs.of(None, [["cfg", "{not json"]]))
    assert [c for c, _, m in found] == ["FC420"] and "not valid JSON" in found[0][2]
    found = codes(path, ConfigInputs.of(None, [["cfg", "[1, 2]"]]))
    assert "must be a mapping" in found[0][2]


def test_a_default_file_is_found_beside_the_flow_from_any_folder(tmp_path: Path, flow_file: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cwd = os.getcwd()
    os.chdir(elsewhere)
    try:
        a = analyze(flow_file)
    finally:
        os.chdir(cwd)
    assert a.flow is not None and configs(a.flow)["files"] == {"path": "/data/a.csv"}


def test_one_name_given_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="more than once"):
        ConfigInputs.of([["cfg", "a.json"]], [["cfg", "{}"]])


def test_config_value_is_a_read_only_mapping_that_pickles() -> None:
    import pickle

    v = ConfigValue({"a": {"b": [1, {"c": 2}]}})
    assert v.a.b[1].c == 2 and v["a"]["b"][0] == 1 and isinstance(v, dict)
    assert json.loads(json.dumps(v)) == {"a": {"b": [1, {"c": 2}]}}
    for change in (lambda: v.__setitem__("a", 1), lambda: setattr(v, "a", 1), lambda: v.update(a=1)):
        with pytest.raises(TypeError):
            change()
    again = pickle.loads(pickle.dumps(v))
    assert isinstance(again, ConfigValue) and again == v
    with pytest.raises(AttributeError):
        _ = v.missing


# -- running ----------------------------------------------------------------------------------------


def test_case_10_check_and_run_agree(tmp_path: Path) -> None:
    path = write(tmp_path, "flow.py", CASE_10)
    assert flowc(tmp_path, "check", "flow.py").returncode == 0
    done = flowc(tmp_path, "run", "flow.py", "--run-id", "r1")
    assert done.returncode == 0, done.stdout + done.stderr
    run = Run("ConfigFlow/r1", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert run["end"].task.stdout.strip() == "7"
    # Among every task's artifacts, as in Metaflow.
    assert run["start"].task.data.cfg == {"x": 7} and run["end"].task.data.cfg == {"x": 7}
    assert path.exists()


EXPECTED = {
    "seen_start": {
        "x_attr": 7,
        "x_item": 7,
        "type": "ConfigValue",
        "is_dict": True,
        "files": {"path": "/data/a.csv"},
        "tomlc": {"k": [1, 2]},
        "mine": "HELLO",
        "alpha": 7,
        "env": ["a1", "a1"],
        "parameter_names": ["alpha", "cfg", "files", "mine", "tomlc"],
    },
    "gots": [[7, "/data/a.csv", "HELLO"], [7, "/data/a.csv", "HELLO"]],
    "changed": "TypeError",
    "changed_item": "TypeError",
    "cfg_end": {"x": 7, "project": "demo", "res": {"cpu": 2, "memory": 512}, "env": {"A": "a1"}},
}


def result_line(text: str) -> dict[str, object]:
    line = next(line for line in text.splitlines() if "RESULT " in line)
    return json.loads(line.split("RESULT ", 1)[1])  # type: ignore[no-any-return]


def test_every_task_sees_the_configs(flow_file: Path, tmp_path: Path) -> None:
    done = flowc(tmp_path, "run", "flow.py", "--run-id", "r1")
    assert done.returncode == 0, done.stdout + done.stderr
    run = Run("CfgFlow/r1", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert result_line(run["end"].task.stdout) == EXPECTED
    assert run["join"].task.data.cfg.x == 7 and run["work"].task.data.mine == {"said": "HELLO"}


def test_values_given_at_run_reach_the_tasks_and_the_run_keeps_them(flow_file: Path, tmp_path: Path) -> None:
    value = '{"x": 5, "project": "demo", "res": {"cpu": 1}, "env": {"A": "given"}}'
    done = flowc(tmp_path, "run", "flow.py", "--run-id", "r1", "--config-value", "cfg", value)
    assert done.returncode == 0, done.stdout + done.stderr
    run = Run("CfgFlow/r1", datastore=tmp_path / ".flowc", _namespace_check=False)
    got = result_line(run["end"].task.stdout)
    assert got["seen_start"]["env"] == ["given", "given"]  # type: ignore[index]
    assert got["seen_start"]["alpha"] == 5 and got["gots"][0][0] == 5  # type: ignore[index]
    # Captured with the run: the code package holds the values every task reads, and a resume sees
    # the origin's values or is refused.
    resumed = flowc(tmp_path, "resume", "flow.py", "--origin-run-id", "r1", "--run-id", "r2")
    assert resumed.returncode == 2 and "cfg" in resumed.stderr and "other values" in resumed.stderr
    refused = flowc(tmp_path, "resume", "flow.py", "--config-value", "cfg", value)
    assert refused.returncode == 2 and "origin run's configs" in refused.stderr


def test_resume_of_a_run_with_default_configs_keeps_them(flow_file: Path, tmp_path: Path) -> None:
    assert flowc(tmp_path, "run", "flow.py", "--run-id", "r1").returncode == 0
    resumed = flowc(tmp_path, "resume", "flow.py", "end", "--origin-run-id", "r1", "--run-id", "r2")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    run = Run("CfgFlow/r2", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert result_line(run["end"].task.stdout) == EXPECTED


def test_python_flow_py_takes_metaflows_config_options(flow_file: Path, tmp_path: Path) -> None:
    env = {**os.environ, "USER": "alice", "FLOWC_METAFLOW_STANDIN": "1"}
    value = '{"x": 9, "project": "demo", "res": {"cpu": 1}, "env": {"A": "s"}}'
    done = subprocess.run(
        [sys.executable, "flow.py", "--config-value", "cfg", value, "run", "--run-id-file", "id.txt"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run_id = (tmp_path / "id.txt").read_text().strip()
    run = Run(f"CfgFlow/{run_id}", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert result_line(run["end"].task.stdout)["gots"][0][0] == 9  # type: ignore[index]


# -- deployed tasks ---------------------------------------------------------------------------------


def test_compiled_values_travel_in_the_code_package_not_in_templates(flow_file: Path, tmp_path: Path) -> None:
    # A value full of template syntax reaches the task's IR unchanged, and no target's output holds it.
    tricky = '{"x": 1, "project": "demo", "res": {"cpu": 1}, "env": {"A": "b"}, "t": "{{workflow.name}} ${X} $(Y)"}'
    given = ConfigInputs.of(None, [["cfg", tricky]])
    a = analyze(flow_file, configs=given)
    assert a.flow is not None
    package = build_code_package(a.flow, flow_file)
    shipped = Flow.from_json(read_member(package.data, "flow.json").decode())
    cfg = next(c for c in shipped.configs if c.name == "cfg")
    assert json.loads(cfg.value or "")["t"] == "{{workflow.name}} ${X} $(Y)"
    other = build_code_package(analyze(flow_file).flow, flow_file)  # type: ignore[arg-type]
    assert other.id != package.id  # other values, another package: a deployment pins its values
    for target in ("argo", "step-functions", "airflow"):
        out = tmp_path / f"build-{target}"
        done = flowc(tmp_path, "compile", "flow.py", "-t", target, "-o", str(out), "--config-value", "cfg", tricky)
        assert done.returncode == 0, done.stdout + done.stderr
        text = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
        assert "workflow.name}} ${X}" not in text, target


# -- Metaflow's values ------------------------------------------------------------------------------


@pytest.mark.skipif(not METAFLOW_PYTHON.exists(), reason="no .venv-metaflow (bash .ci/setup.d/40-metaflow.sh)")
def test_metaflow_gives_the_same_values(flow_file: Path, tmp_path: Path) -> None:
    value = '{"x": 5, "project": "demo", "res": {"cpu": 1, "memory": 256}, "env": {"A": "given"}}'
    env = {**os.environ, "USER": "alice", "METAFLOW_HOME": str(tmp_path)}
    env.pop("PYTHONPATH", None)
    for extra in ([], ["--config-value", "cfg", value]):
        mf = subprocess.run(
            [str(METAFLOW_PYTHON), "flow.py", "--no-pylint", *extra, "run"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert mf.returncode == 0, mf.stdout + mf.stderr
        ours = flowc(tmp_path, "run", "flow.py", "--run-id", f"r{len(extra)}", *extra)
        assert ours.returncode == 0, ours.stdout + ours.stderr
        run = Run(f"CfgFlow/r{len(extra)}", datastore=tmp_path / ".flowc", _namespace_check=False)
        assert result_line(run["end"].task.stdout) == result_line(mf.stdout + mf.stderr)


def test_trigger_reads_the_flow_with_the_values_it_was_deployed_with(tmp_path: Path) -> None:
    write(
        tmp_path,
        "flow.py",
        """\
        from metaflow import Config, FlowSpec, config_expr, project, step


        @project(name=config_expr("cfg.project"))
        class TrigFlow(FlowSpec):
            cfg = Config("cfg", required=True)

            @step
            def start(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    env = {**os.environ, "KUBECONFIG": str(tmp_path / "no-kubeconfig"), "FLOWC_USER": "alice"}
    argv = [sys.executable, "-m", "flowc", "trigger", "flow.py", "-t", "argo"]
    without = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert without.returncode != 0 and "FC420" in without.stderr
    given = subprocess.run(
        [*argv, "--config-value", "cfg", '{"project": "pp"}'],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # Past reading the flow: what stops it now is the missing cluster.
    assert given.returncode != 0 and "FC420" not in given.stderr and "Kubernetes" in given.stderr


def test_a_deployed_argo_workflow_runs_with_the_compiled_values(
    flow_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Argo manifest, run pod by pod by the tests' Argo interpreter (tests/targets/argo): each
    pod's task reads the config values from the code package, template syntax and all, unchanged."""
    monkeypatch.setenv("FLOWC_USER", "alice")  # who deploys: @project's default branch names them
    from flowc.targets.argo import deploy, load_manifests

    from tests.targets.argo.conftest import EXECUTABLE, compile_argo
    from tests.targets.argo.interpreter import SUCCEEDED, Interpreter

    tricky = '{"x": 4, "project": "demo", "res": {"cpu": 1}, "env": {"A": "{{workflow.name}} $(HOME) ${X}"}}'
    a = analyze(flow_file, configs=ConfigInputs.of(None, [["cfg", tricky]]))
    assert a.flow is not None, a.diagnostics
    datastore = str(tmp_path / "datastore")
    result = compile_argo(a.flow, datastore=datastore, executable=EXECUTABLE)
    assert not [d for d in result.diagnostics if d.severity.value == "error"], result.diagnostics
    docs = load_manifests(result)
    deploy.upload_code(a.flow, docs, dry_run=False)
    pods = tmp_path / "pods"
    pods.mkdir()
    run = Interpreter(docs[0], pods, max_workers=2).submit("cfg-run", {})
    assert run.phase == SUCCEEDED, [(n.path, n.stderr[-2000:]) for n in run.failed()]
    reader = Run("CfgFlow/cfg-run", datastore=datastore, _namespace_check=False)
    start = reader["start"].task.data.seen_start
    assert start["env"] == ["{{workflow.name}} $(HOME) ${X}"] * 2
    assert start["x_attr"] == 4 and start["alpha"] == 4 and start["mine"] == "HELLO"
    assert reader["join"].task.data.gots == [[4, "/data/a.csv", "HELLO"]] * 2


def test_configs_of_base_classes_count(tmp_path: Path) -> None:
    """A Config declared in a base flow class or a mixin is the flow's: in the bases' decorators, in
    the flow's own, and in every step."""
    write(
        tmp_path,
        "flow.py",
        """\
        from metaflow import Config, FlowSpec, config_expr, environment, resources, step


        class Settings:
            cfg = Config("cfg", default_value={"x": 1, "cpu": 3})


        class BaseFlow(Settings, FlowSpec):
            # `cfg` is no name in this class's body (Python's rule): config_expr reaches it.
            @resources(cpu=config_expr("cfg.cpu"))
            @step
            def start(self):
                self.seen = self.cfg["x"]
                self.next(self.end)


        class MixedFlow(BaseFlow):
            @step
            def end(self):
                print("X", self.seen, self.cfg.x)
        """,
    )
    a = analyze(
        tmp_path / "flow.py", flow_name="MixedFlow", configs=ConfigInputs.of(None, [["cfg", '{"x": 2, "cpu": 4}']])
    )
    assert a.flow is not None, a.diagnostics
    assert configs(a.flow) == {"cfg": {"x": 2, "cpu": 4}}
    assert a.flow.step("start").decorators.resources is not None
    assert a.flow.step("start").decorators.resources.cpu == 4.0
    done = flowc(
        tmp_path,
        "run",
        "flow.py",
        "--flow",
        "MixedFlow",
        "--run-id",
        "r1",
        "--config-value",
        "cfg",
        '{"x": 2, "cpu": 4}',
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = Run("MixedFlow/r1", datastore=tmp_path / ".flowc", _namespace_check=False)
    assert run["end"].task.stdout.strip() == "X 2 2"
    # Written as a bare name there, it would be a NameError when Python reads the class: refused.
    text = (tmp_path / "flow.py").read_text().replace('config_expr("cfg.cpu")', "cfg.cpu")
    found = analyze(tmp_path / "flow.py", flow_name="MixedFlow", source=text)
    assert [d.code for d in found.diagnostics] == ["FC301"]


def test_a_config_the_compiler_did_not_read_is_never_a_value_in_a_task() -> None:
    """Should a Config reach a task without its value in the compiled flow, the task stops with a
    message rather than hand the step the declaration where its value belongs."""
    from flowc import api
    from flowc.ir import Span, Step, Transition
    from flowc.runner import configs as runner_configs

    class Settings:
        cfg = api.Config("cfg", default_value={"x": 1})

    class Unread(Settings):
        pass

    flow = Flow(
        name="Unread",
        file="flow.py",
        span=Span(1, 1, 1, 2),
        steps=(Step("start", Transition.END, (), Span(1, 1, 1, 2)),),
    )
    with pytest.raises(ConfigError, match=r"config 'cfg' \(self.cfg, declared in Settings\) was not read"):
        runner_configs.values(Unread, flow)


def test_metaflows_config_variables_stand_in_for_the_options(tmp_path: Path) -> None:
    write(tmp_path, "flow.py", CASE_10)
    (tmp_path / "c.json").write_text('{"x": 2}')
    env = {**os.environ, "METAFLOW_FLOW_CONFIG_VALUE": json.dumps({"cfg": {"x": 3}})}

    def shown(*argv: str, **more: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "flowc", "show", "flow.py", "--format", "json", *argv],
            cwd=tmp_path,
            env={**env, **more},
            capture_output=True,
            text=True,
            timeout=120,
        )

    def value(done: subprocess.CompletedProcess[str]) -> object:
        assert done.returncode == 0, done.stderr
        return json.loads(json.loads(done.stdout)["configs"][0]["value"])

    assert value(shown()) == {"x": 3}
    assert value(shown("--config-value", "cfg", '{"x": 4}')) == {"x": 4}  # the option wins
    assert value(shown(METAFLOW_FLOW_CONFIG_VALUE="", METAFLOW_FLOW_CONFIG='{"cfg": "c.json"}')) == {"x": 2}
    bad = shown(METAFLOW_FLOW_CONFIG_VALUE="[1]")
    assert bad.returncode == 2 and "must be a JSON object" in bad.stderr


def test_text_methods_of_a_config_value_are_static(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "flow.py",
        """\
        from metaflow import Config, FlowSpec, config_expr, environment, step


        class TextFlow(FlowSpec):
            cfg = Config("cfg", default_value={"env": {"a": " Mixed "}})

            @environment(vars={"E": config_expr("cfg.env.a.strip().upper()")})
            @step
            def start(self):
                self.next(self.middle)

            # Called directly, Metaflow fails at import (a config can only be read there): not static.
            @environment(vars={"F": cfg.env["a"].lower()})
            @step
            def middle(self):
                self.next(self.end)

            @step
            def end(self):
                pass
        """,
    )
    a = analyze(path)
    assert [(d.code, d.span.line if d.span else 0) for d in a.diagnostics] == [("FC301", 13)]
    a = analyze(path.parent / "ok.py", source=path.read_text().replace('{"F": cfg.env["a"].lower()}', "{}"))
    assert a.flow is not None, a.diagnostics
    assert a.flow.step("start").decorators.env == {"E": "MIXED"}
