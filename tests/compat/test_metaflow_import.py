"""How `import metaflow` resolves with flowc installed: a real Metaflow wins; without one, flowc's
stand-in; inside a task flowc runs for a Metaflow-dialect flow, always flowc's.

"A real Metaflow" is a `metaflow` package on sys.path: a stand-in package the test writes, and, where
the conformance suite's `.venv-metaflow` exists, Metaflow 2.19.39 itself. Each case runs in a fresh
interpreter of this venv, where `flowc-metaflow.pth` is installed (tests/core/test_packaging.py checks
the same from a wheel).
"""

from __future__ import annotations

import glob
import os
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

WHICH = "import metaflow, sys; print(getattr(metaflow, 'WHO', None) or metaflow.FlowSpec.__module__)"


def python(code: str, *, cwd: Path, pythonpath: Sequence[Path] = (), **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **env}
    full.pop("PYTHONPATH", None)
    if pythonpath:
        full["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=full, capture_output=True, text=True, timeout=120)


@pytest.fixture
def fake_metaflow(tmp_path: Path) -> Path:
    """A folder holding a package named `metaflow`: what an installed Metaflow looks like to Python."""
    site = tmp_path / "site"
    (site / "metaflow").mkdir(parents=True)
    (site / "metaflow" / "__init__.py").write_text("WHO = 'the installed metaflow'\n")
    return site


def test_without_metaflow_flowc_stands_in(tmp_path: Path) -> None:
    proc = python(WHICH, cwd=tmp_path)
    assert proc.stdout.strip() == "flowc.api", proc.stderr


def test_an_installed_metaflow_wins(tmp_path: Path, fake_metaflow: Path) -> None:
    proc = python(WHICH, cwd=tmp_path, pythonpath=[fake_metaflow])
    assert proc.stdout.strip() == "the installed metaflow", proc.stderr


def test_the_real_metaflow_wins_where_it_is_installed(tmp_path: Path) -> None:
    sites = glob.glob(str(ROOT / ".venv-metaflow" / "lib" / "python*" / "site-packages"))
    if not sites:
        pytest.skip("no .venv-metaflow here (bash .ci/setup.d/40-metaflow.sh makes it)")
    code = "import metaflow; print(metaflow.__file__)"
    proc = python(code, cwd=tmp_path, pythonpath=[Path(sites[0])])
    assert proc.stdout.strip().startswith(sites[0]), proc.stderr


def test_the_stand_in_can_be_turned_off(tmp_path: Path) -> None:
    proc = python(WHICH, cwd=tmp_path, FLOWC_METAFLOW_STANDIN="0")
    assert "No module named 'metaflow'" in proc.stderr


def test_the_stand_in_has_metaflows_client_and_exception_modules(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import flowc, flowc.client
        from metaflow import FlowSpec, Flow, Run, current, namespace, get_metadata, Metaflow
        from metaflow.client import Task
        from metaflow.exception import MetaflowNotFound, MetaflowNamespaceMismatch
        import metaflow
        assert current is flowc.current and Flow is flowc.client.Flow and Task is flowc.client.Task
        assert issubclass(MetaflowNotFound, KeyError)
        assert metaflow.__name__ == "metaflow" and flowc.metaflow_compat.__name__ == "flowc.metaflow_compat"
        print("ok")
        """
    )
    proc = python(code, cwd=tmp_path)
    assert proc.stdout.strip() == "ok", proc.stderr


def test_a_metaflow_module_flowc_does_not_provide_is_named(tmp_path: Path) -> None:
    proc = python("import metaflow.cards", cwd=tmp_path)
    assert "No module named 'metaflow.cards': Metaflow is not installed here" in proc.stderr
    proc = python("from metaflow import S3", cwd=tmp_path)
    assert "cannot import name 'S3'" in proc.stderr


def test_importing_the_hook_is_cheap(tmp_path: Path) -> None:
    # Interpreter start-up pays for one small module: it imports neither flowc nor importlib.util.
    code = "import sys; print(sorted(m for m in sys.modules if m.startswith(('flowc', 'metaflow'))))"
    proc = python(code, cwd=tmp_path)
    assert proc.stdout.strip() == "[]", proc.stderr
    assert "_flowc_metaflow_finder" in python("import sys; print(list(sys.modules))", cwd=tmp_path).stdout


IMPORT_IN_STEP = """\
from metaflow import FlowSpec, step


class ImportInStepFlow(FlowSpec):
    @step
    def start(self):
        from metaflow import current
        import metaflow
        self.name = current.step_name
        self.module = getattr(metaflow, "WHO", None) or metaflow.FlowSpec.__module__
        self.next(self.end)

    @step
    def end(self):
        pass
"""


@pytest.mark.parametrize("installed", [False, True], ids=["without-metaflow", "beside-metaflow"])
def test_inside_a_task_metaflow_means_flowc(tmp_path: Path, fake_metaflow: Path, installed: bool) -> None:
    flow = tmp_path / "flow.py"
    flow.write_text(IMPORT_IN_STEP)
    env = {**os.environ, "FLOWC_DATASTORE": str(tmp_path / "ds")}
    env.pop("PYTHONPATH", None)
    if installed:
        env["PYTHONPATH"] = str(fake_metaflow)
    argv = [sys.executable, "-m", "flowc", "run", str(flow), "--datastore", str(tmp_path / "ds"), "--run-id", "r1"]
    proc = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    from flowc.client import Run

    start = Run("ImportInStepFlow/r1", datastore=tmp_path / "ds", _namespace_check=False)["start"].task
    assert start is not None
    assert (start.data.name, start.data.module) == ("start", "flowc.api")
