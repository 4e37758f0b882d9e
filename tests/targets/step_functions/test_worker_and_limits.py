"""The worker's refusals and answers, and the compile-time limit diagnostics."""

from __future__ import annotations

import json
import sys
from typing import Any

from flowc.targets.step_functions.worker import REFUSED, STEP_FAILED, Worker, WorkerConfig

from .helpers import BATCH, SHAPES, compile_sf


class _Recorder:
    """Stands in for SQS and Step Functions: records the calls the worker makes."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return lambda **kw: self.calls.append((name, kw))


def _run(body: dict[str, Any], executable: tuple[str, ...] = (sys.executable, "-m", "flowc")) -> _Recorder:
    rec = _Recorder()
    worker = Worker(WorkerConfig("q", executable=executable), rec, rec, lambda _t: None)
    worker.handle({"ReceiptHandle": "r", "Body": json.dumps(body), "MessageId": "m"})
    return rec


def test_worker_refuses_commands_other_than_flowc_step() -> None:
    rec = _run({"argv": ["rm", "-rf", "/"], "step": "evil", "task_token": "t"})
    (failure,) = [kw for name, kw in rec.calls if name == "send_task_failure"]
    assert failure["error"] == REFUSED and "evil" in failure["cause"]
    assert ("delete_message", {"QueueUrl": "q", "ReceiptHandle": "r"}) in rec.calls


def test_worker_reports_a_failing_command_with_its_stderr() -> None:
    script = "import sys; sys.stderr.write('boom happened'); sys.exit(3)"
    rec = _run({"argv": ["flowc", "step"], "step": "s", "task_token": "t"}, (sys.executable, "-c", script))
    (failure,) = [kw for name, kw in rec.calls if name == "send_task_failure"]
    assert failure["error"] == STEP_FAILED
    assert failure["cause"].startswith("exit code 3: ") and "boom happened" in failure["cause"]


def test_worker_says_which_signal_killed_the_task() -> None:
    # The cause is the reason @catch's stand-in task records (docs/targets/step-functions.md).
    script = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    rec = _run({"argv": ["flowc", "step"], "step": "s", "task_token": "t"}, (sys.executable, "-c", script))
    (failure,) = [kw for name, kw in rec.calls if name == "send_task_failure"]
    assert failure["cause"] == "killed by SIGKILL"


def test_worker_answers_with_the_last_line_of_output() -> None:
    script = "print('user print'); print('{\"foreach_count\": 4}')"
    rec = _run({"argv": ["flowc", "step"], "step": "s", "task_token": "t"}, (sys.executable, "-c", script))
    (success,) = [kw for name, kw in rec.calls if name == "send_task_success"]
    assert json.loads(success["output"]) == {"foreach_count": 4}


def test_compiled_without_a_datastore_the_machine_stops_first_saying_how_to_bind_one() -> None:
    result = compile_sf(SHAPES / "linear.py")
    assert result.ok, [d.message for d in result.diagnostics]
    machine = json.loads(next(f.content for f in result.files if f.path.endswith(".asl.json")))
    assert machine["StartAt"] == "flowc.unbound"
    stop = machine["States"]["flowc.unbound.stop"]
    assert stop["Type"] == "Fail" and "flowc deploy --target step-functions --datastore" in stop["Cause"]
    manifest = json.loads(next(f.content for f in result.files if f.path.endswith(".deploy.json")))
    assert manifest["datastore"] is None


def test_worker_mode_without_a_queue_stops_first_too() -> None:
    result = compile_sf(SHAPES / "linear.py", mode="worker", **BATCH)
    machine = json.loads(next(f.content for f in result.files if f.path.endswith(".asl.json")))
    assert "--queue-url" in machine["States"]["flowc.unbound.stop"]["Cause"]


def test_a_bad_datastore_is_a_diagnostic() -> None:
    result = compile_sf(SHAPES / "linear.py", datastore="s3://No_Such/x")
    assert not result.ok and "bucket name" in result.diagnostics[0].message


def test_schedule_aws_cannot_express_is_a_diagnostic(write_flow) -> None:
    path = write_flow(
        "from flowc import FlowSpec, step, schedule\n"
        "@schedule(cron='0 0 1 * 1')\n"
        "class S(FlowSpec):\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    result = compile_sf(path, **BATCH)
    (diag,) = [d for d in result.diagnostics if d.code == "FC501"]
    assert "day of the month and the day of the week" in diag.message
    assert diag.span is not None and diag.span.line == 2


def test_oversized_environment_breaks_the_batch_command_limit(write_flow) -> None:
    big = "x" * 9000
    path = write_flow(
        "from flowc import FlowSpec, step, environment\n"
        "class E(FlowSpec):\n"
        f"    @environment(vars={{'BIG': '{big}'}})\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    result = compile_sf(path, **BATCH)
    assert any(d.code == "FC501" and "8,192" in d.message for d in result.diagnostics)


def test_a_thousand_step_flow_stays_under_the_definition_limit(tmp_path) -> None:
    lines = ["from flowc import FlowSpec, step", "class Long(FlowSpec):"]
    names = ["start", *[f"step_{i:04d}" for i in range(998)], "end"]
    for here, nxt in zip(names, [*names[1:], None], strict=True):
        lines += ["    @step", f"    def {here}(self):", f"        self.next(self.{nxt})" if nxt else "        pass"]
    path = tmp_path / "long.py"
    path.write_text("\n".join(lines) + "\n")
    result = compile_sf(path, **BATCH)
    assert result.ok, [d.message for d in result.diagnostics]
    asl = next(f.content for f in result.files if f.path.endswith(".asl.json"))
    assert len(json.dumps(json.loads(asl), separators=(",", ":")).encode()) < 1_048_576


def test_a_loop_that_may_outgrow_the_execution_history_is_a_warning(write_flow) -> None:
    from tests.conftest import SWITCH_SHAPES

    def warnings(path: object) -> list[str]:
        result = compile_sf(path, **BATCH)  # type: ignore[arg-type]
        return [d.message for d in result.diagnostics if d.severity.value == "warning" and "history" in d.message]

    # One step, 1,000 iterations at 16 events each: within 25,000.
    assert warnings(SWITCH_SHAPES / "loop_two_exits.py") == []
    source = (SWITCH_SHAPES / "loop_to_earlier_step.py").read_text()
    (message,) = warnings(write_flow(source))
    assert "the loop at 'fetch' may run 1,000 iterations of 2 step(s), about 28,000 history events" in message
    bounded = source.replace("    @step\n    def fetch", "    @loop(max_iterations=50)\n    @step\n    def fetch")
    assert warnings(write_flow(bounded.replace("import FlowSpec,", "import FlowSpec, loop,"))) == []
