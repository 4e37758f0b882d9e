"""The wheel: installs into a fresh venv, claims no generic top-level names, and works outside the repo."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    (whl,) = out.glob("flowc-*.whl")
    return whl


def test_wheel_holds_only_the_flowc_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    # Besides the package: flowc's private import hook for `metaflow` (docs/metaflow.md), no other name.
    hook = {"_flowc_metaflow_finder.py", "flowc-metaflow.pth"}
    assert tops == {"flowc", *hook, f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    assert "flowc/targets/__init__.py" in names
    assert any(n.startswith("flowc/templates/") and n.endswith(".j2") for n in names) or not list(
        (ROOT / "templates").glob("*.j2")
    )
    assert "flowc/py.typed" in names


def test_installed_wheel_compiles_an_example_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    flow = work / "flow.py"
    flow.write_text((ROOT / "examples" / "hyperparam_sweep.py").read_text())
    flowc = env_dir / "bin" / "flowc"
    check = subprocess.run([str(flowc), "check", "flow.py"], cwd=work, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    out = subprocess.run(
        [str(flowc), "compile", "flow.py", "-t", "ir", "-o", "out"], cwd=work, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert (work / "out" / "HyperparamSweepFlow.ir.json").is_file()
    listed = subprocess.run([str(flowc), "targets"], cwd=work, capture_output=True, text=True)
    assert "BROKEN" not in listed.stdout, listed.stdout
    # templates ship as package data, found without the repository
    templates = subprocess.run(
        [
            str(py),
            "-c",
            "import importlib.resources as r; print(sorted(p.name for p in "
            "r.files('flowc.templates').iterdir() if p.name.endswith('.j2')))",
        ],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert templates.stdout.strip() == str(sorted(p.name for p in (ROOT / "templates").glob("*.j2")))
    imported = subprocess.run(
        [str(py), "-c", "import flowc, sys; print(flowc.__file__)"], cwd=work, capture_output=True, text=True
    )
    assert str(env_dir) in imported.stdout
    # Metaflow is not installed there: `import metaflow` finds flowc's stand-in, through the wheel's .pth.
    standin = subprocess.run(
        [str(py), "-c", "import metaflow; print(metaflow.FlowSpec.__module__, metaflow.Flow.__module__)"],
        cwd=work,
        capture_output=True,
        text=True,
    )
    assert standin.stdout.split() == ["flowc.api", "flowc.client.runs"], standin.stderr
