"""One flow class: its steps, their transitions and decorators, its parameters and flow decorators.

The result is a draft: a `Flow` whose steps do not yet know which split a join closes or which
foreach scopes enclose them. `flowc.checks` checks the graph and fills those in.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field

import libcst as cst

from flowc.analyzer import decorators as deco_mod
from flowc.analyzer.context import MISSING, Context
from flowc.analyzer.params import parameter
from flowc.analyzer.static import evaluate, string_value
from flowc.diagnostics import Severity
from flowc.ir import Decorators, Flow, Parameter, Schedule, Span, Step, SwitchCase, Transition

# Names the runtime FlowSpec uses; a parameter, a catch var or a step cannot take them.
RESERVED = frozenset(
    {
        "next",
        "input",
        "index",
        "inputs",
        "merge_artifacts",
        "foreach_stack",
        "name",
        "script_name",
        "cmd",
        "run",
        "flow",
        "current",
        "parameters",
    }
)


@dataclass
class FlowDraft:
    flow: Flow
    # where step X names successor Y in its self.next (for FC101 and cycle reports)
    refs: dict[tuple[str, str], Span] = field(default_factory=dict)
    next_spans: dict[str, Span] = field(default_factory=dict)
    # methods of the class that are not steps (a self.next naming one gets a precise hint)
    methods: dict[str, Span] = field(default_factory=dict)
    name_spans: dict[str, Span] = field(default_factory=dict)


def docstring(body: cst.BaseSuite) -> str:
    if isinstance(body, cst.IndentedBlock) and body.body:
        first = body.body[0]
        if isinstance(first, cst.SimpleStatementLine) and len(first.body) == 1:
            expr = first.body[0]
            if isinstance(expr, cst.Expr) and isinstance(expr.value, (cst.SimpleString, cst.ConcatenatedString)):
                value = string_value(expr.value)
                if isinstance(value, str):
                    return inspect.cleandoc(value)
    return ""


def is_flow_class(ctx: Context, node: cst.ClassDef) -> bool:
    for base in node.bases:
        if ctx.api.resolve(base.value) == "FlowSpec":
            return True
        # `FlowSpec` written without an import we can see (e.g. a re-export) still marks a flow.
        if isinstance(base.value, cst.Name) and base.value.value == "FlowSpec":
            return True
        if isinstance(base.value, cst.Attribute) and base.value.attr.value == "FlowSpec":
            return True
    return False


def analyze_class(ctx: Context, cls: cst.ClassDef) -> FlowDraft | None:
    name = cls.name.value
    steps: list[Step] = []
    params: list[Parameter] = []
    draft = FlowDraft(flow=Flow(name=name, file=ctx.file, span=ctx.span(cls.name), steps=()))
    seen_steps: dict[str, Span] = {}
    body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
    param_nodes: dict[str, cst.CSTNode] = {}
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef):
            is_step = any(ctx.api.resolve(d.decorator) == "step" for d in stmt.decorators)
            if not is_step:
                draft.methods.setdefault(stmt.name.value, ctx.span(stmt.name))
                continue
            s = _step(ctx, stmt, draft)
            if s is None:
                continue
            if s.name in seen_steps:
                first = seen_steps[s.name]
                ctx.report(
                    "FC108",
                    stmt.name,
                    f"step '{s.name}' is defined twice (first at line {first.line})",
                    hint="rename one of them; Python would silently keep only the last",
                )
                continue
            seen_steps[s.name] = ctx.span(stmt.name)
            steps.append(s)
        elif isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                p = _maybe_parameter(ctx, small)
                if p is None:
                    continue
                earlier = next((q for q in params if q.name == p.name), None)
                if earlier is not None:
                    ctx.report(
                        "FC401",
                        p.span,
                        f"parameter '{p.name}' is declared twice (first at line {earlier.span.line})",
                        hint="give each parameter its own name",
                    )
                    continue
                if p.attr in {q.attr for q in params}:
                    ctx.report(
                        "FC401",
                        p.span,
                        f"attribute '{p.attr}' holds two parameters",
                        hint="give each parameter its own attribute",
                    )
                    continue
                params.append(p)
                param_nodes[p.name] = small
    step_names = {s.name for s in steps}
    for p in list(params):
        clash = next((n for n in (p.name, p.attr) if n in step_names or n in RESERVED or n.startswith("_")), None)
        if clash is not None:
            why = "a step" if clash in step_names else "used by flowc itself"
            ctx.report(
                "FC402",
                p.span,
                f"parameter name '{clash}' is reserved: it is {why}",
                hint="rename the parameter",
            )
            params.remove(p)
    for s in steps:
        if s.name in RESERVED:
            ctx.report(
                "FC402",
                draft.name_spans[s.name],
                f"'{s.name}' cannot be a step name: flowc uses it",
                hint="rename the step",
            )
        if s.decorators.catch and s.decorators.catch.var:
            var = s.decorators.catch.var
            if var in RESERVED or var in step_names or var in {p.attr for p in params}:
                ctx.report(
                    "FC402",
                    draft.name_spans[s.name],
                    f"@catch(var='{var}') on step '{s.name}' would overwrite a name already in use",
                    hint="pick another var name",
                )
    schedule, project = _flow_decorators(ctx, cls)
    draft.flow = Flow(
        name=name,
        file=ctx.file,
        span=ctx.span(cls.name),
        steps=tuple(steps),
        description=docstring(cls.body),
        parameters=tuple(params),
        schedule=schedule,
        project=project,
        dialect=ctx.api.dialect,
    )
    return draft


def _maybe_parameter(ctx: Context, small: cst.BaseSmallStatement) -> Parameter | None:
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target: cst.BaseExpression = small.targets[0].target
        value: cst.BaseExpression | None = small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return None
    if not isinstance(value, cst.Call):
        return None
    api_name = ctx.api.resolve(value.func)
    if api_name not in ("Parameter", "IncludeFile"):
        return None
    if not isinstance(target, cst.Name):
        ctx.report(
            "FC405",
            target,
            f"{api_name} must be assigned to a plain class attribute",
            hint=f'name = {api_name}("name", ...)',
        )
        return None
    return parameter(ctx, target.value, value, api_name, target)


def _flow_decorators(ctx: Context, cls: cst.ClassDef) -> tuple[Schedule | None, str | None]:
    schedule = project = None
    seen: set[str] = set()
    for d in cls.decorators:
        api_name = ctx.api.resolve(d.decorator)
        if api_name in deco_mod.FLOW_DECORATORS:
            if api_name in seen:
                ctx.report("FC308", d, f"@{api_name} is given twice", hint="keep one")
                continue
            seen.add(api_name)
            parsed = deco_mod.parse_decorator(ctx, d, api_name)
            if parsed is None:
                continue
            if api_name == "schedule":
                schedule = deco_mod.flow_schedule(ctx, parsed)
            else:
                project = deco_mod.flow_project(ctx, parsed)
        elif api_name in deco_mod.STEP_DECORATORS or api_name == "step":
            ctx.report(
                "FC307",
                d,
                f"@{api_name} belongs on a step, not on the flow class",
                hint="move it onto the step methods it should apply to",
            )
        else:
            deco_mod.report_unknown(ctx, d, api_name, "the flow class")
    return schedule, project


def _step(ctx: Context, fn: cst.FunctionDef, draft: FlowDraft) -> Step | None:
    name = fn.name.value
    draft.name_spans[name] = ctx.span(fn.name)
    if fn.asynchronous is not None:
        ctx.report("FC112", fn.name, f"step '{name}' is async; steps are plain methods", hint="remove `async`")
    takes_inputs = _signature(ctx, fn)
    parsed: list[deco_mod.ParsedDecorator] = []
    seen: set[str] = set()
    for d in fn.decorators:
        api_name = ctx.api.resolve(d.decorator)
        if api_name == "step":
            continue
        if api_name in deco_mod.STEP_DECORATORS:
            if api_name in seen:
                ctx.report("FC308", d, f"@{api_name} is given twice on step '{name}'", hint="keep one")
                continue
            seen.add(api_name)
            p = deco_mod.parse_decorator(ctx, d, api_name)
            if p is not None:
                parsed.append(p)
        elif api_name in deco_mod.FLOW_DECORATORS:
            ctx.report(
                "FC307",
                d,
                f"@{api_name} belongs on the flow class, not on a step",
                hint="move it above `class ...(FlowSpec)`",
            )
        else:
            deco_mod.report_unknown(ctx, d, api_name, f"step '{name}'")
    decorators = deco_mod.step_decorators(ctx, parsed) if parsed else Decorators()
    trans = _transition(ctx, fn, name, draft)
    if trans is None:
        # Keep the step so references to it resolve; it simply has no edges.
        trans = (Transition.END if name == "end" else Transition.LINEAR, (), None, None, ())
    transition, successors, fvar, cond, cases = trans
    try:
        return Step(
            name=name,
            transition=transition,
            successors=successors,
            span=ctx.span(fn.name),
            description=docstring(fn.body),
            foreach_var=fvar,
            switch_condition=cond,
            switch_cases=cases,
            takes_inputs=takes_inputs,
            decorators=decorators,
        )
    except ValueError:
        return None


def _signature(ctx: Context, fn: cst.FunctionDef) -> bool:
    p = fn.params
    names = [x.name.value for x in p.params]
    extra = isinstance(p.star_arg, cst.Param)
    if (
        p.posonly_params
        or p.kwonly_params
        or p.star_kwarg
        or extra
        or not names
        or names[0] != "self"
        or len(names) > 2
        or any(x.default is not None for x in p.params)
    ):
        ctx.report(
            "FC112",
            fn.params if fn.params.params else fn.name,
            f"step '{fn.name.value}' must be `def {fn.name.value}(self)`, or "
            f"`def {fn.name.value}(self, inputs)` for a join",
            hint="steps take no other arguments; read values from self",
        )
    return len(names) == 2


class _NextFinder(cst.CSTVisitor):
    """All `self.next(...)` calls in a step body, and whether each sits inside an if/loop/try."""

    def __init__(self) -> None:
        self.calls: list[tuple[cst.Call, bool]] = []
        self._depth = 0

    def _enter(self, _node: cst.CSTNode) -> bool:
        self._depth += 1
        return True

    def _leave(self, _node: cst.CSTNode) -> None:
        self._depth -= 1

    visit_If = visit_For = visit_While = visit_Try = visit_With = visit_Match = _enter  # type: ignore[assignment]
    leave_If = leave_For = leave_While = leave_Try = leave_With = leave_Match = _leave  # type: ignore[assignment]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # a nested function's self.next is not this step's

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if _is_self_next(node):
            self.calls.append((node, self._depth > 0))


def _is_self_next(call: cst.Call) -> bool:
    f = call.func
    return (
        isinstance(f, cst.Attribute)
        and f.attr.value == "next"
        and isinstance(f.value, cst.Name)
        and f.value.value == "self"
    )


def _plain_next_call(stmt: cst.BaseStatement) -> cst.Call | None:
    """The call of a statement line that is exactly `self.next(...)` with plain arguments."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1):
        return None
    expr = stmt.body[0]
    if not (isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call) and _is_self_next(expr.value)):
        return None
    # Step references, strings, names or a dict of them hold no other call; anything else is visited.
    plain = (cst.Attribute, cst.SimpleString, cst.Dict, cst.Name)
    return expr.value if all(isinstance(a.value, plain) for a in expr.value.args) else None


Trans = tuple[Transition, tuple[str, ...], str | None, str | None, tuple[SwitchCase, ...]]


def _transition(ctx: Context, fn: cst.FunctionDef, name: str, draft: FlowDraft) -> Trans | None:
    finder = _NextFinder()
    for stmt in fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ():
        # Visiting every statement costs more than everything else on large flows; a statement
        # whose text never says "next" cannot hold a self.next call.
        direct = _plain_next_call(stmt)
        if direct is not None:
            finder.calls.append((direct, False))  # the common case, read without a visit
        elif ctx.mentions(stmt, "next"):
            stmt.visit(finder)
    calls = finder.calls
    if name == "end":
        for call, _ in calls:
            ctx.report(
                "FC103",
                call,
                "the end step cannot call self.next: the flow stops there",
                hint="remove this self.next, or rename the step if the flow goes on",
            )
        return (Transition.END, (), None, None, ()) if not calls else None
    if not calls:
        ctx.report(
            "FC102",
            fn.name,
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
    body = fn.body.body if isinstance(fn.body, cst.IndentedBlock) else ()
    last = body[-1] if body else None
    if not (
        isinstance(last, cst.SimpleStatementLine)
        and any(isinstance(s, cst.Expr) and s.value is call for s in last.body)
    ):
        ctx.report(
            "FC104",
            call,
            f"self.next must be the last statement of step '{name}'",
            hint="move the code after it above the self.next",
        )
        return None
    draft.next_spans[name] = ctx.span(call)
    return _next_args(ctx, call, name, draft)


def _target(ctx: Context, node: cst.BaseExpression, name: str, draft: FlowDraft) -> str | None:
    if isinstance(node, cst.Attribute) and isinstance(node.value, cst.Name) and node.value.value == "self":
        target = node.attr.value
        draft.refs.setdefault((name, target), ctx.span(node.attr))
        return target
    ctx.report(
        "FC105",
        node,
        f"self.next argument `{ctx.code(node)}` is not a step reference",
        hint="name steps directly: self.next(self.train), not a variable or expression",
    )
    return None


def _next_args(ctx: Context, call: cst.Call, name: str, draft: FlowDraft) -> Trans | None:
    kwargs = {a.keyword.value: a for a in call.args if a.keyword is not None}
    positional = [a for a in call.args if a.keyword is None]
    if any(a.star for a in call.args):
        ctx.report(
            "FC105",
            call,
            "self.next arguments cannot be unpacked with * or **",
            hint="list the steps: self.next(self.a, self.b)",
        )
        return None
    for k, a in kwargs.items():
        if k not in ("foreach", "condition"):
            ctx.report(
                "FC105",
                a.keyword or a,
                f"self.next has no argument '{k}'",
                hint="self.next takes steps, and foreach= or condition=",
            )
            return None
    if not positional:
        ctx.report("FC105", call, "self.next needs at least one step", hint="self.next(self.end)")
        return None
    # switch
    if "condition" in kwargs or isinstance(positional[0].value, cst.Dict):
        return _switch(ctx, call, name, draft, positional, kwargs)
    targets = []
    for a in positional:
        t = _target(ctx, a.value, name, draft)
        if t is None:
            return None
        if t in targets:
            ctx.report("FC105", a, f"step '{t}' is listed twice in self.next", hint="list each branch once")
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
        fvar = None
        if isinstance(fnode, (cst.Name, cst.SimpleString, cst.ConcatenatedString)):
            fvar = evaluate(fnode, ctx.constants)
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


def _switch(
    ctx: Context,
    call: cst.Call,
    name: str,
    draft: FlowDraft,
    positional: list[cst.Arg],
    kwargs: dict[str, cst.Arg],
) -> Trans | None:
    hint = 'self.next({"big": self.big, "small": self.small}, condition="size")'
    if len(positional) != 1 or not isinstance(positional[0].value, cst.Dict):
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
    d = positional[0].value
    assert isinstance(d, cst.Dict)
    for el in d.elements:
        if not isinstance(el, cst.DictElement):
            ctx.report("FC111", el, "switch cases must be written out", hint=hint)
            return None
        key = ctx.static(el.key, "FC111", "a switch case")
        if key is MISSING:
            return None
        if isinstance(key, bool) or not isinstance(key, (str, int)):
            ctx.report("FC111", el.key, f"switch case {key!r} must be a string", hint=hint)
            return None
        key = str(key)
        if key in {c.value for c in cases}:
            ctx.report("FC111", el.key, f"switch case {key!r} is listed twice", hint="give each case once")
            return None
        t = _target(ctx, el.value, name, draft)
        if t is None:
            return None
        cases.append(SwitchCase(key, t))
    if len(cases) < 2:
        ctx.report(
            "FC111",
            d,
            "a switch needs at least two cases",
            hint="with one case, write self.next(self.<step>)",
            severity=Severity.ERROR,
        )
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
