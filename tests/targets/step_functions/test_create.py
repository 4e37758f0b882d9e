"""Every corpus flow, in every mode, through moto's CreateStateMachine: the engine's own creation checks.

statelint and asl-validator check the shape of a definition; CreateStateMachine also checks what they
do not (for one, `HeartbeatSeconds` must be below `TimeoutSeconds`). Each flow of the conformance
corpus (examples, shapes, tests/conformance/flows) that flowc compiles is created in batch and worker
mode, with inline and with distributed foreach.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flowc.compiler import compile_flow
from tests.conformance.corpus import flow_files
from tests.conftest import ROOT

from .helpers import QUEUE
from .moto_env import Aws, moto_server

ROLE = "arn:aws:iam::123456789012:role/flowc-sfn"
MODES = {
    "batch": {"mode": "batch"},
    "worker": {"mode": "worker", "queue_url": QUEUE},
}
FOREACH = ("inline", "distributed")
FLOWS = flow_files()


@pytest.fixture(scope="module")
def aws() -> Iterator[Aws]:
    with moto_server() as server:
        yield server


def _definition(path: Path, mode: str, foreach: str) -> str | None:
    options: dict[str, Any] = {"datastore": "s3://flowc-bucket/flowc", "foreach": foreach, **MODES[mode]}
    result = compile_flow(str(path), "step-functions", options)
    if not result.ok:
        return None
    (asl,) = [f for f in result.files if f.path.endswith(".asl.json")]
    return asl.content


COMBINATIONS = list(itertools.product(FLOWS, MODES, FOREACH))


@pytest.mark.parametrize(
    ("path", "mode", "foreach"),
    COMBINATIONS,
    ids=lambda v: v.relative_to(ROOT).as_posix() if isinstance(v, Path) else v,
)
def test_create_state_machine_accepts_the_definition(aws: Aws, path: Path, mode: str, foreach: str) -> None:
    definition = _definition(path, mode, foreach)
    if definition is None:
        pytest.skip("flowc does not compile this flow for Step Functions (the conformance suite covers why)")
    sfn = aws.client("stepfunctions")
    name = f"create-{COMBINATIONS.index((path, mode, foreach))}"
    arn = sfn.create_state_machine(name=name, definition=definition, roleArn=ROLE)["stateMachineArn"]
    sfn.delete_state_machine(stateMachineArn=arn)
