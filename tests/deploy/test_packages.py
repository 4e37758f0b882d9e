"""The flow's own packages: @pypi/@conda on steps, @pypi_base/@conda_base on the flow, a
requirements.txt beside it; installed by the task bootstrap or baked into an image (`flowc image`)."""

from __future__ import annotations

import os
import subprocess
import venv
from pathlib import Path

import pytest

from flowc.cli import main
from flowc.compiler import analyze
from flowc.datastore.package import build_code_package
from flowc.datastore.store import FlowDatastore
from flowc.runner import bootstrap
from flowc.runner.command import step_command

FLOW = """
from metaflow import FlowSpec, conda, pypi, pypi_base, step


@pypi_base(packages={"requests": "2.31.0"})
class PkgFlow(FlowSpec):
    @pypi(packages={"pandas": ">=2,<3", "numpy": None})
    @step
    def start(self):
        self.next(self.end)

    @conda(packages={"scipy": "1.11.4"})
    @step
    def end(self):
        pass
"""


@pytest.fixture
def flow_file(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    (src / "flow.py").write_text(FLOW)
    (src / "requirements.txt").write_text("pyyaml>=6\n")
    return src / "flow.py"


def test_packages_become_pip_requirements_per_step(flow_file: Path) -> None:
    analysis = analyze(flow_file)
    assert analysis.flow is not None and analysis.diagnostics == []
    flow = analysis.flow
    assert flow.packages == ("requests==2.31.0",)
    assert flow.step("start").decorators.packages == ("numpy", "pandas>=2,<3")
    assert flow.step("end").decorators.packages == ("scipy==1.11.4",)
    members = build_code_package(flow, flow_file).members
    assert members["requirements/start.txt"] == b"requests==2.31.0\npyyaml>=6\nnumpy\npandas>=2,<3\n"
    assert members["requirements/end.txt"] == b"requests==2.31.0\npyyaml>=6\nscipy==1.11.4\n"


def test_a_flow_without_packages_keeps_its_ir_and_package_id(tmp_path: Path) -> None:
    from tests.conftest import SHAPES

    flow = analyze(SHAPES / "linear.py").flow
    assert flow is not None and '"packages"' not in flow.to_json()
    assert not any(m.startswith("requirements/") for m in build_code_package(flow, flow.file).members)


def test_what_pip_cannot_serve_is_reported(write_flow) -> None:
    path = write_flow(
        FLOW.replace('packages={"scipy": "1.11.4"}', 'packages={"conda-forge::cudatoolkit": "11"}').replace(
            '@pypi_base(packages={"requests": "2.31.0"})', '@pypi_base(packages={"requests": "2.31.0"}, python="3.10")'
        )
    )
    diags = analyze(path).diagnostics
    assert [(d.code, d.severity.value) for d in diags] == [("FC309", "warning"), ("FC302", "error")]
    assert "a conda channel: pip serves PyPI packages only" in diags[1].message


def test_flowc_image_writes_a_dockerfile_with_every_steps_packages(flow_file: Path, tmp_path: Path, capsys) -> None:
    out = tmp_path / "image"
    assert main(["image", str(flow_file), "-o", str(out)]) == 0
    dockerfile = (out / "Dockerfile").read_text()
    assert dockerfile.startswith("# The image of flow PkgFlow") and "FROM python:3.12-slim\n" in dockerfile
    assert "ENV FLOWC_BAKED_IMAGE=1" in dockerfile
    assert (out / "requirements.txt").read_text().splitlines() == [
        "boto3>=1.28",
        "numpy",
        "pandas>=2,<3",
        "pyyaml>=6",
        "requests==2.31.0",
        "scipy==1.11.4",
    ]
    assert "docker build -t flowc-pkgflow:" in capsys.readouterr().err


def test_steps_that_pin_a_package_differently_need_an_image_each(flow_file: Path, tmp_path: Path, capsys) -> None:
    flow_file.write_text(FLOW.replace('"scipy": "1.11.4"', '"pandas": "1.5.3"'))
    assert main(["image", str(flow_file), "-o", str(tmp_path / "i")]) == 1
    assert "one image cannot hold both; build one per step (flowc image --step end)" in capsys.readouterr().err
    assert main(["image", str(flow_file), "-o", str(tmp_path / "i"), "--step", "end"]) == 0
    assert "pandas==1.5.3" in (tmp_path / "i" / "requirements.txt").read_text()


def test_building_without_a_builder_says_where_to_build(flow_file: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert main(["image", str(flow_file), "-o", str(tmp_path / "i"), "--build"]) == 1
    assert "no container builder on PATH (docker, podman, buildah)" in capsys.readouterr().err


def test_the_bootstrap_installs_a_steps_requirements_unless_the_image_is_baked(flow_file: Path, tmp_path: Path) -> None:
    analysis = analyze(flow_file)
    assert analysis.flow is not None
    flow = analysis.flow
    package = build_code_package(flow, flow_file)
    ds = tmp_path / "ds"
    FlowDatastore.open(str(ds), flow.name).put_code(package.id, package.deployable)
    # A Python without pip: a bootstrap that tries to install anything fails, saying so.
    where = tmp_path / "nopip"
    venv.EnvBuilder(with_pip=False).create(where)
    argv = step_command(
        flow=flow.name,
        code=package.id,
        step="end",
        run_id="r1",
        datastore=str(ds),
        executable=bootstrap.command(str(where / "bin" / "python")),
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "FLOWC_", "VIRTUAL_ENV"))}
    tried = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=tmp_path, check=False)
    assert tried.returncode != 0 and "No module named pip" in tried.stderr
    # Baked: no pip, and the task gets as far as the runner (which finds no start task for `end`).
    baked = subprocess.run(
        argv, capture_output=True, text=True, env={**env, "FLOWC_BAKED_IMAGE": "1"}, cwd=tmp_path, check=False
    )
    assert "No module named pip" not in baked.stderr and "flowc step: task end" in baked.stderr
