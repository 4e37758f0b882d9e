"""The IR: frozen, self-checking, and a lossless JSON round trip."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from flowc.compiler import analyze
from flowc.ir import Flow, Span, Step, Transition
from tests.conftest import example_files, shape_files


@pytest.mark.parametrize("path", example_files() + shape_files(), ids=lambda p: p.name)
def test_json_round_trip_is_lossless(path: Path) -> None:
    flow = analyze(path).flow
    assert flow is not None
    again = Flow.from_json(flow.to_json())
    assert again == flow
    assert again.to_json() == flow.to_json()


def test_ir_is_frozen() -> None:
    flow = analyze(Path(__file__).parents[1] / "shapes" / "linear.py").flow
    assert flow is not None
    with pytest.raises(dataclasses.FrozenInstanceError):
        flow.name = "Other"  # type: ignore[misc]


def test_ir_rejects_inconsistent_steps() -> None:
    span = Span(1, 1, 1, 2)
    with pytest.raises(ValueError, match="successors"):
        Step("end", Transition.END, ("x",), span)
    with pytest.raises(ValueError, match="foreach variable"):
        Step("s", Transition.FOREACH, ("x",), span)
    with pytest.raises(ValueError, match="split it closes"):
        Step("s", Transition.LINEAR, ("x",), span, closes="a")


def test_walk_puts_parents_first_and_follows_source_order() -> None:
    flow = analyze(Path(__file__).parents[1] / "shapes" / "foreach_in_branch.py").flow
    assert flow is not None
    order = [s.name for s in flow.walk()]
    for s in flow.steps:
        for t in s.successors:
            assert order.index(s.name) < order.index(t)
    assert order == ["start", "fan", "work", "fan_join", "single", "join", "end"]


def test_networkx_view_has_every_edge() -> None:
    flow = analyze(Path(__file__).parents[1] / "shapes" / "branch.py").flow
    assert flow is not None
    g = flow.graph()
    assert set(g.edges) == {(s.name, t) for s in flow.steps for t in s.successors}
    assert g.nodes["join"]["step"] == flow.step("join")


def test_a_newer_ir_version_is_refused() -> None:
    flow = analyze(Path(__file__).parents[1] / "shapes" / "linear.py").flow
    assert flow is not None
    data = flow.to_dict()
    data["ir_version"] = 99
    with pytest.raises(ValueError, match="IR version 99"):
        Flow.from_dict(data)
