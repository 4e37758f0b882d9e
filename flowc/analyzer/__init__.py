"""The static analyzer: flow source text in, draft IR and diagnostics out.

It parses with LibCST and never imports or executes the user's module: a flow whose imports are not
installed, or whose module-level code has side effects, is read exactly like a clean one.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from flowc.analyzer.context import Context
from flowc.analyzer.flowclass import FlowDraft, analyze_class, is_flow_class
from flowc.analyzer.imports import collect
from flowc.analyzer.static import module_constants
from flowc.diagnostics import Diagnostic
from flowc.ir import Span


@dataclass
class SourceAnalysis:
    """Every flow class found in one file (or the one asked for), with the file's diagnostics."""

    drafts: list[FlowDraft] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Names of all flow classes in the file, whichever were analysed.
    flow_names: list[str] = field(default_factory=list)
    ctx: Context | None = None


def parse(file: str, source: str) -> tuple[cst.Module | None, Diagnostic | None]:
    try:
        return cst.parse_module(source), None
    except (RecursionError, MemoryError):
        return None, Diagnostic(
            "FC001", "the source is too deeply nested to parse", file, None, hint="flatten the deepest expression"
        )
    except Exception as exc:  # ParserSyntaxError, or LibCST's validation of the tree it built
        return None, _syntax_diagnostic(file, source, exc)


def _syntax_diagnostic(file: str, source: str, exc: Exception) -> Diagnostic:
    """Where and what the syntax error is. CPython's parser names the mistake where it is made
    ("expected ':'"), while LibCST reports the token after it, so ask `ast.parse` (which only parses:
    nothing runs) first and fall back on LibCST's account."""
    hint = "fix the Python syntax first; nothing else can be checked until then"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source, filename=file)
    except SyntaxError as err:
        line = max(err.lineno or 1, 1)
        col = max(err.offset or 1, 1)
        end_col = err.end_offset if err.end_lineno == err.lineno and err.end_offset else col + 1
        return Diagnostic(
            "FC001", f"syntax error: {err.msg}", file, Span(line, col, line, max(end_col, col + 1)), hint=hint
        )
    except (ValueError, RecursionError, MemoryError):
        pass
    if isinstance(exc, cst.ParserSyntaxError):
        line, col = max(exc.raw_line, 1), max(exc.raw_column, 0) + 1
        message = exc.message.splitlines()[0] if exc.message else "invalid syntax"
        return Diagnostic("FC001", f"syntax error: {message}", file, Span(line, col, line, col + 1), hint=hint)
    return Diagnostic("FC001", f"syntax error: {exc}", file, Span(1, 1, 1, 2), hint=hint)


def _positions(module: cst.Module) -> Mapping[cst.CSTNode, CodeRange]:
    """Every node's position, from LibCST's PositionProvider.

    `MetadataWrapper.resolve` also walks the whole tree once for "batchable" providers even when none
    is asked for (LibCST 1.x), which doubles the cost on large flows; the provider is asked directly
    when that works, through the public path otherwise. The module is ours alone, so the defensive
    deep copy MetadataWrapper makes is skipped.
    """
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    gen = getattr(PositionProvider(), "_gen", None)
    if gen is not None:
        try:
            return cast("Mapping[cst.CSTNode, CodeRange]", gen(wrapper))
        except Exception:  # a LibCST whose internals moved: fall back on the public API
            pass
    return wrapper.resolve(PositionProvider)


def _main_instantiation(module: cst.Module) -> str | None:
    """The class called in `if __name__ == "__main__": X()`, Metaflow's convention for the flow."""
    for stmt in module.body:
        if isinstance(stmt, cst.If) and "__main__" in cst.Module([]).code_for_node(stmt.test):
            for sub in stmt.body.body if isinstance(stmt.body, cst.IndentedBlock) else ():
                if isinstance(sub, cst.SimpleStatementLine):
                    for small in sub.body:
                        if (
                            isinstance(small, cst.Expr)
                            and isinstance(small.value, cst.Call)
                            and isinstance(small.value.func, cst.Name)
                        ):
                            return small.value.func.value
    return None


def analyze_source(
    file: str, source: str, flow_name: str | None = None, all_flows: bool = False, require_flow: bool = True
) -> SourceAnalysis:
    """Analyse `source`. By default one flow class is picked: `flow_name`, else the one the file runs
    under `__main__`, else the first. With `all_flows`, every flow class is analysed."""
    out = SourceAnalysis()
    module, err = parse(file, source)
    if module is None:
        assert err is not None
        out.diagnostics.append(err)
        return out
    # The module is ours alone, so the defensive deep copy MetadataWrapper makes is not needed.
    positions = _positions(module)
    ctx = Context(
        file=file,
        module=module,
        positions=positions,
        api=collect(module),
        constants=module_constants(module),
        lines=source.splitlines(),
    )
    out.ctx = ctx
    classes = [s for s in module.body if isinstance(s, cst.ClassDef) and is_flow_class(ctx, s)]
    out.flow_names = [c.name.value for c in classes]
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
        chosen = [c for c in classes if c.name.value == flow_name]
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
        main = _main_instantiation(module)
        chosen = [c for c in classes if c.name.value == main][:1] or classes[:1]
    for cls in chosen:
        draft = analyze_class(ctx, cls)
        if draft is not None:
            out.drafts.append(draft)
    out.diagnostics = ctx.diagnostics
    return out
