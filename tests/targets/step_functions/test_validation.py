"""Every example and standard shape compiles, in both modes, to ASL two independent linters accept."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from flowc.targets.step_functions import StepFunctionsTarget, statelint_problems

from .helpers import BATCH, EXAMPLES, ROOT, SHAPES, SWITCH_SHAPES, WORKER, compile_sf

FLOWS = sorted(SHAPES.glob("*.py")) + sorted(EXAMPLES.glob("*.py")) + sorted(SWITCH_SHAPES.glob("*.py"))
# "unbound": compiled with no option at all (the first state stops every execution until deployed).
MODES = {"batch": BATCH, "worker": WORKER, "unbound": {}}
ASL_VALIDATOR = ROOT / "tools" / "asl-validator" / "node_modules" / ".bin" / "asl-validator"


def _asl(path: Path, mode: str) -> str:
    result = compile_sf(path, **MODES[mode])
    assert result.ok, [d.message for d in result.diagnostics]
    return next(f.content for f in result.files if f.path.endswith(".asl.json"))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("path", FLOWS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_definition_passes_statelint(path: Path, mode: str) -> None:
    from statelint.linter import Linter

    assert statelint_problems(Linter.validate(json.loads(_asl(path, mode)))) == []


@pytest.mark.skipif(
    not ASL_VALIDATOR.exists() or shutil.which("node") is None,
    reason="asl-validator is not installed (.ci/setup.d/20-asl-validator.sh installs it)",
)
def test_definitions_pass_asl_validator(tmp_path: Path) -> None:
    paths = []
    for flow in FLOWS:
        for mode in MODES:
            out = tmp_path / f"{flow.stem}.{mode}.asl.json"
            out.write_text(_asl(flow, mode))
            paths.append(out)
    # One node process for every file: it reports each file as valid or not, and fails if any is not.
    argv = [str(ASL_VALIDATOR)]
    for out in paths:
        argv += ["--json-path", str(out)]
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("is valid") == len(paths)


def test_validate_reports_statelint_findings_as_fc502() -> None:
    target = StepFunctionsTarget()
    result = compile_sf(SHAPES / "linear.py", **BATCH)
    assert result.analysis.flow is not None and result.output is not None
    assert list(target.validate(result.analysis.flow, result.output)) == []

    from flowc.target_api import OutputFile, TargetResult

    broken = TargetResult(files=(OutputFile("x.asl.json", json.dumps({"StartAt": "nowhere", "States": {}})),))
    diags = target.validate(result.analysis.flow, broken)
    assert diags and all(d.code == "FC502" for d in diags)
