"""Checks over a draft flow. Each module checks one family of problems and carries examples of
valid and invalid flows (`EXAMPLES`), which the test suite runs; `run_checks` runs them in order.
"""

from __future__ import annotations

from flowc.analyzer.flowclass import FlowDraft
from flowc.checks import graph, splits
from flowc.diagnostics import Diagnostic
from flowc.ir import Flow

CHECK_MODULES = (graph, splits)


def run_checks(draft: FlowDraft) -> tuple[Flow, list[Diagnostic]]:
    """Check the draft's graph; return the completed flow (joins and scopes filled in) and problems."""
    diags: list[Diagnostic] = []
    ok = graph.check(draft, diags)
    flow = draft.flow
    if ok:
        flow = splits.check(draft, diags)
    return flow, diags
