"""Names a flow imports from `metaflow` that flowc's stand-in does not provide.

A flow written `from metaflow import ...` runs under flowc with flowc's stand-in for Metaflow
(flowc.metaflow_compat, docs/metaflow.md), inside every task even where Metaflow is installed. A
name the stand-in lacks (`FlowMutator`, `S3`, `metaflow.cards`) would stop every task at import, so
`flowc check` reports it (FC007) wherever the import is, a step's body included.
"""

from __future__ import annotations

import ast
import importlib.util
from functools import cache

from flowc.analyzer.context import Context

PACKAGE = "flowc.metaflow_compat"


@cache
def _module_names(module: str) -> frozenset[str] | None:
    """The names `metaflow<module>` offers under flowc, or None when flowc does not provide it."""
    real = PACKAGE + module
    if real.endswith(".finder"):
        return None
    try:
        if importlib.util.find_spec(real) is None:
            return None
        mod = importlib.import_module(real)
    except ImportError:
        return None
    names = set(getattr(mod, "__all__", ())) | {n for n in vars(mod) if not n.startswith("_")}
    names |= set(getattr(mod, "_CLIENT", ()))  # loaded on first use
    return frozenset(names)


def check(ctx: Context) -> None:
    """Report every `from metaflow[.x] import name` and `import metaflow.x` flowc cannot satisfy."""
    for node in ast.walk(ctx.module):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            top, _, rest = node.module.partition(".")
            if top != "metaflow":
                continue
            sub = "." + rest if rest else ""
            names = _module_names(sub)
            if names is None:
                _report(ctx, node, f"flowc does not provide the module '{node.module}'")
                continue
            for alias in node.names:
                if alias.name != "*" and alias.name not in names:
                    _report(ctx, alias, f"flowc does not provide '{alias.name}' of {node.module}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                if top == "metaflow" and rest and _module_names("." + rest) is None:
                    _report(ctx, alias, f"flowc does not provide the module '{alias.name}'")


def _report(ctx: Context, node: ast.AST, message: str) -> None:
    ctx.report(
        "FC007",
        node,
        message + ": the flow's tasks, which run with flowc's stand-in for Metaflow, would fail to import it",
        hint="docs/metaflow.md lists what flowc provides and what to use instead",
    )
