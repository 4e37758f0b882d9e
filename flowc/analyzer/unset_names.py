"""A foreach= or condition= naming an artifact no code of the flow ever sets (FC116, a warning).

`self.next(self.train, foreach="itemz")` where every step writes `self.items` checks clean and
compiles, then fails the split task at run time ("did not set self.itemz"), on a deployed flow in
production. The name must be set somewhere: an assignment to `.<name>` (on `self` or any object:
a helper may take the flow as an argument), `setattr(x, "<name>", ...)`, a `@catch(var=...)`, a
parameter, a config or a class attribute. The check only warns when none of these appears in any
file the flow is read from, and stays quiet when the flow can set names that no reading shows
(`setattr` with a computed name, `__dict__`, `vars()`, `exec`), since then it cannot know.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Sequence
from typing import TypeGuard

from flowc.analyzer.context import Context
from flowc.diagnostics import Severity

# Ways to set an attribute whose name no static reading can see (setattr with a literal name is read).
_DOTTED = re.compile(r"\.\s*([A-Za-z_]\w*)")
_DYNAMIC = re.compile(r"__dict__|\bvars\s*\(|\bexec\s*\(|__setattr__")


def check_unset(
    steps: Sequence[tuple[Context, ast.FunctionDef | ast.AsyncFunctionDef, str | None, str | None]],
    contexts: Iterable[Context],
    known: set[str],
) -> None:
    """`steps`: each step with its foreach variable and switch condition (None when it has none);
    `contexts`: every file the flow is read from; `known`: names set without an assignment in a
    step (parameters, configs, class attributes, @catch variables)."""
    wanted = [(ctx, fn, v) for ctx, fn, fvar, cond in steps for v in (fvar, cond) if v and v not in known]
    if not wanted:
        return
    files = {id(c.module): c for c in contexts}
    if any(_DYNAMIC.search(c.text.source) or _computed_setattr(c) for c in files.values()):
        return
    walked: dict[int, set[str]] = {}  # each file's tree is walked at most once

    def set_in(c: Context) -> set[str]:
        if id(c.module) not in walked:
            walked[id(c.module)] = _all_set(c)
        return walked[id(c.module)]

    # Reading a file's text costs far less than walking its tree: a name set by assignment is written
    # after a dot, one set by setattr needs the word setattr. One pass over each text finds them all.
    dotted = {id(c.module): set(_DOTTED.findall(c.text.source)) for c in files.values()}
    for ctx, fn, name in wanted:
        if any(
            (name in dotted[id(c.module)] or "setattr" in c.text.source) and name in set_in(c) for c in files.values()
        ):
            continue
        where = _literal(fn, name)
        kind = "foreach" if where is None or where.arg == "foreach" else "condition"
        assigned = sorted({n for c in files.values() for n in set_in(c)} | known)
        close = difflib.get_close_matches(name, assigned, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"set self.{name} in this step or a step before it"
        ctx.report(
            "FC116",
            where.value if where is not None else ctx.text.name_span(fn),
            f"{kind}='{name}' in step '{fn.name}': no code of the flow sets self.{name}, so the task would fail there",
            hint=hint,
            severity=Severity.WARNING,
        )


def _all_set(ctx: Context) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ctx.module):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
            out.add(node.attr)
        elif _is_setattr(node) and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
            out.add(node.args[1].value)
    return out


def _computed_setattr(ctx: Context) -> bool:
    """Whether the file calls setattr with a name that is not a literal."""
    if "setattr" not in ctx.text.source:
        return False
    return any(_is_setattr(node) and not isinstance(node.args[1], ast.Constant) for node in ast.walk(ctx.module))


def _is_setattr(node: ast.AST) -> TypeGuard[ast.Call]:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "setattr"
        and len(node.args) > 1
    )


def _literal(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.keyword | None:
    """The `foreach=` / `condition=` keyword of the step's self.next that names `name`."""
    for node in ast.walk(fn):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "next":
            for kw in node.keywords:
                if kw.arg in ("foreach", "condition") and isinstance(kw.value, ast.Constant) and kw.value.value == name:
                    return kw
    return None
