"""A step's transition: what its one `self.next(...)` says (linear, branch, foreach or switch)."""

from __future__ import annotations

import ast
from typing import TypeGuard

from flowc.analyzer.context import MISSING, Context
from flowc.analyzer.draft import FlowDraft
from flowc.analyzer.positions import Argument, DictUnpack
from flowc.analyzer.static import COMPOUND, evaluate
from flowc.ir import Span, SwitchCase, Transition

Trans = tuple[Transition, tuple[str, ...], str | None, str | None, tuple[SwitchCase, ...]]

# A self.next inside these belongs to another function.
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_PLAIN = (ast.Attribute, ast.Constant, ast.Name)


def _is_self_next(node: ast.AST | None) -> TypeGuard[ast.Call]:
    if not isinstance(node, ast.Call):
        return False
    f = node.func
    return isinstance(f, ast.Attribute) and f.attr == "next" and isinstance(f.value, ast.Name) and f.value.id == "self"


def next_calls(ctx: Context, body: list[ast.stmt]) -> list[tuple[ast.Call, bool]]:
    """Every `self.next(...)` call in a step's body, in source order, and whether each sits inside an
    if, a loop, a try, a with or a match."""
    calls: list[tuple[ast.Call, bool]] = []
    lines = ctx.text.lines
    for stmt in body:
        value = stmt.value if isinstance(stmt, ast.Expr) else None
        if _is_self_next(value) and all(isinstance(a, _PLAIN) for a in value.args):
            calls.append((value, False))
            continue  # the common case, read without a walk
        # Walking every statement would cost more than everything else on large flows; a statement
        # whose text never says "next" cannot hold a self.next call.
        if not any("next" in line for line in lines[stmt.lineno - 1 : stmt.end_lineno or stmt.lineno]):
            continue
        todo: list[tuple[ast.AST, bool]] = [(stmt, False)]
        while todo:
            node, inside = todo.pop()
            if isinstance(node, _SCOPES):
                continue
            if _is_self_next(node):
                calls.append((node, inside))
            inner = inside or isinstance(node, COMPOUND)
            todo.extend((child, inner) for child in ast.iter_child_nodes(node))
    calls.sort(key=lambda c: (c[0].lineno, c[0].col_offset))
    return calls


def transition(
    ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, name_span: Span, draft: FlowDraft, is_end: bool = False
) -> Trans | None:
    """The step's transition, or None after reporting why it cannot be read. `is_end`: the step is
    the flow's exit (`end`, or marked `@step(end=True)`)."""
    name = fn.name
    calls = next_calls(ctx, fn.body)
    if is_end:
        for call, _ in calls:
            ctx.report(
                "FC103",
                call,
                "the end step cannot call self.next: the flow stops there"
                if name == "end"
                else f"step '{name}' is the flow's end step (marked @step(end=True), or the only step): "
                "it cannot call self.next",
                hint="remove this self.next, or rename the step if the flow goes on"
                if name == "end"
                else "remove this self.next, or give the flow an end step that it leads to",
            )
        return (Transition.END, (), None, None, ()) if not calls else None
    if not calls:
        ctx.report(
            "FC102",
            name_span,
            f"step '{name}' has no self.next(...)",
            hint="end every step except `end` with self.next(self.<next_step>)",
        )
        return None
    if len(calls) > 1 or calls[0][1]:
        conditional = any(inside for _, inside in calls)
        if conditional and len(calls) > 1:
            ctx.report(
                "FC104",
                calls[0][0],
                f"step '{name}' chooses its next step with if/else; flowc needs the graph statically",
                hint='use a switch: set self.choice = ... then self.next({"a": self.a, "b": self.b}, '
                'condition="choice")',
            )
        elif len(calls) > 1:
            ctx.report(
                "FC104",
                calls[1][0],
                f"step '{name}' calls self.next more than once",
                hint="call self.next once, as the last statement",
            )
        else:
            ctx.report(
                "FC104",
                calls[0][0],
                f"self.next in step '{name}' is inside a block",
                hint="call self.next once, unconditionally, as the last statement of the step",
            )
        return None
    call = calls[0][0]
    last = fn.body[-1]
    if not (isinstance(last, ast.Expr) and last.value is call):
        ctx.report(
            "FC104",
            call,
            f"self.next must be the last statement of step '{name}'",
            hint="move the code after it above the self.next",
        )
        return None
    draft.next_spans[name] = ctx.span(call)
    return _next_args(ctx, call, name, draft)


def _target(ctx: Context, node: ast.expr, name: str, draft: FlowDraft) -> str | None:
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        target = node.attr
        if (name, target) not in draft.refs:
            draft.add_ref(name, target, ctx.text.attr_span(node))
        return target
    ctx.report(
        "FC105",
        node,
        f"self.next argument `{ctx.code(node)}` is not a step reference",
        hint="name steps directly: self.next(self.train), not a variable or expression",
    )
    return None


def _next_args(ctx: Context, call: ast.Call, name: str, draft: FlowDraft) -> Trans | None:
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        ctx.report(
            "FC105",
            call,
            "self.next arguments cannot be unpacked with * or **",
            hint="list the steps: self.next(self.a, self.b)",
        )
        return None
    kwargs = {str(k.arg): k for k in call.keywords}
    positional = call.args
    for k, kw in kwargs.items():
        if k not in ("foreach", "condition"):
            ctx.report(
                "FC105",
                kw,
                f"self.next has no argument '{k}'",
                hint="self.next takes steps, and foreach= or condition=",
            )
            return None
    if not positional:
        ctx.report("FC105", call, "self.next needs at least one step", hint="self.next(self.end)")
        return None
    if "condition" in kwargs or isinstance(positional[0], ast.Dict):
        return _switch(ctx, call, name, draft, kwargs)
    targets: list[str] = []
    for a in positional:
        t = _target(ctx, a, name, draft)
        if t is None:
            return None
        if t in targets:
            ctx.report("FC105", Argument(a), f"step '{t}' is listed twice in self.next", hint="list each branch once")
            return None
        targets.append(t)
    if "foreach" in kwargs:
        fnode = kwargs["foreach"].value
        if len(targets) != 1:
            ctx.report(
                "FC105",
                call,
                "a foreach goes to exactly one step",
                hint='self.next(self.train, foreach="params")',
            )
            return None
        fvar = evaluate(fnode, ctx.constants) if isinstance(fnode, (ast.Name, ast.Constant)) else None
        if not isinstance(fvar, str) or not fvar.isidentifier():
            ctx.report(
                "FC110",
                fnode,
                f"foreach= must be a string literal naming an artifact, not `{ctx.code(fnode)}`",
                hint='self.next(self.train, foreach="params") with self.params = [...]',
            )
            return None
        return Transition.FOREACH, tuple(targets), fvar, None, ()
    if len(targets) > 1:
        return Transition.BRANCH, tuple(targets), None, None, ()
    return Transition.LINEAR, tuple(targets), None, None, ()


def _switch(ctx: Context, call: ast.Call, name: str, draft: FlowDraft, kwargs: dict[str, ast.keyword]) -> Trans | None:
    hint = 'self.next({"big": self.big, "small": self.small}, condition="size")'
    positional = call.args
    if len(positional) != 1 or not isinstance(positional[0], ast.Dict):
        ctx.report("FC111", call, "a switch takes one dict of case -> step", hint=hint)
        return None
    if "condition" not in kwargs:
        ctx.report("FC111", call, "a switch needs condition= naming the artifact that picks the case", hint=hint)
        return None
    if "foreach" in kwargs:
        ctx.report("FC111", call, "a switch cannot also be a foreach", hint=hint)
        return None
    cnode = kwargs["condition"].value
    cond = ctx.static(cnode, "FC111", "condition=")
    if cond is MISSING:
        return None
    if not isinstance(cond, str) or not cond.isidentifier():
        ctx.report("FC111", cnode, f"condition= must name an artifact, not {cond!r}", hint=hint)
        return None
    cases: list[SwitchCase] = []
    d = positional[0]
    for key_node, value in zip(d.keys, d.values, strict=True):
        if key_node is None:
            ctx.report("FC111", DictUnpack(value), "switch cases must be written out", hint=hint)
            return None
        key = ctx.static(key_node, "FC111", "a switch case")
        if key is MISSING:
            return None
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            ctx.report("FC111", key_node, f"switch case {key!r} must be a string", hint=hint)
            return None
        key = str(key)
        if key in {c.value for c in cases}:
            ctx.report("FC111", key_node, f"switch case {key!r} is listed twice", hint="give each case once")
            return None
        t = _target(ctx, value, name, draft)
        if t is None:
            return None
        cases.append(SwitchCase(key, t))
    if len(cases) < 2:
        ctx.report("FC111", d, "a switch needs at least two cases", hint="with one case, write self.next(self.<step>)")
        return None
    if len({c.step for c in cases}) != len(cases):
        ctx.report(
            "FC111",
            d,
            "two switch cases go to the same step",
            hint="merge the cases, or give each its own step",
        )
        return None
    return Transition.SWITCH, tuple(c.step for c in cases), None, cond, tuple(cases)
