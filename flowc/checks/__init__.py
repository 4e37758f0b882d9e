"""Checks over a draft flow. Each module checks one family of problems and carries examples of
valid and invalid flows (`EXAMPLES`), which the test suite runs; `run_checks` runs them in order.
"""

from __future__ import annotations

from flowc.analyzer.flowclass import FlowDraft
from flowc.checks import graph, loops, splits
from flowc.diagnostics import Diagnostic
from flowc.ir import Flow

CHECK_MODULES = (graph, loops, splits)


def run_checks(draft: FlowDraft) -> tuple[Flow, list[Diagnostic]]:
    """Check the draft's graph; return the completed flow (loops, joins and scopes filled in) and
    problems."""
    diags: list[Diagnostic] = []
    found = graph.check(draft, diags)
    flow = draft.flow
    if found.ok:
        flow = flow.with_steps(loops.with_loops(flow.steps, found.loops))
        flow = splits.check(draft, flow, diags)
    return flow, diags
