"""`flowc step` as orchestrators run it: outputs for the engine, exit codes, a light import path."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from flowc.runner.task import EXIT_STEP_FAILED, EXIT_TASK_ERROR, EXIT_USAGE


def test_output_values_and_output_json_hold_the_foreach_count(harness, tmp_path):
    h = harness("grid_flow.py")
    proc = h.step_process(
        "start", output_values=str(tmp_path / "vals"), output_json=str(tmp_path / "out.json"), print_output=True
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "vals" / "foreach_count").read_text() == "2"
    assert not (tmp_path / "vals" / "switch_case").exists()
    assert json.loads((tmp_path / "out.json").read_text()) == {"foreach_count": 2, "task": "start"}
    assert json.loads(proc.stdout.splitlines()[-1])["foreach_count"] == 2


def test_print_output_is_the_last_line_after_the_users_prints(harness, tmp_path):
    h = harness("switch.py")
    proc = h.step_process("start", params=[("size", "0")], print_output=True, output_values=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1]) == {"switch_case": "empty", "task": "start"}
    assert (tmp_path / "switch_case").read_text() == "empty"


def test_a_failing_step_exits_1_with_the_users_traceback(harness):
    h = harness("failing.py")
    assert h.step_process("start").returncode == 0
    proc = h.step_process("boom")
    assert proc.returncode == EXIT_STEP_FAILED
    assert "RuntimeError: this step always fails" in proc.stderr
    assert "flowc/runner" not in proc.stderr
    assert proc.stderr.rstrip().endswith("task boom failed (attempt 0)")


def test_a_missing_code_package_says_how_to_upload_it(harness):
    h = harness("linear.py")
    h.code = "0" * 20
    proc = h.step_process("start")
    assert proc.returncode == EXIT_TASK_ERROR
    assert "code package 00000000000000000000 of flow LinearFlow is not in" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_usage_errors_exit_2(harness):
    h = harness("linear.py")
    assert h.step_process("nosuch").returncode == EXIT_USAGE
    proc = h.step_process("start", attempt="x")
    assert proc.returncode == EXIT_USAGE and "--attempt 'x'" in proc.stderr
    proc = h.step_process("start", params_json="[1]")
    assert proc.returncode == EXIT_USAGE and "must be a JSON object" in proc.stderr


def test_a_task_imports_none_of_the_compilers_dependencies(harness):
    h = harness("linear.py")
    argv = h.command("start")[3:]  # drop the executable: main() gets the arguments
    code = textwrap.dedent(
        f"""
        import json, sys
        from flowc.cli import main
        rc = main({argv!r})
        banned = {{"libcst", "jinja2", "networkx", "yaml", "boto3", "botocore"}}
        heavy = sorted({{m.split(".")[0] for m in sys.modules}} & banned)
        print(json.dumps([rc, heavy]))
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert json.loads(proc.stdout.splitlines()[-1]) == [0, []], proc.stderr
