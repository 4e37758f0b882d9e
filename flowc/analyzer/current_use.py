"""Where a step reads a `current` attribute flowc does not provide (FC115, a warning).

`current.card`, `current.parallel`, ... raise `UnsupportedAttribute` in a task (flowc.current); a
name `current` never had raises AttributeError. Either fails the task at run time, so `flowc check`
points at the read first. Reads through `current` imported at the top of the module or inside the
step (`from metaflow import current`) count; `getattr(current, "card", None)`, `hasattr` and a read
inside a `try` that catches AttributeError do not: they are how code asks whether it is there.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator, Sequence

from flowc.analyzer.context import Context
from flowc.analyzer.imports import PACKAGES
from flowc.analyzer.reserved import handles_attribute_error
from flowc.diagnostics import Severity


def _known() -> tuple[frozenset[str], dict[str, str]]:
    # `flowc.current` the attribute is the `current` object; the module is found by its name.
    current_mod = importlib.import_module("flowc.current")

    names = {n for n in dir(current_mod.Current) if not n.startswith("_")}
    return frozenset(names | set(current_mod._PROJECT)), dict(current_mod.UNSUPPORTED)


def check_current(steps: Sequence[tuple[Context, ast.FunctionDef | ast.AsyncFunctionDef]]) -> None:
    known, unsupported = _known()
    for ctx, fn in steps:
        # Walking a step's tree costs far more than reading its lines: an import needs the word.
        lines = ctx.text.lines[fn.lineno - 1 : fn.end_lineno]
        local = _imported_inside(fn) if any("import" in line for line in lines) else set()
        # Every way to reach `current` (its name, an alias of it, `metaflow.current`) writes one of
        # these words; a step that has none of them reads nothing of it.
        words = local | {"current"} | {k for k, v in ctx.api.names.items() if v == "current"}
        if not any(w in line for line in lines for w in words):
            continue
        for node in _reads(fn):
            base = node.value
            is_current = ctx.api.resolve(base) == "current" or (isinstance(base, ast.Name) and base.id in local)
            if not is_current or node.attr in known:
                continue
            if node.attr in unsupported:
                message = f"step '{fn.name}' reads current.{node.attr}, which flowc does not support"
                hint = unsupported[node.attr]
            else:
                message = f"step '{fn.name}' reads current.{node.attr}, which current does not have"
                hint = "current's attributes are listed in docs/metaflow.md"
            ctx.report(
                "FC115",
                ctx.text.attr_span(node),
                message + ": the task would fail there",
                hint=hint,
                severity=Severity.WARNING,
            )


def _imported_inside(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Local names a step binds to `current` with `from metaflow import current` in its body."""
    out = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] in PACKAGES:
            out |= {a.asname or a.name for a in node.names if a.name == "current"}
    return out


def _reads(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> Iterator[ast.Attribute]:
    """Attribute reads in the step, leaving out the body of a `try` that expects an AttributeError."""
    todo: list[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, ast.Try) and handles_attribute_error(node):
            todo.extend([*node.handlers, *node.orelse, *node.finalbody])
            continue
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            yield node
        todo.extend(ast.iter_child_nodes(node))
