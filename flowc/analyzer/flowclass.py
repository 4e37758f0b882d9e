"""One flow class: its steps, their transitions and decorators, its parameters and flow decorators.

The result is a draft: a `Flow` whose steps do not yet know which split a join closes or which
foreach scopes enclose them. `flowc.checks` checks the graph and fills those in. What a step's
`self.next(...)` says is read by `flowc.analyzer.transitions`.
"""

from __future__ import annotations

import ast
import inspect

from flowc.analyzer import configs as configs_mod
from flowc.analyzer import decorators as deco_mod
from flowc.analyzer import reserved
from flowc.analyzer.context import Context
from flowc.analyzer.current_use import check_current
from flowc.analyzer.draft import FlowDraft
from flowc.analyzer.ends import Ends, find_ends
from flowc.analyzer.lineage import Cls
from flowc.analyzer.params import parameter
from flowc.analyzer.transitions import transition
from flowc.analyzer.unset_names import check_unset
from flowc.ir import Decorators, Flow, Parameter, Schedule, Span, Step, Transition

__all__ = ["RESERVED", "FlowDraft", "analyze_class", "docstring"]

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


def docstring(body: list[ast.stmt]) -> str:
    """The cleaned docstring of a class or function body, or ""."""
    first = body[0] if body else None
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return inspect.cleandoc(first.value.value)
    return ""


def _bound(stmt: ast.stmt) -> list[str]:
    """The class attribute names a statement of a class body binds."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    targets: list[ast.expr] = []
    if isinstance(stmt, ast.Assign):
        targets = list(stmt.targets)
    elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and getattr(stmt, "value", None) is not None:
        targets = [stmt.target]
    out = []
    for t in targets:
        for node in ast.walk(t):
            if isinstance(node, ast.Name):
                out.append(node.id)
    return out


def _is_step(ctx: Context, fn: ast.stmt) -> bool:
    return isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
        ctx.api.resolve(d) == "step" for d in fn.decorator_list
    )


def analyze_class(ctx: Context, cls: ast.ClassDef, lineage: list[Cls] | None = None) -> FlowDraft | None:
    """The draft of the flow `cls`, with what it inherits from the classes of `lineage` (the class
    and its readable bases in Python's lookup order; by default the class alone)."""
    lineage = lineage or [Cls(ctx, cls)]
    name = cls.name
    flow_span = ctx.text.name_span(cls)
    draft = FlowDraft(flow=Flow(name=name, file=ctx.file, span=flow_span, steps=()))
    # The step methods that count: a name's definition in the class Python would look it up in first.
    taken: set[str] = set()
    step_fns: list[tuple[int, Context, ast.FunctionDef | ast.AsyncFunctionDef]] = []
    param_stmts: list[tuple[int, Context, ast.stmt]] = []
    for rank, c in enumerate(lineage):
        bound: set[str] = set()
        for stmt in c.node.body:
            names = _bound(stmt)
            bound.update(names)
            if any(n in taken for n in names):
                continue
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if _is_step(c.ctx, stmt):
                    step_fns.append((rank, c.ctx, stmt))
                else:
                    draft.methods.setdefault(stmt.name, c.ctx.text.name_span(stmt))
            else:
                param_stmts.append((rank, c.ctx, stmt))
        taken |= bound
    # Bases' steps first, each class in source order: the order ties break in.
    step_fns.sort(key=lambda t: -t[0])
    param_stmts.sort(key=lambda t: -t[0])
    # Configs first: decorator arguments (and @step's) may read them.
    config_scope = configs_mod.begin(ctx, cls, [(c, stmt) for _, c, stmt in param_stmts], [c.ctx for c in lineage])
    ends = find_ends(ctx, flow_span, [(c, fn) for _, c, fn in step_fns])
    steps: list[Step] = []
    params: list[Parameter] = []
    ctx_of: dict[str, Context] = {}  # the file each parameter is declared in
    seen_steps: dict[str, Span] = {}
    ctx_of_step: dict[str, Context] = {}  # the file each step is written in
    for _, sctx, fn in step_fns:
        s = _step(sctx, fn, draft, ends)
        if s is None:
            continue
        draft.note_spans(s.name, sctx.file, s.span)
        if s.name in seen_steps:
            first = seen_steps[s.name]
            sctx.report(
                "FC108",
                s.span,
                f"step '{s.name}' is defined twice (first at line {first.line})",
                hint="rename one of them; Python would silently keep only the last",
            )
            continue
        seen_steps[s.name] = s.span
        ctx_of_step[s.name] = sctx
        steps.append(s)
    for _, pctx, stmt in param_stmts:
        p = _maybe_parameter(pctx, stmt)
        if p is None:
            continue
        # Case-insensitive as in Metaflow: its command line (and its client) treat `Alpha` and `alpha`
        # as one parameter, so a Metaflow flow with both is refused there and must be here.
        earlier = next((q for q in params if q.name.lower() == p.name.lower()), None)
        if earlier is not None:
            same = earlier.name == p.name
            pctx.report(
                "FC401",
                p.span,
                f"parameter '{p.name}' is declared twice (first at line {earlier.span.line})"
                if same
                else f"parameter '{p.name}' differs from '{earlier.name}' (line {earlier.span.line}) only in case: "
                "parameter names are case-insensitive",
                hint="give each parameter its own name",
            )
            continue
        if p.attr in {q.attr for q in params}:
            pctx.report(
                "FC401",
                p.span,
                f"attribute '{p.attr}' holds two parameters",
                hint="give each parameter its own attribute",
            )
            continue
        params.append(p)
        ctx_of[p.name] = pctx
    step_names = {s.name for s in steps}
    for p in list(params):
        if p.name in reserved.PARAMETER_NAMES:
            ctx_of[p.name].report(
                "FC402",
                p.span,
                reserved.reserved_parameter_message(p.name),
                hint="use a different name for the parameter (the attribute may keep its name)",
            )
            params.remove(p)
            continue
        clash = next((n for n in (p.name, p.attr) if n in step_names or n in RESERVED or n.startswith("_")), None)
        if clash is not None:
            why = "a step" if clash in step_names else "used by flowc itself"
            ctx_of[p.name].report(
                "FC402",
                p.span,
                f"parameter name '{clash}' is reserved: it is {why}",
                hint="rename the parameter",
            )
            params.remove(p)
    for s in steps:
        sctx = ctx_of_step[s.name]
        if s.name in RESERVED:
            sctx.report(
                "FC402",
                draft.name_spans[s.name],
                f"'{s.name}' cannot be a step name: flowc uses it",
                hint="rename the step",
            )
        if s.decorators.catch and s.decorators.catch.var:
            var = s.decorators.catch.var
            if var in RESERVED or var in step_names or var in {p.attr for p in params}:
                sctx.report(
                    "FC402",
                    draft.name_spans[s.name],
                    f"@catch(var='{var}') on step '{s.name}' would overwrite a name already in use",
                    hint="pick another var name",
                )
    reserved.check_assignments(
        [(c, fn) for _, c, fn in step_fns],
        {p.attr for p in params},
        reserved.class_constants([(c, stmt) for _, c, stmt in param_stmts], {p.attr for p in params}),
    )
    check_current([(c, fn) for _, c, fn in step_fns])
    by_name = {s.name: s for s in steps}
    check_unset(
        [
            (c, fn, by_name[fn.name].foreach_var, by_name[fn.name].switch_condition)
            for _, c, fn in step_fns
            if fn.name in by_name
        ],
        [c.ctx for c in lineage],
        {p.attr for p in params}
        | {s.decorators.catch.var for s in steps if s.decorators.catch and s.decorators.catch.var}
        | {n for c in lineage for stmt in c.node.body for n in _bound(stmt)},
    )
    if config_scope is not None:
        config_scope.class_scope = False
    schedule, project, packages = _flow_decorators(lineage)
    configs_mod.end([ctx, *(c.ctx for c in lineage)])
    draft.flow = Flow(
        name=name,
        file=ctx.file,
        span=flow_span,
        steps=tuple(steps),
        description=docstring(cls.body),
        parameters=tuple(params),
        schedule=schedule,
        project=project,
        dialect=ctx.api.dialect,
        packages=packages,
        configs=config_scope.flow_configs() if config_scope is not None else (),
    )
    return draft


def _maybe_parameter(ctx: Context, stmt: ast.stmt) -> Parameter | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target: ast.expr = stmt.targets[0]
        value: ast.expr | None = stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    if not isinstance(value, ast.Call):
        return None
    api_name = ctx.api.resolve(value.func)
    if api_name not in ("Parameter", "IncludeFile"):
        return None
    if not isinstance(target, ast.Name):
        ctx.report(
            "FC405",
            target,
            f"{api_name} must be assigned to a plain class attribute",
            hint=f'name = {api_name}("name", ...)',
        )
        return None
    return parameter(ctx, target.id, value, api_name, target)


def _flow_decorators(lineage: list[Cls]) -> tuple[Schedule | None, str | None, tuple[str, ...]]:
    """The flow decorators of the class, and those of its bases it does not give itself."""
    schedule = project = None
    packages: list[str] = []
    inherited: set[str] = set()
    for c in lineage:
        mine = _class_decorators(c.ctx, c.node, inherited)
        for api_name, parsed in mine:
            if api_name == "schedule":
                schedule = deco_mod.flow_schedule(c.ctx, parsed)
            elif api_name in deco_mod.PACKAGE_DECORATORS:
                packages += deco_mod.package_requirements(c.ctx, parsed)
            else:
                project = deco_mod.flow_project(c.ctx, parsed)
        inherited |= {a for a, _ in mine}
    return schedule, project, tuple(sorted(set(packages)))


def _class_decorators(
    ctx: Context, cls: ast.ClassDef, overridden: set[str]
) -> list[tuple[str, deco_mod.ParsedDecorator]]:
    """The flow decorators written on one class, parsed, leaving out those a subclass gives again."""
    out: list[tuple[str, deco_mod.ParsedDecorator]] = []
    seen: set[str] = set()
    for d in cls.decorator_list:
        api_name = ctx.api.resolve(d)
        if api_name in deco_mod.FLOW_DECORATORS:
            if api_name in seen:
                ctx.report("FC308", ctx.text.decorator_span(d), f"@{api_name} is given twice", hint="keep one")
                continue
            seen.add(api_name)
            if api_name in overridden:
                continue
            parsed = deco_mod.parse_decorator(ctx, d, api_name)
            if parsed is not None:
                out.append((api_name, parsed))
        elif api_name in deco_mod.STEP_DECORATORS or api_name == "step":
            ctx.report(
                "FC307",
                ctx.text.decorator_span(d),
                f"@{api_name} belongs on a step, not on the flow class",
                hint="move it onto the step methods it should apply to",
            )
        else:
            deco_mod.report_unknown(ctx, d, api_name, "the flow class")
    return out


def _step(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, draft: FlowDraft, ends: Ends) -> Step | None:
    name = fn.name
    name_span = ctx.text.name_span(fn)
    draft.name_spans[name] = name_span
    if isinstance(fn, ast.AsyncFunctionDef):
        ctx.report("FC112", name_span, f"step '{name}' is async; steps are plain methods", hint="remove `async`")
    takes_inputs = _signature(ctx, fn, name_span)
    parsed: list[deco_mod.ParsedDecorator] = []
    seen: set[str] = set()
    for d in fn.decorator_list:
        api_name = ctx.api.resolve(d)
        if api_name == "step":
            continue
        if api_name in deco_mod.STEP_DECORATORS:
            if api_name in seen:
                ctx.report(
                    "FC308",
                    ctx.text.decorator_span(d),
                    f"@{api_name} is given twice on step '{name}'",
                    hint="keep one",
                )
                continue
            seen.add(api_name)
            p = deco_mod.parse_decorator(ctx, d, api_name)
            if p is not None:
                parsed.append(p)
        elif api_name in deco_mod.FLOW_DECORATORS:
            ctx.report(
                "FC307",
                ctx.text.decorator_span(d),
                f"@{api_name} belongs on the flow class, not on a step",
                hint="move it above `class ...(FlowSpec)`",
            )
        else:
            deco_mod.report_unknown(ctx, d, api_name, f"step '{name}'")
    decorators = deco_mod.step_decorators(ctx, parsed) if parsed else Decorators()
    is_end = name == ends.end
    trans = transition(ctx, fn, name_span, draft, is_end=is_end)
    if trans is None:
        # Keep the step so references to it resolve; it simply has no edges.
        trans = (Transition.END if is_end else Transition.LINEAR, (), None, None, ())
    kind, successors, fvar, cond, cases = trans
    try:
        return Step(
            name=name,
            transition=kind,
            successors=successors,
            span=name_span,
            description=docstring(fn.body),
            foreach_var=fvar,
            switch_condition=cond,
            switch_cases=cases,
            takes_inputs=takes_inputs,
            decorators=decorators,
            # Only a start step of another name needs the mark (the IR of other flows stays as it was).
            entry=name == ends.start and name != "start",
        )
    except ValueError:
        return None


def _signature(ctx: Context, fn: ast.FunctionDef | ast.AsyncFunctionDef, name_span: Span) -> bool:
    p = fn.args
    names = [x.arg for x in p.args]
    if (
        p.posonlyargs
        or p.kwonlyargs
        or p.kwarg
        or p.vararg
        or not names
        or names[0] != "self"
        or len(names) > 2
        or p.defaults
    ):
        where = ctx.text.parameters_span(p) if p.args else None
        ctx.report(
            "FC112",
            where or name_span,
            f"step '{fn.name}' must be `def {fn.name}(self)`, or `def {fn.name}(self, inputs)` for a join",
            hint="steps take no other arguments; read values from self",
        )
    return len(names) == 2
