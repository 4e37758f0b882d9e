"""The worker of the Step Functions target's worker mode: run queued tasks, answer with their output.

A worker-mode state machine sends one SQS message per task (`sqs:sendMessage.waitForTaskToken`):

    {"argv": ["flowc", "step", ...], "step": "train", "task_token": "...", "env": {"K": "V"}}

`Worker` receives it, runs the command with the runner (the worker's own Python, so tasks run the
flowc the worker was installed with), heartbeats the task and keeps the message hidden while it runs,
and answers `SendTaskSuccess` with the runner's output object (its stdout's last line) or
`SendTaskFailure` with the step's name and the end of its stderr. Only `flowc step` commands run: a
message asking for anything else is refused, since whoever can write to the queue would otherwise
run any program on the worker's machine.

Library code: it logs through the `log` callable it is given and never prints.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_CAUSE = 32_768  # SendTaskFailure's cause limit
MAX_ERROR = 256
STEP_FAILED = "flowc.StepFailed"
REFUSED = "flowc.TaskRefused"


@dataclass(frozen=True)
class WorkerConfig:
    queue_url: str
    heartbeat_seconds: float = 60.0
    wait_seconds: int = 20
    max_tasks: int | None = None
    idle_exit: float | None = None  # stop after this long without a message
    # The command prefix that replaces "flowc" in a task's argv.
    executable: tuple[str, ...] = (sys.executable, "-m", "flowc")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    output: dict[str, Any] | None = None
    error: str = ""
    cause: str = ""


class Worker:
    def __init__(self, config: WorkerConfig, sqs: Any, sfn: Any, log: Callable[[str], None]) -> None:
        self.config = config
        self.sqs = sqs
        self.sfn = sfn
        self.log = log
        self.stop = threading.Event()
        self.done = 0
        self._lock = threading.Lock()

    def run(self) -> int:
        """Poll until stopped, idle for `idle_exit`, or `max_tasks` are done. Returns tasks done."""
        last = time.monotonic()
        while not self.stop.is_set():
            if self.config.max_tasks is not None and self.done >= self.config.max_tasks:
                break
            wait = self.config.wait_seconds
            if self.config.idle_exit is not None:
                left = self.config.idle_exit - (time.monotonic() - last)
                if left <= 0:
                    break
                wait = max(0, min(wait, int(left)))
            try:
                resp = self.sqs.receive_message(
                    QueueUrl=self.config.queue_url,
                    MaxNumberOfMessages=1,
                    WaitTimeSeconds=wait,
                    VisibilityTimeout=int(self.config.heartbeat_seconds * 3),
                )
            except Exception as exc:  # a network blip or throttling must not end a long-lived worker
                self.log(f"receiving failed, retrying: {exc}")
                self.stop.wait(min(5.0, self.config.heartbeat_seconds))
                continue
            for message in resp.get("Messages", []):
                self.handle(message)
                last = time.monotonic()
                with self._lock:
                    self.done += 1
        return self.done

    def handle(self, message: dict[str, Any]) -> None:
        receipt = message["ReceiptHandle"]
        try:
            task = json.loads(message["Body"])
            token = task["task_token"]
        except (ValueError, KeyError, TypeError):
            self.log(f"dropping a message that is not a flowc task: {message.get('MessageId')}")
            self.sqs.delete_message(QueueUrl=self.config.queue_url, ReceiptHandle=receipt)
            return
        step = str(task.get("step", "?"))
        self.log(f"running step {step}")
        outcome = self.execute(task, token, receipt)
        try:
            if outcome.ok:
                self.sfn.send_task_success(taskToken=token, output=json.dumps(outcome.output or {}))
            else:
                self.sfn.send_task_failure(
                    taskToken=token, error=outcome.error[:MAX_ERROR], cause=outcome.cause[-MAX_CAUSE:]
                )
        except Exception as exc:  # the execution may have timed out or been stopped meanwhile
            self.log(f"step {step}: could not answer Step Functions: {exc}")
        self.log(f"step {step}: {'done' if outcome.ok else 'failed'}")
        self.sqs.delete_message(QueueUrl=self.config.queue_url, ReceiptHandle=receipt)

    def execute(self, task: dict[str, Any], token: str, receipt: str) -> Outcome:
        step = str(task.get("step", "?"))
        argv = task.get("argv")
        if not _is_step_command(argv):
            return Outcome(False, error=REFUSED, cause=f"step {step}: the worker runs only `flowc step` commands")
        assert isinstance(argv, list)
        env = dict(os.environ)
        env.update({str(k): str(v) for k, v in (task.get("env") or {}).items()})
        cmd = [*self.config.executable, *argv[1:]]
        proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL
        )
        while True:
            try:
                out, err = proc.communicate(timeout=self.config.heartbeat_seconds)
                break
            except subprocess.TimeoutExpired:
                if not self._heartbeat(token, receipt):
                    proc.kill()
                    out, err = proc.communicate()
                    return Outcome(False, error=STEP_FAILED, cause=f"step {step}: the task was cancelled")
        if err:
            self.log(err.rstrip())
        if proc.returncode != 0:
            tail = err.strip()[-(MAX_CAUSE - 200) :]
            return Outcome(
                False, error=STEP_FAILED, cause=f"{_how(proc.returncode)}: {tail}" if tail else _how(proc.returncode)
            )
        lines = [line for line in out.splitlines() if line.strip()]
        try:
            output = json.loads(lines[-1]) if lines else None
        except ValueError:
            output = None
        if not isinstance(output, dict):
            return Outcome(False, error=STEP_FAILED, cause=f"step {step}: the runner printed no output object")
        return Outcome(True, output=output)

    def _heartbeat(self, token: str, receipt: str) -> bool:
        """Tell Step Functions the task is alive; False when it no longer waits for it."""
        try:
            self.sfn.send_task_heartbeat(taskToken=token)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("TaskTimedOut", "TaskDoesNotExist", "InvalidToken"):
                return False
            self.log(f"heartbeat failed: {exc}")
        try:
            self.sqs.change_message_visibility(
                QueueUrl=self.config.queue_url,
                ReceiptHandle=receipt,
                VisibilityTimeout=int(self.config.heartbeat_seconds * 3),
            )
        except Exception as exc:
            self.log(f"could not extend the message's visibility: {exc}")
        return True


def _how(code: int) -> str:
    """How the task's process ended: `exit code 3`, or `killed by SIGKILL` (the reason @catch's
    stand-in task records when the state machine runs it)."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


def _is_step_command(argv: object) -> bool:
    return (
        isinstance(argv, list)
        and len(argv) >= 2
        and all(isinstance(a, str) for a in argv)
        and argv[0] == "flowc"
        and argv[1] == "step"
    )


def run_workers(
    config: WorkerConfig, make_clients: Callable[[], tuple[Any, Any]], concurrency: int, log: Callable[[str], None]
) -> Sequence[Worker]:
    """Run `concurrency` workers in threads (each with its own boto3 clients) until they stop."""
    workers = []
    for _ in range(max(1, concurrency)):
        sqs, sfn = make_clients()
        workers.append(Worker(config, sqs, sfn, log))
    threads = [threading.Thread(target=w.run, daemon=True) for w in workers]
    for t in threads:
        t.start()
    try:
        for t in threads:
            while t.is_alive():
                t.join(timeout=0.5)
    except KeyboardInterrupt:
        for w in workers:
            w.stop.set()
        raise
    return workers
