"""State shared while analysing one file: positions, constants, API names, collected diagnostics."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange

from flowc.analyzer.imports import ApiNames
from flowc.analyzer.static import NotStatic, evaluate
from flowc.diagnostics import Diagnostic, Fix, Severity
from flowc.ir import Span

MISSING: Any = object()


@dataclass
class Context:
    file: str
    module: cst.Module
    positions: Mapping[cst.CSTNode, CodeRange]
    api: ApiNames
    constants: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def mentions(self, node: cst.CSTNode, word: str) -> bool:
        """Whether the source text of `node` contains `word` (True when unsure)."""
        r = self.positions.get(node)
        if r is None or not self.lines:
            return True
        return any(word in line for line in self.lines[r.start.line - 1 : r.end.line])

    def span(self, node: cst.CSTNode) -> Span:
        r = self.positions.get(node)
        if r is None:
            return Span(1, 1, 1, 1)
        return Span(r.start.line, r.start.column + 1, r.end.line, r.end.column + 1)

    def code(self, node: cst.CSTNode, limit: int = 60) -> str:
        text = " ".join(self.module.code_for_node(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def report(
        self,
        code: str,
        node: cst.CSTNode | Span | None,
        message: str,
        hint: str | None = None,
        severity: Severity = Severity.ERROR,
        fix: Fix | None = None,
    ) -> None:
        span = node if isinstance(node, Span) or node is None else self.span(node)
        self.diagnostics.append(Diagnostic(code, message, self.file, span, hint, severity, fix))

    def static(self, node: cst.BaseExpression, code: str, what: str) -> Any:
        """The static value of `node`, or MISSING after reporting why it is not static."""
        value = evaluate(node, self.constants)
        if isinstance(value, NotStatic):
            self.report(
                code,
                value.node,
                f"{what} must be known before the flow runs, but `{self.code(value.node)}` is not ({value.reason})",
                hint="use a literal, or a module-level constant assigned once (N = 4)",
            )
            return MISSING
        return value
