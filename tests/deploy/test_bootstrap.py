"""A task on a stock Python image: the bootstrap fetches the code package (flow + flowc's runner) and
runs the step, with nothing of flowc installed. A fresh virtualenv without site packages stands in for
the image (no container engine runs here)."""

from __future__ import annotations

import subprocess
import sys
import venv
from pathlib import Path

import pytest

from flowc.compiler import analyze
from flowc.datastore.package import build_code_package
from flowc.datastore.store import FlowDatastore
from flowc.runner import bootstrap
from flowc.runner.command import step_command

FLOW = """
from flowc import FlowSpec, Parameter, step
import helper


class BootFlow(FlowSpec):
    who = Parameter("who", default="world")

    @step
    def start(self):
        import flowc
        self.greeting = helper.greet(self.who)
        self.runner_file = flowc.__file__
        self.next(self.end)

    @step
    def end(self):
        self.done = True
"""


@pytest.fixture(scope="module")
def stock_python(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A Python with only the standard library: no flowc, no boto3, no pip needed."""
    where = tmp_path_factory.mktemp("stock") / "venv"
    venv.EnvBuilder(with_pip=False, system_site_packages=False).create(where)
    python = str(where / "bin" / "python")
    probe = subprocess.run([python, "-c", "import flowc"], capture_output=True, text=True, check=False, cwd=where)
    assert probe.returncode != 0, "the stand-in for a stock image must not have flowc"
    return python


@pytest.fixture
def deployed(tmp_path: Path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "flow.py").write_text(FLOW)
    (src / "helper.py").write_text("def greet(who):\n    return 'hello ' + who\n")
    analysis = analyze(src / "flow.py")
    assert analysis.flow is not None, analysis.diagnostics
    package = build_code_package(analysis.flow, src / "flow.py")
    return analysis.flow, package


def task(
    python: str, flow_name: str, code: str, step: str, datastore: str, run_id: str = "r1", **kw: object
) -> list[str]:
    return step_command(
        flow=flow_name,
        code=code,
        step=step,
        run_id="r1",
        datastore=datastore,
        executable=bootstrap.command(python),
        **kw,  # type: ignore[arg-type]
    )


def run(argv: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    import os
    import tempfile

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FLOWC_", "VIRTUAL_ENV"))}
    # Run from an empty folder, as a container does: `python -c` puts the working folder on sys.path.
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            argv, capture_output=True, text=True, env={**clean, **(env or {})}, check=False, timeout=120, cwd=cwd
        )


def test_the_bootstrap_program_is_one_line_no_engine_reads(stock_python: str) -> None:
    source = bootstrap.SOURCE
    assert "\n" not in source and len(source) < 1500
    # Argo {{ }}, Kubernetes $(VAR), Jinja {% %}, ASL intrinsic quoting ' { } \
    assert not set(source) & set("{}$'\\"), set(source) & set("{}$'\\")
    compile(source, "<bootstrap>", "exec")


def test_a_task_runs_on_a_python_without_flowc_from_a_local_datastore(
    tmp_path: Path, stock_python: str, deployed
) -> None:
    flow, package = deployed
    # A datastore path with characters engines would read: it travels percent-encoded.
    ds = tmp_path / "data {{workflow.name}} $(HOME) 100%"
    store = FlowDatastore.open(str(ds), flow.name)
    store.put_code(package.id, package.deployable)
    for step, extra in (("start", {"params_json": '{"who": "stock"}'}), ("end", {})):
        proc = run(task(stock_python, flow.name, package.id, step, str(ds), **extra))
        assert proc.returncode == 0, proc.stderr
    art = store.task_artifacts("r1", "start")
    assert art["greeting"] == "hello stock"
    # The runner imported is the one in the package, unpacked in the task's own cache.
    assert "/runtime/flowc/__init__.py" in art["runner_file"]
    assert store.task_artifacts("r1", "end")["done"] is True


def test_a_package_without_the_runtime_fails_with_a_clear_import_error(
    tmp_path: Path, stock_python: str, deployed
) -> None:
    flow, package = deployed
    store = FlowDatastore.open(str(tmp_path / "ds"), flow.name)
    store.put_code(package.id, package.data)  # what `flowc run` stores: no runtime inside
    proc = run(task(stock_python, flow.name, package.id, "start", str(tmp_path / "ds")))
    assert proc.returncode != 0 and "No module named 'flowc'" in proc.stderr


def test_a_task_fetches_its_package_from_s3(tmp_path: Path, s3_bucket: str, s3_endpoint: str, deployed) -> None:
    # boto3 is importable in this interpreter, so the bootstrap installs nothing (the install path
    # is measured by benchmarks/bootstrap.py, which needs the package index).
    flow, package = deployed
    datastore = f"s3://{s3_bucket}/some prefix"
    FlowDatastore.open(datastore, flow.name).put_code(package.id, package.deployable)
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "FLOWC_S3_ENDPOINT_URL": s3_endpoint,
    }
    proc = run(task(sys.executable, flow.name, package.id, "start", datastore), env)
    assert proc.returncode == 0, proc.stderr
    assert FlowDatastore.open(datastore, flow.name).task_artifacts("r1", "start")["greeting"] == "hello world"


def test_the_runner_reads_the_branch_of_a_project_deployment() -> None:
    import argparse

    from flowc.commands import step as step_cmd

    argv = step_command(flow="F", code="c", step="start", run_id="r", datastore="d", branch="test.staging")
    p = argparse.ArgumentParser()
    step_cmd.add_arguments(p)
    assert p.parse_args(argv[2:]).branch == "test.staging"
