"""The static analyzer: flow source text in, draft IR and diagnostics out.

Python's own compiler judges the file first (`syntax`); the analyzer then reads CPython's `ast` and
never imports or executes the user's module: a flow whose imports are not installed, or whose
module-level code has side effects, is read exactly like a clean one. The stages, each a module:

    syntax       Python's verdict (in a worker process), then the syntax tree
    positions    ast positions as the spans diagnostics show
    imports      which names are flowc's (or Metaflow's) API
    static       values known without running anything (literals, module constants)
    flowclass    one flow class: steps, parameters, flow decorators
    transitions  what each step's self.next says
    decorators   step and flow decorators, checked
    params       Parameter and IncludeFile
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
from flowc.analyzer.flowclass import FlowDraft, analyze_class, is_flow_class
from flowc.analyzer.imports import collect
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
) -> SourceAnalysis:
    """Analyse `source`. By default one flow class is picked: `flow_name`, else the one the file runs
    under `__main__`, else the first. With `all_flows`, every flow class is analysed. `configs` are
    config values given on the command line (flowc.user_configs)."""
    with _no_gc():
        return _analyze(file, source, flow_name, all_flows, require_flow, configs)


def _analyze(
    file: str, source: str, flow_name: str | None, all_flows: bool, require_flow: bool, configs: ConfigInputs | None
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
    classes = [s for s in module.body if isinstance(s, ast.ClassDef) and is_flow_class(ctx, s)]
    out.flow_names = [c.name for c in classes]
    if not classes:
        if require_flow:
            ctx.report(
                "FC002",
                None,
                "no flow class found",
                hint="define `class MyFlow(FlowSpec):` with `from flowc import FlowSpec, step`",
            )
        out.diagnostics = ctx.diagnostics
        return out
    if flow_name is not None:
        chosen = [c for c in classes if c.name == flow_name]
        if not chosen:
            ctx.report(
                "FC003",
                None,
                f"no flow class named '{flow_name}'",
                hint=f"flows in this file: {', '.join(out.flow_names)}",
            )
    elif all_flows:
        chosen = classes
    else:
        main = _main_instantiation(text, module)
        chosen = [c for c in classes if c.name == main][:1] or classes[:1]
    for cls in chosen:
        draft = analyze_class(ctx, cls)
        if draft is not None:
            out.drafts.append(draft)
    out.diagnostics = ctx.diagnostics
    return out
