"""The whole pipeline under generated input: flows mutated from the examples and shapes, and flows
carrying hostile text in every string, are analysed and compiled for every target. Nothing raises;
every file a target writes parses (JSON, YAML, Python) and passes the validation the target's tests
trust (Argo: the reference checks and Argo's schema, as `flowc check --target argo`; Step Functions:
statelint). The command line's argument parsing is fuzzed the same way.

Inputs that once crashed are kept in `tests/fuzz_corpus/` and replayed first, every run.

CI runs FLOWC_FUZZ_EXAMPLES (default 150) derandomized examples per test; set the variable locally to
search wider with fresh random inputs (docs/security.md gives the last big run).
"""

from __future__ import annotations

import ast
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from flowc.cli import main
from flowc.compiler import analyze, compile_flow
from flowc.diagnostics import CODES, Severity
from tests.core.test_fuzz import mutated_source
from tests.targets.test_injection import TEXT, flow_source

CORPUS = Path(__file__).parents[1] / "fuzz_corpus"
EXAMPLES = int(os.environ.get("FLOWC_FUZZ_EXAMPLES", "150"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize="FLOWC_FUZZ_EXAMPLES" not in os.environ,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OPTIONS: dict[str, dict[str, Any]] = {
    "argo": {"datastore": "s3://bucket/flowc"},
    "step-functions": {"datastore": "s3://bucket/flowc"},
    "airflow": {"datastore": "s3://bucket/flowc", "mode": "kubernetes"},
}


def _validate_outputs(target: str, flow: Any, result: Any) -> None:
    for f in result.files:
        if f.path.endswith(".json"):
            json.loads(f.content)
        elif f.path.endswith((".yaml", ".yml")):
            list(yaml.safe_load_all(f.content))
        elif f.path.endswith(".py"):
            ast.parse(f.content)
        else:
            raise AssertionError(f"{target} wrote {f.path}, of no known format")
    if target == "argo":
        from flowc.targets.argo import ArgoTarget

        problems = [d.message for d in ArgoTarget().validate(flow, result) if d.severity is Severity.ERROR]
        assert problems == [], problems
    elif target == "step-functions":
        from flowc.targets.step_functions import statelint_problems
        from statelint.linter import Linter

        for f in result.files:
            if f.path.endswith(".asl.json"):
                assert statelint_problems(Linter.validate(json.loads(f.content))) == []


def compile_everywhere(source: str) -> None:
    """Analyse `source`, then compile it for every target; assert everything above."""
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "flow.py"
        path.write_text(source, errors="surrogatepass")
        analysis = analyze(path)
        assert all(x.code in CODES for x in analysis.diagnostics)
        if analysis.flow is None:
            event("refused by the analyzer")
            return
        for target, options in OPTIONS.items():
            result = compile_flow(path, target, options)
            assert all(x.code in CODES for x in result.diagnostics)
            event(f"{target}: {'compiled and validated' if result.ok else 'refused with a diagnostic'}")
            if result.ok:
                _validate_outputs(target, analysis.flow, result.output)


def corpus(kind: str) -> list[Path]:
    return sorted((CORPUS / kind).glob("*")) if (CORPUS / kind).is_dir() else []


@pytest.mark.parametrize("path", corpus("flows"), ids=lambda p: p.name)
def test_kept_crash_inputs_compile_cleanly(path: Path) -> None:
    compile_everywhere(path.read_text())


@SETTINGS
@given(mutated_source())
def test_mutated_flows_compile_to_valid_files_on_every_target(source: str) -> None:
    compile_everywhere(source)


@SETTINGS
@given(doc=TEXT, default=TEXT, help_text=TEXT, env=TEXT)
def test_flows_with_hostile_text_compile_to_valid_files_on_every_target(
    doc: str, default: str, help_text: str, env: str
) -> None:
    compile_everywhere(flow_source(doc, default, help_text, env))


# -- the command line --------------------------------------------------------------------------------

FLOW = str(Path(__file__).parents[1] / "shapes" / "foreach.py")
WORDS = [
    "check", "compile", "show", "runs", "artifacts", "logs", "targets", "card", "help", "nosuch",
    "--target", "-t", "argo", "argoo", "airflow", "step-functions", "ir", "--datastore", "s3://", "ftp://x",
    "--format", "json", "github", "sarif", "mermaid", "dot", "--param", "x=1", "--run", "--step", "-o",
    "--help", "--version", "--fix", "--", "-", "=", "--mode", "local", "--image", "--name", "--profile",
    FLOW, "/nonexistent.py", "",
]  # fmt: skip
COMMANDS = ["check", "compile", "show", "runs", "artifacts", "logs", "targets", "card"]
ARGV = st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=8) | st.tuples(
    st.sampled_from(COMMANDS), st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=6)
).map(lambda t: [t[0], FLOW, *t[1]])


@SETTINGS
@given(ARGV)
def test_any_command_line_gets_an_exit_code_not_a_traceback(argv: list[str]) -> None:
    with tempfile.TemporaryDirectory() as d:
        # Outputs and datastores land in a scratch folder, wherever the arguments point.
        argv = [os.path.join(d, "out") if a == "-" else a for a in argv]
        cwd = os.getcwd()
        os.chdir(d)
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's usage errors and --help/--version
            code = exc.code if isinstance(exc.code, int) else 2
        finally:
            os.chdir(cwd)
        event(f"exit {code}")
        assert code in (0, 1, 2), (argv, code)
