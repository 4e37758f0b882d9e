"""The command line: exit codes, output formats, --fix, folders, show, compile and targets."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowc.cli import main
from tests.conftest import EXAMPLES, SHAPES

TYPO = textwrap.dedent(
    """
    from flowc import FlowSpec, step

    class F(FlowSpec):
        @step
        def start(self):
            # a comment the fix must keep
            self.next(self.procss)  # and this one

        @step
        def process(self):
            self.next(self.end)

        @step
        def end(self):
            pass
    """
).lstrip()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_clean_flow_exits_0(capsys) -> None:
    code, _out, err = run(capsys, "check", str(SHAPES / "linear.py"))
    assert code == 0
    assert "no problems" in err


def test_the_flowc_process_exits_with_the_command_s_code_and_all_its_output(write_flow, tmp_path: Path) -> None:
    # check, compile, show and run end their process without the interpreter's teardown (flowc.cli.entry)
    def flowc(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "flowc", *argv], capture_output=True, text=True, timeout=120)

    broken = flowc("check", str(write_flow(TYPO)), "--format", "json")
    assert broken.returncode == 1 and [d["code"] for d in json.loads(broken.stdout)] == ["FC101"]
    clean = flowc("check", str(SHAPES / "linear.py"))
    assert clean.returncode == 0 and "1 flow checked, no problems" in clean.stderr
    out = tmp_path / "out"
    compiled = flowc("compile", str(SHAPES / "linear.py"), "--target", "ir", "-o", str(out))
    assert compiled.returncode == 0 and sorted(p.name for p in out.iterdir()) and "wrote" in compiled.stderr
    shown = flowc("show", str(SHAPES / "linear.py"), "--format", "json")
    assert shown.returncode == 0 and json.loads(shown.stdout)
    assert flowc("check", str(tmp_path / "missing.py")).returncode == 2
    ran = flowc("run", str(SHAPES / "linear.py"), "--datastore", str(tmp_path / "store"))
    assert ran.returncode == 0 and "succeeded" in ran.stdout.splitlines()[-2], ran.stderr


def test_check_reports_compiler_style_with_caret_and_hint(capsys, write_flow) -> None:
    path = write_flow(TYPO)
    code, out, _ = run(capsys, "check", str(path), "--color", "never")
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{path}:7:24: FC101 self.next(self.procss): no step named 'procss'; did you mean 'process'?"
    assert lines[1].strip() == "self.next(self.procss)  # and this one"
    assert lines[2].index("^") == lines[1].index("procss") and lines[2].count("^") == len("procss")
    assert lines[3].strip().startswith("hint:")


def test_check_fix_repairs_the_typo_and_keeps_comments(capsys, write_flow) -> None:
    path = write_flow(TYPO)
    code, _, _ = run(capsys, "check", str(path), "--fix")
    assert code == 0
    fixed = path.read_text()
    assert fixed == TYPO.replace("self.procss", "self.process")


def test_check_folder_finds_every_flow_and_skips_other_python(capsys, tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "helpers.py").write_text("def f():\n    return 1\n")
    (tmp_path / "pkg" / "a.py").write_text((SHAPES / "linear.py").read_text())
    (tmp_path / "b.py").write_text(TYPO)
    code, out, _ = run(capsys, "check", str(tmp_path), "--format", "json")
    assert code == 1
    found = json.loads(out)
    assert {Path(d["file"]).name for d in found} == {"b.py"}


def test_check_json_github_and_sarif_formats(capsys, write_flow) -> None:
    path = write_flow(TYPO)
    _, out, _ = run(capsys, "check", str(path), "--format", "json")
    (d,) = json.loads(out)
    assert (d["code"], d["line"], d["column"], d["fixable"]) == ("FC101", 7, 24, True)
    _, out, _ = run(capsys, "check", str(path), "--format", "github")
    assert out.startswith(f"::error file={path},line=7,col=24,")
    _, out, _ = run(capsys, "check", str(path), "--format", "sarif")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["results"][0]["ruleId"] == "FC101"


def test_check_missing_path_is_a_usage_error(capsys, tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path / "nope.py"))
    assert code == 2
    assert "no such file" in err


def test_check_of_a_path_that_is_not_a_file_says_so(capsys) -> None:
    code, _, err = run(capsys, "check", os.devnull)
    assert code == 2
    assert f"not a regular file or a folder: {os.devnull}" in err and "no such file" not in err


def test_sarif_locations_are_uri_references(capsys, tmp_path: Path) -> None:
    folder = tmp_path / "my flows #1"
    folder.mkdir()
    path = folder / "typo 100%.py"
    path.write_text(TYPO)
    _, out, _ = run(capsys, "check", str(path), "--format", "sarif")
    uri = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == path.as_uri() and "%20" in uri and "%23" in uri and "%25" in uri and " " not in uri


def test_unreadable_file_is_a_diagnostic(capsys, tmp_path: Path) -> None:
    path = tmp_path / "latin1.py"
    path.write_bytes(b"x = '\xe9'\n")
    code, out, _ = run(capsys, "check", str(path), "--format", "json")
    assert code == 1
    assert json.loads(out)[0]["code"] == "FC004"


@pytest.mark.parametrize("fmt", ["text", "mermaid", "dot", "json"])
def test_show_formats(capsys, fmt: str) -> None:
    code, out, _ = run(capsys, "show", str(SHAPES / "switch.py"), "--format", fmt)
    assert code == 0
    if fmt == "json":
        assert json.loads(out)["name"] == "SwitchFlow"
    elif fmt == "mermaid":
        assert out.startswith("flowchart TD") and '-->|"big"|' in out
    elif fmt == "dot":
        assert out.startswith('digraph "SwitchFlow"')
    else:
        assert "start [start, switch on route]" in out


def test_compile_ir_target_writes_files_deterministically(capsys, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run(capsys, "compile", str(EXAMPLES / "hyperparam_sweep.py"), "-t", "ir", "-o", str(out_dir))
    assert code == 0
    written = out_dir / "HyperparamSweepFlow.ir.json"
    first = written.read_bytes()
    code, _, err = run(capsys, "compile", str(EXAMPLES / "hyperparam_sweep.py"), "-t", "ir", "-o", str(out_dir))
    assert "unchanged" in err
    assert written.read_bytes() == first


def test_compile_unknown_target_lists_valid_ones(capsys) -> None:
    code, _, err = run(capsys, "compile", str(SHAPES / "linear.py"), "-t", "nomad")
    assert code == 2
    assert "unknown target 'nomad'" in err and "ir" in err


def test_compile_of_a_broken_flow_prints_diagnostics_and_fails(capsys, write_flow) -> None:
    code, _, err = run(capsys, "compile", str(write_flow(TYPO)), "-t", "ir", "--stdout")
    assert code == 1
    assert "FC101" in err


def test_targets_lists_builtins(capsys) -> None:
    _code, out, _ = run(capsys, "targets")
    assert "ir " in out


def test_broken_plugin_fails_loudly_with_its_name() -> None:
    from flowc.target_api import TargetLoadError, TargetRegistry

    reg = TargetRegistry(load_entry_points=False)

    def broken():
        raise ImportError("no module named nomad_sdk")

    reg.register("nomad", broken)
    with pytest.raises(TargetLoadError, match="'nomad' is installed but failed to load: ImportError"):
        reg.get("nomad")
    with pytest.raises(KeyError):
        reg.get("unknown")


def test_entry_point_plugins_are_found(tmp_path: Path) -> None:
    """A target registered through the `flowc.targets` entry-point group shows up in `flowc targets`."""
    dist = tmp_path / "site" / "myplugin-1.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: myplugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[flowc.targets]\nmine = myplugin_mod:Mine\n")
    (tmp_path / "site" / "myplugin_mod.py").write_text(
        "from flowc.target_api import OutputFile, TargetResult\n"
        "class Mine:\n    name = 'mine'\n    description = 'a plugin'\n"
        "    def options(self):\n        return ()\n"
        "    def compile(self, flow, options):\n"
        "        return TargetResult(files=(OutputFile('x.txt', flow.name),))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    out = subprocess.run([sys.executable, "-m", "flowc", "targets"], capture_output=True, text=True, env=env)
    assert "mine" in out.stdout and "a plugin" in out.stdout
    out = subprocess.run(
        [sys.executable, "-m", "flowc", "compile", str(SHAPES / "linear.py"), "-t", "mine", "--stdout"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == "LinearFlow"


def test_target_options_come_from_pyproject_and_flags_win(tmp_path: Path) -> None:
    from flowc.commands._common import load_config, target_options
    from flowc.target_api import OutputFile, TargetOption, TargetResult

    class Fake:
        name = "fake"
        description = ""

        def options(self):
            return (TargetOption("data-store", "where", default="none"), TargetOption("count", "n", 1, type=int))

        def compile(self, flow, options):
            return TargetResult(files=(OutputFile("x", str(options)),))

    (tmp_path / "pyproject.toml").write_text('[tool.flowc.fake]\ndata-store = "s3://b/p"\ncount = "3"\n')
    (tmp_path / "flows").mkdir()
    flow = tmp_path / "flows" / "f.py"
    flow.write_text("")
    assert load_config(flow) == {"fake": {"data-store": "s3://b/p", "count": "3"}}

    class Args:
        opt_data_store = None
        opt_count = 5

    opts = target_options(Fake(), Args(), str(flow))  # type: ignore[arg-type]
    assert opts == {"data_store": "s3://b/p", "count": 5}
    (tmp_path / "flows" / "flowc.toml").write_text('[fake]\ndata-store = "s3://other"\n')
    assert load_config(flow) == {"fake": {"data-store": "s3://other"}}


@pytest.mark.parametrize("target", ["step-functions", "argo", "airflow"])
def test_compile_needs_only_the_flow_on_every_target(capsys, target: str) -> None:
    code, out, err = run(capsys, "compile", str(EXAMPLES / "hyperparam_sweep.py"), "-t", target, "--stdout")
    assert code == 0, err
    assert out


def test_compile_help_lists_every_option_of_every_target(capsys) -> None:
    with pytest.raises(SystemExit):
        main(["compile", "--help"])
    out = capsys.readouterr().out
    from flowc.commands._common import options_of, registry

    for name in ("step-functions", "argo", "airflow"):
        section = out.split(f"  --target {name}\n", 1)[1].split("\n  --target ", 1)[0]
        target = registry().get(name)
        # compile's own options and, marked, those only deploy/trigger/status/delete take
        wanted = {o.name for o in options_of(target, lifecycle=True)}
        listed = {line.split()[0][2:] for line in section.splitlines() if line.startswith("    --")}
        assert listed == wanted, (name, wanted ^ listed)
    assert "--mode {kubernetes,local}" in out and "--dags-folder" in out and "--role-arn" in out
    assert "env FLOWC_DATASTORE" in out and "--profile" in out


def test_values_come_from_flags_then_environment_then_profile_then_file(tmp_path: Path, monkeypatch) -> None:
    from flowc import config
    from flowc.target_api import TargetOption

    (tmp_path / "flowc.toml").write_text(
        'datastore = "s3://base/x"\nimage = "base:1"\n[argo]\nimage = "argo:1"\n'
        '[profiles.prod]\ndatastore = "s3://prod/x"\n[profiles.prod.argo]\nnamespace = "ml-prod"\n'
    )
    options = [
        TargetOption("datastore", "", environment=True),
        TargetOption("image", "", default="python:3.12-slim", environment=True),
        TargetOption("namespace", "", environment=True),
        TargetOption("mode", "", default="a"),
    ]
    cfg = config.find_config(tmp_path / "flow.py")
    got = config.resolve(options, "argo", {}, cfg, environ={})
    assert got.values == {"datastore": "s3://base/x", "image": "argo:1", "namespace": None, "mode": "a"}
    got = config.resolve(options, "argo", {}, cfg, profile="prod", environ={"FLOWC_IMAGE": "env:1"})
    assert got.values == {"datastore": "s3://prod/x", "image": "env:1", "namespace": "ml-prod", "mode": "a"}
    assert got.source("image") == "FLOWC_IMAGE" and got.source("namespace").startswith("profile prod [argo]")
    got = config.resolve(
        options, "argo", {"image": "flag:1"}, cfg, environ={"FLOWC_PROFILE": "prod", "FLOWC_MODE": "b"}
    )
    assert got.values["image"] == "flag:1" and got.values["datastore"] == "s3://prod/x"
    assert got.values["mode"] == "a"  # only environment facts come from FLOWC_* variables
    with pytest.raises(config.ConfigError, match=r"no profile 'qa'.*profiles: prod"):
        config.resolve(options, "argo", {}, cfg, profile="qa", environ={})


def test_check_with_a_target_needs_no_deployment_settings(capsys) -> None:
    code, _, err = run(capsys, "check", str(SHAPES), "-t", "step-functions")
    assert code == 0, err
