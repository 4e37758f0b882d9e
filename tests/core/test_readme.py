"""The README's first command, as a new user types it: after installing, it runs an example flow
and compiles it for every target with no flag but --target. The install part (venv, pip) is the
test environment's own; the rest runs in bash from a folder holding only the example."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def first_command() -> str:
    text = (ROOT / "README.md").read_text()
    block = text.split("```bash\n", 1)[1].split("```", 1)[0]
    return next(line for line in block.splitlines() if line.strip() and not line.startswith("#"))


def test_the_readme_first_command_runs_the_example_and_compiles_it_for_every_target(tmp_path: Path) -> None:
    command = first_command()
    install, sep, rest = command.partition("pip install -e . && ")
    assert sep and install.startswith("python3 -m venv"), command
    for target in ("step-functions", "argo", "airflow"):
        assert target in rest
    (tmp_path / "examples").mkdir()
    for name in os.listdir(ROOT / "examples"):
        if name.endswith(".py"):
            shutil.copy(ROOT / "examples" / name, tmp_path / "examples" / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLOWC_", "AWS_", "AIRFLOW"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path)
    done = subprocess.run(
        ["bash", "-ec", rest], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "succeeded" in done.stdout + done.stderr
    built = sorted(str(p.relative_to(tmp_path / "build")) for p in (tmp_path / "build").rglob("*") if p.is_file())
    assert any(p.startswith("step-functions/") and p.endswith(".asl.json") for p in built), built
    assert any(p.startswith("argo/") and p.endswith(".yaml") for p in built), built
    assert any(p.startswith("airflow/") and p.endswith(".py") for p in built), built
