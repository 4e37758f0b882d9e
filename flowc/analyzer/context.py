"""State shared while analysing one file: its text, constants, API names and collected diagnostics."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from flowc.analyzer.imports import ApiNames
from flowc.analyzer.positions import SourceText, Where
from flowc.analyzer.static import NotStatic, evaluate
from flowc.diagnostics import Diagnostic, Fix, Severity
from flowc.ir import Span

MISSING: Any = object()


@dataclass
class Context:
    file: str
    module: ast.Module
    text: SourceText
    api: ApiNames
    constants: dict[str, Any]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Config values given on the command line (flowc.user_configs.ConfigInputs), and while a flow
    # class is read, its configs (flowc.analyzer.configs.ConfigScope): both None when unused.
    config_inputs: Any = None
    configs: Any = None

    def span(self, node: Where) -> Span:
        return self.text.span(node)

    def code(self, node: Where, limit: int = 60) -> str:
        """The node's source text on one line, shortened to `limit` characters."""
        text = " ".join(self.text.segment(node).split())
        return text if len(text) <= limit else text[: limit - 3] + "..."

    def report(
        self,
        code: str,
        node: Where | Span | None,
        message: str,
        hint: str | None = None,
        severity: Severity = Severity.ERROR,
        fix: Fix | None = None,
    ) -> None:
        span = node if isinstance(node, Span) or node is None else self.span(node)
        self.diagnostics.append(Diagnostic(code, message, self.file, span, hint, severity, fix))

    def static(self, node: ast.expr, code: str, what: str) -> Any:
        """The static value of `node`, or MISSING after reporting why it is not static."""
        value = evaluate(node, self.constants, self.configs.resolve if self.configs is not None else None)
        if isinstance(value, NotStatic):
            self.report(
                value.code or code,
                value.node,
                f"{what} must be known before the flow runs, but `{self.code(value.node)}` is not ({value.reason})",
                hint=value.hint or "use a literal, or a module-level constant assigned once (N = 4)",
            )
            return MISSING
        if self.configs is not None:
            value = self.configs.plain(value)
        return value
