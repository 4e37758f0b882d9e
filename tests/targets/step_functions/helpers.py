"""Compiling flows to ASL for the tests, and finding states inside the nested definition."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from flowc.compiler import CompileResult, compile_flow

ROOT = Path(__file__).resolve().parents[3]
SHAPES = ROOT / "tests" / "shapes"
SWITCH_SHAPES = ROOT / "tests" / "conformance" / "flows" / "switch"
EXAMPLES = ROOT / "examples"
QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/flowc-tasks"
BATCH = {"datastore": "s3://flowc-bucket/flowc"}
WORKER = {"datastore": "s3://flowc-bucket/flowc", "mode": "worker", "queue_url": QUEUE}


def compile_sf(path: Path | str, **options: Any) -> CompileResult:
    result = compile_flow(path, "step-functions", options)
    assert result.output is not None, [d.message for d in result.diagnostics]
    return result


def definition(path: Path | str, **options: Any) -> dict[str, Any]:
    result = compile_sf(path, **{**BATCH, **options})
    assert result.ok, [d.message for d in result.diagnostics]
    (asl,) = [f for f in result.files if f.path.endswith(".asl.json")]
    return dict(json.loads(asl.content))


def states(machine: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (name, state), in Parallel branches and Map processors too."""
    for name, state in machine["States"].items():
        yield name, state
        for branch in state.get("Branches", ()):
            yield from states(branch)
        if "ItemProcessor" in state:
            yield from states(state["ItemProcessor"])


def state(machine: dict[str, Any], name: str) -> dict[str, Any]:
    found = dict(states(machine))
    return found[name]
