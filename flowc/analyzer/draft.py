"""What the analyzer hands to the checks: a draft flow and where things were written."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from flowc.diagnostics import Diagnostic
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
    # The file each step's spans are written in, where it is not the flow's (a step inherited from a
    # base in another module): a check that reports at one of them names that file (`refile`). A span
    # written in two files (same line and columns) is None: left to the flow's file.
    span_files: dict[Span, str | None] = field(default_factory=dict)
    # `refs`' spans by the step whose self.next they are in: note_spans would otherwise scan every ref
    # once per step (quadratic: 5 s of a 10,000-step check's 6.5 s).
    ref_spans: dict[str, list[Span]] = field(default_factory=dict)

    def add_ref(self, step: str, target: str, span: Span) -> None:
        """Step `step` names `target` in its self.next at `span` (the first place it does is kept)."""
        if (step, target) not in self.refs:
            self.refs[(step, target)] = span
            self.ref_spans.setdefault(step, []).append(span)

    def note_spans(self, step: str, file: str, span: Span) -> None:
        """Record `file` as where the spans of `step` (its definition `span`, its name, its self.next and
        targets) are."""
        spans = [span, self.name_spans.get(step), self.next_spans.get(step)]
        spans += self.ref_spans.get(step, [])
        for one in spans:
            if one is not None:
                known = self.span_files.setdefault(one, file)
                if known != file:
                    self.span_files[one] = None

    def refile(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        """`diagnostics` with those at a span of a step from another file naming that file."""
        out = []
        for d in diagnostics:
            other = self.span_files.get(d.span) if d.span is not None and d.file == self.flow.file else None
            out.append(dataclasses.replace(d, file=other) if other else d)
        return out
