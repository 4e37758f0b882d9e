"""The static analyzer: flow source text in, draft IR and diagnostics out.

Python's own compiler judges the file first (`syntax`); the analyzer then reads CPython's `ast` and
never imports or executes the user's module: a flow whose imports are not installed, or whose
module-level code has side effects, is read exactly like a clean one. The stages, each a module:

    syntax       Python's verdict (in a worker process), then the syntax tree
    positions    ast positions as the spans diagnostics show
    imports      which names are flowc's (or Metaflow's) API
    static       values known without running anything (literals, module constants)
    lineage      a flow class's bases, read from source (same file or the flow's package)
    flowclass    one flow class with what it inherits: steps, parameters, flow decorators
    ends         the entry and exit steps (`start`/`end`, or `@step(start=True)`/`@step(end=True)`)
    transitions  what each step's self.next says
    decorators   step and flow decorators, checked (not_applied: arguments accepted, not applied)
    params       Parameter and IncludeFile (beside: defaults named by a script_path-style helper)
    reserved     names Metaflow reserves, and flow attributes a step may not assign
    current_use  reads of `current` attributes flowc does not provide
    configs      Config: declarations, their values, their use in static values
    standin      names imported from metaflow that flowc's stand-in lacks
"""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flowc.analyzer import standin, syntax
from flowc.analyzer.context import Context
from flowc.analyzer.flowclass import FlowDraft, analyze_class
from flowc.analyzer.imports import collect
from flowc.analyzer.lineage import Cls, Resolver
from flowc.analyzer.positions import SourceText
from flowc.analyzer.static import module_constants
from flowc.diagnostics import Diagnostic
from flowc.user_configs import ConfigInputs


@dataclass
class SourceAnalysis:
    """Every flow class found in one file (or the one asked for), with the file's diagnostics."""

    drafts: list[FlowDraft] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Names of all flow classes in the file, whichever were analysed.
    flow_names: list[str] = field(default_factory=list)
    # (file, class) of every class the analysed flows derive from, in this file or another.
    bases: set[tuple[str, str]] = field(default_factory=set)


@contextmanager
def _no_gc() -> Iterator[None]:
    """A syntax tree holds no reference cycles, but building 100,000s of nodes sets off the cyclic
    garbage collector again and again (half the time of a large parse): pause it meanwhile."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _main_instantiation(text: SourceText, module: ast.Module) -> str | None:
    """The class called in `if __name__ == "__main__": X()`, Metaflow's convention for the flow."""
    for stmt in module.body:
        if isinstance(stmt, ast.If) and "__main__" in text.segment(stmt.test):
            for sub in stmt.body:
                call = sub.value if isinstance(sub, ast.Expr) else None
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
                    return call.func.id
    return None


def analyze_source(
    file: str,
    source: str,
    flow_name: str | None = None,
    all_flows: bool = False,
    require_flow: bool = True,
    configs: ConfigInputs | None = None,
    not_flows: frozenset[str] = frozenset(),
) -> SourceAnalysis:
    """Analyse `source`. By default one flow class is picked: `flow_name`, else the one the file runs
    under `__main__`, else the first. With `all_flows`, every flow class is analysed except bases:
    those another class of the file derives from, and `not_flows` (bases of flows in other files).
    `configs` are config values given on the command line (flowc.user_configs)."""
    with _no_gc():
        return _analyze(file, source, flow_name, all_flows, require_flow, configs, not_flows)


def _analyze(
    file: str,
    source: str,
    flow_name: str | None,
    all_flows: bool,
    require_flow: bool,
    configs: ConfigInputs | None,
    not_flows: frozenset[str] = frozenset(),
) -> SourceAnalysis:
    out = SourceAnalysis()
    size = len(source.encode("utf-8", "surrogatepass"))
    if size > syntax.MAX_SOURCE_BYTES:
        out.diagnostics.append(syntax.too_large(file, size))
        return out
    text = SourceText(source)
    module, err = syntax.parse(file, source, text.lines)
    if module is None:
        assert err is not None
        out.diagnostics.append(err)
        return out
    ctx = Context(
        file=file,
        module=module,
        text=text,
        api=collect(module),
        constants=module_constants(module),
        config_inputs=configs,
    )
    if "metaflow" in source:
        standin.check(ctx)
    resolver = Resolver(ctx)
    classes = resolver.flow_classes()
    out.flow_names = [c.name for c in classes]
    # A class another flow class of the file derives from is a base, not a flow of its own: it need
    # not be complete (a subclass may add the steps it lacks).
    bases = {b.key for c in classes for b in resolver.lineage(Cls(ctx, c))[1:]}
    leaves = [c for c in classes if (ctx.file, c.name) not in bases and c.name not in not_flows]
    if not classes:
        _no_flow(ctx, resolver, flow_name, _main_instantiation(text, module), require_flow)
        out.diagnostics = ctx.diagnostics
        return out
    if flow_name is not None:
        chosen = [c for c in classes if c.name == flow_name]
        if not chosen and not _unreadable(ctx, resolver, flow_name):
            ctx.report(
                "FC003",
                None,
                f"no flow class named '{flow_name}'",
                hint=f"flows in this file: {', '.join(out.flow_names)}",
            )
    elif all_flows:
        chosen = leaves
    else:
        main = _main_instantiation(text, module)
        chosen = [c for c in classes if c.name == main][:1] or leaves[:1]
    for cls in chosen:
        c = Cls(ctx, cls)
        for where, base, why in resolver.unreadable_bases(c):
            _report_unreadable(where.ctx, where.node, base, why)
        for where, base, why, hint in resolver.unimportable_bases(c):
            where.ctx.report(
                "FC117",
                base,
                f"base class `{where.ctx.code(base)}` of '{where.node.name}' could not be imported by a task: {why}",
                hint=hint,
            )
        lineage = resolver.lineage(c)
        out.bases.update(b.key for b in lineage[1:])
        draft = analyze_class(ctx, cls, lineage)
        if draft is not None:
            out.drafts.append(draft)
    out.diagnostics = ctx.diagnostics
    return out


def _report_unreadable(ctx: Context, cls: ast.ClassDef, base: ast.expr, why: str) -> None:
    ctx.report(
        "FC114",
        base,
        f"base class `{ctx.code(base)}` of '{cls.name}' cannot be read: {why}",
        hint="define the base in this file or in a module of the flow's folder "
        "(from base import Base); flowc reads bases from source, never by importing them",
    )


def _unreadable(ctx: Context, resolver: Resolver, name: str | None) -> bool:
    """Report the unreadable bases of the file's class `name`, if it has any (True when it did)."""
    cls = next((s for s in ctx.module.body if isinstance(s, ast.ClassDef) and s.name == name), None)
    if cls is None:
        return False
    found = resolver.unreadable_bases(Cls(ctx, cls))
    for where, base, why in found:
        _report_unreadable(where.ctx, where.node, base, why)
    return bool(found)


def _no_flow(ctx: Context, resolver: Resolver, flow_name: str | None, main: str | None, require_flow: bool) -> None:
    # The class asked for, or the one the file runs, or a class with steps, may be a flow whose bases
    # flowc cannot read.
    named = flow_name or main
    if named is not None:
        if _unreadable(ctx, resolver, named):
            return
    else:
        with_steps = [
            c.name
            for c in ctx.module.body
            if isinstance(c, ast.ClassDef)
            and any(
                isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                and any(ctx.api.resolve(d) == "step" for d in f.decorator_list)
                for f in c.body
            )
        ]
        if [name for name in with_steps if _unreadable(ctx, resolver, name)]:
            return
    if require_flow:
        ctx.report(
            "FC002",
            None,
            "no flow class found",
            hint="define `class MyFlow(FlowSpec):` with `from flowc import FlowSpec, step`",
        )
