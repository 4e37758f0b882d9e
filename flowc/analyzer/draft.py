"""What the analyzer hands to the checks: a draft flow and where things were written."""

from __future__ import annotations

from dataclasses import dataclass, field

from flowc.ir import Flow, Span


@dataclass
class FlowDraft:
    flow: Flow
    # where step X names successor Y in its self.next (for FC101 and cycle reports)
    refs: dict[tuple[str, str], Span] = field(default_factory=dict)
    next_spans: dict[str, Span] = field(default_factory=dict)
    # methods of the class that are not steps (a self.next naming one gets a precise hint)
    methods: dict[str, Span] = field(default_factory=dict)
    name_spans: dict[str, Span] = field(default_factory=dict)
