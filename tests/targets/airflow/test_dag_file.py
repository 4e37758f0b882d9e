"""The generated DAG file as text: safe against what users write, deterministic, golden for examples.

These need no Airflow; tests that import and run the files are in test_airflow_e2e.py.
"""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from flowc.compiler import compile_flow
from flowc.target_api import TargetResult, default_registry
from tests.conftest import ROOT, SWITCH_SHAPES, example_files, shape_files

GOLDEN = ROOT / "tests" / "golden" / "airflow"
POD = {"mode": "kubernetes", "datastore": "s3://flowc-bucket/datastore", "image": "registry.example.com/flowc:1.0"}
LOCAL = {"mode": "local", "datastore": "/srv/flowc/datastore"}

HOSTILE = "x'''\"\"\" {{ dag_run.conf }} {% if 1 %}{# #} $(rm -rf /) `id` \\n\nnewline ends.md"

BLAND_FLOW = '''
from flowc import FlowSpec, Parameter, environment, step


class InjectFlow(FlowSpec):
    """DOC"""

    who = Parameter("who", default="DEFAULT", help="HELP")

    @environment(vars={"GREETING": "ENV"})
    @step
    def start(self):
        """STEP"""
        self.next(self.end)

    @step
    def end(self):
        pass
'''


def _compile(path: Path, options: dict) -> TargetResult:
    result = compile_flow(str(path), "airflow", options)
    assert not [d for d in result.diagnostics if d.severity.value == "error"], result.diagnostics
    return result


def _structure(source: str) -> str:
    """The file's syntax tree with every string constant blanked: its code, without its data."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            node.value = ""
    return ast.dump(tree)


@pytest.mark.parametrize("options", [POD, LOCAL], ids=["kubernetes", "local"])
def test_quotes_jinja_and_shell_syntax_in_user_text_do_not_change_the_dag_code(write_flow, options) -> None:
    def literal(text: str) -> str:
        return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")

    bland = write_flow(BLAND_FLOW, "bland.py")
    hostile_source = BLAND_FLOW
    for word in ("DEFAULT", "HELP", "ENV"):
        hostile_source = hostile_source.replace(f'"{word}"', f'"{literal(HOSTILE)}"')
    # Docstrings: the analyzer reads them as text; a raw string keeps the backslashes literal.
    hostile_source = hostile_source.replace('"""DOC"""', 'r"""' + HOSTILE.replace('"""', "'''") + '"""')
    hostile_source = hostile_source.replace('"""STEP"""', 'r"""' + HOSTILE.replace('"""', "'''") + '"""')
    hostile = write_flow(hostile_source, "hostile.py")

    (plain,) = _compile(bland, options).files
    (tricky,) = _compile(hostile, options).files
    assert _structure(plain.content) == _structure(tricky.content)
    assert "{{ dag_run.conf }}" not in plain.content
    # The user's text survives as data: in the file, and Jinja-inert wherever Airflow renders.
    assert "$(rm -rf /)" in tricky.content


def test_same_flow_compiles_to_the_same_bytes() -> None:
    for path in [*shape_files(), *example_files()]:
        first = _compile(path, POD).files
        second = _compile(path, POD).files
        assert first == second


def test_generated_files_are_valid_python_for_every_shape_in_both_modes() -> None:
    target = default_registry().get("airflow")
    for path in shape_files():
        for options in (POD, LOCAL):
            result = _compile(path, options)
            assert result.files
            assert target.validate(_flow(path), result) == []  # type: ignore[attr-defined]


def test_scheduled_flow_gets_a_timezone_aware_start_date_and_no_catchup() -> None:
    (dag,) = _compile(ROOT / "examples" / "daily_etl.py", POD).files
    assert dag.path == "sales.user.ci.DailySalesETL.py"
    assert "dag_id='sales.user.ci.DailySalesETL'" in dag.content
    assert "schedule='30 6 * * *'" in dag.content
    assert "start_date=pendulum.datetime(2024, 1, 1, tz='Europe/Paris')" in dag.content
    assert "catchup=False" in dag.content
    assert "tags=['flowc', 'sales']" in dag.content


def test_retry_and_timeout_become_task_arguments() -> None:
    (dag,) = _compile(ROOT / "tests" / "shapes" / "retries.py", LOCAL).files
    assert "retries=2" in dag.content
    assert "retry_delay=datetime.timedelta(seconds=0)" in dag.content
    (etl,) = _compile(ROOT / "examples" / "daily_etl.py", POD).files
    # 10 minutes of @timeout, plus the grace that lets the runner's own timeout speak first
    assert "execution_timeout=datetime.timedelta(seconds=660)" in etl.content


def test_resources_become_pod_requests_and_limits() -> None:
    (dag,) = _compile(ROOT / "examples" / "hyperparam_sweep.py", POD).files
    assert "container_resources=k8s.V1ResourceRequirements(requests=" in dag.content


@pytest.mark.parametrize("path", example_files(), ids=lambda p: p.stem)
@pytest.mark.parametrize("mode", ["kubernetes", "local"])
def test_example_compiles_to_its_golden_dag(path: Path, mode: str) -> None:
    (dag,) = _compile(path, POD if mode == "kubernetes" else LOCAL).files
    golden = GOLDEN / mode / dag.path
    if os.environ.get("FLOWC_REGENERATE") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(dag.content)
    assert golden.exists(), "regenerate with FLOWC_REGENERATE=1"
    assert dag.content == golden.read_text(), "regenerate with FLOWC_REGENERATE=1"


@pytest.mark.parametrize(
    "path", sorted(p for p in SWITCH_SHAPES.glob("*.py") if not p.stem.startswith("loop")), ids=lambda p: p.stem
)
def test_switch_shape_compiles_to_its_golden_dag(path: Path) -> None:
    # One flow of each conditional shape (tests/conformance/flows/switch; loops are refused, FC503).
    (dag,) = _compile(path, LOCAL).files
    golden = GOLDEN / "switch" / dag.path
    if os.environ.get("FLOWC_REGENERATE") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(dag.content)
    assert golden.exists(), "regenerate with FLOWC_REGENERATE=1"
    assert dag.content == golden.read_text(), "regenerate with FLOWC_REGENERATE=1"


def _flow(path: Path):
    from flowc.compiler import analyze

    flow = analyze(path).flow
    assert flow is not None
    return flow
