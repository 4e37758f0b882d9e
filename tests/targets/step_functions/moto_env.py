"""A moto server on loopback with its Step Functions interpreter on: the AWS these tests run against.

Known moto gaps are handled here and only here (see docs/targets/step-functions.md):
- moto's interpreter calls the services a state machine uses (SQS, S3) over HTTP at
  `localhost:$MOTO_PORT`, so the port is exported while the server runs.
- the interpreter is a process-wide switch (`/moto-api/config`), turned back off afterwards.
- moto 5.1.22's SendTaskFailure handler drops `cause` (its parser backend takes it): patched to
  pass it on, so a failed step's cause reaches the execution as on AWS.
- moto 5.1.22 deep-copies a state machine at each StartExecution, and with it the backend and past
  executions (which hold locks), so the second execution on a server fails: the copy is patched to
  share those two references, which the interpreter only reads.
- an execution started without a name has a null `$$.Execution.Name` in moto (AWS makes a UUID):
  tests always name their executions.
- moto 5.1.22 gives a task state with `HeartbeatSeconds` and no `TimeoutSeconds` a timeout of 60 s
  (AWS: 99999999, heartbeat or not), counted from when the task starts (in worker mode, when its
  message is queued), and then fails the execution on its own `States.Timeout`: patched to AWS's
  default, so a task that waits in the queue or runs over a minute is not cut off. Hangs are still
  caught: by `HeartbeatSeconds` when the worker stops heartbeating, and by the tests' own deadline on
  each execution (`wait_for_execution`).
- moto 5.1.22 makes a task token once per task state and keeps it for every `Retry` attempt, with
  the previous attempt's outcome still in it: a retried attempt that heartbeats is failed at once with
  the failure before it (and its own answer lost). AWS makes a token per attempt: patched so that each
  retried attempt gets a new token.
"""

from __future__ import annotations

import copy
import json
import os
import socket
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import boto3

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _set_config(url: str, execute: bool) -> None:
    body = json.dumps({"stepfunctions": {"execute_state_machine": execute}}).encode()
    req = urllib.request.Request(f"{url}/moto-api/config", data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    urllib.request.urlopen(req, timeout=10).read()


@dataclass
class Aws:
    url: str

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    @property
    def env(self) -> dict[str, str]:
        """What a subprocess (worker, runner) needs to reach this server."""
        return {**CREDENTIALS, "FLOWC_AWS_ENDPOINT_URL": self.url, "FLOWC_S3_ENDPOINT_URL": self.url}


def _patch_send_task_failure() -> Any:
    import moto
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.responses import StepFunctionResponse

    assert moto.__version__ == "5.1.22", "re-check the SendTaskFailure workaround for this moto"
    original = StepFunctionResponse.send_task_failure

    def send_task_failure(self: Any) -> Any:
        backend = self.stepfunction_backend
        token, error, cause = (self._get_param(k) for k in ("taskToken", "error", "cause"))
        if type(backend).__name__ == "StepFunctionsParserBackend":
            backend.send_task_failure(token, error=error, cause=cause)
        else:
            backend.send_task_failure(token, error=error)
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]
    return original


def _patch_default_timeout() -> Any:
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState

    original = ExecutionState.from_state_props

    def from_state_props(self: Any, state_props: Any) -> None:
        original(self, state_props)
        timeout = self.timeout
        if isinstance(timeout, TimeoutSeconds) and timeout.is_default and timeout.timeout_seconds == 60:
            self.timeout = TimeoutSeconds(timeout_seconds=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS)

    ExecutionState.from_state_props = from_state_props  # type: ignore[method-assign]
    return original


def _patch_token_per_attempt() -> Any:
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.resource import ResourceCondition
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )

    original = StateTaskServiceCallback._eval_execution

    def _eval_execution(self: Any, env: Any) -> None:
        retried = env.states.context_object.context_object_data.get("State", {}).get("RetryCount", 0) > 0
        if retried and self.resource.condition == ResourceCondition.WaitForTaskToken:
            env.callback_pool_manager.add(env.states.context_object.update_task_token())
        original(self, env)

    StateTaskServiceCallback._eval_execution = _eval_execution  # type: ignore[method-assign]
    return original


_SHARED_ON_COPY = frozenset({"backend", "executions"})


def _copy_state_machine(self: Any, memo: dict[int, Any]) -> Any:
    new = type(self).__new__(type(self))
    memo[id(self)] = new
    for key, value in self.__dict__.items():
        setattr(new, key, value if key in _SHARED_ON_COPY else copy.deepcopy(value, memo))
    return new


@contextmanager
def moto_server() -> Iterator[Aws]:
    from moto.server import ThreadedMotoServer
    from moto.stepfunctions.models import StateMachine
    from moto.stepfunctions.parser.asl.component.state.exec.execute_state import ExecutionState
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.responses import StepFunctionResponse

    original = _patch_send_task_failure()
    original_props = _patch_default_timeout()
    original_execution = _patch_token_per_attempt()
    StateMachine.__deepcopy__ = _copy_state_machine  # type: ignore[attr-defined]
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    saved = {k: os.environ.get(k) for k in ("MOTO_PORT", *CREDENTIALS)}
    os.environ.update({"MOTO_PORT": str(port), **CREDENTIALS})
    url = f"http://127.0.0.1:{port}"
    try:
        _set_config(url, True)
        yield Aws(url)
    finally:
        try:
            _set_config(url, False)
        finally:
            server.stop()
            StepFunctionResponse.send_task_failure = original  # type: ignore[method-assign]
            ExecutionState.from_state_props = original_props  # type: ignore[method-assign]
            StateTaskServiceCallback._eval_execution = original_execution  # type: ignore[method-assign]
            del StateMachine.__deepcopy__  # type: ignore[attr-defined]
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def wait_for_execution(sfn: Any, arn: str, timeout: float = 90.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        desc: dict[str, Any] = sfn.describe_execution(executionArn=arn)
        if desc["status"] != "RUNNING":
            return desc
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution still running after {timeout}s: {arn}")
        time.sleep(0.2)
