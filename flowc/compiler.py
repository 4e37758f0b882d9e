"""The pipeline, stage by stage: read → analyse (Python's compiler, then `ast`) → check → lower (a
target) → files.

`analyze` and `compile_flow` are the library's entry points; they never raise for a mistake in the
user's flow: problems come back as diagnostics.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow, Span

if TYPE_CHECKING:  # `check` and `run` never need the targets' registry
    from flowc.target_api import TargetRegistry, TargetResult
    from flowc.user_configs import ConfigInputs


@dataclass
class Analysis:
    file: str
    source: str
    flow: Flow | None = None
    # every checked flow in the file (with all_flows=True), for `flowc check`
    flows: list[Flow] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    flow_names: list[str] = field(default_factory=list)
    # (file, class) of every class the analysed flows derive from, in this file or another
    bases: set[tuple[str, str]] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def read_source(path: str | Path) -> tuple[str | None, Diagnostic | None]:
    from flowc.analyzer.syntax import MAX_SOURCE_BYTES, too_large

    try:
        with open(path, "rb") as fh:
            # One byte past the limit is enough to know the file is too large to read whole.
            data = fh.read(MAX_SOURCE_BYTES + 1)
            if len(data) > MAX_SOURCE_BYTES:
                return None, too_large(str(path), os.fstat(fh.fileno()).st_size)
    except OSError as exc:
        return None, Diagnostic(
            "FC004", f"cannot read the file: {exc.strerror or exc}", str(path), hint="check the path and permissions"
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before) - (before.rfind(b"\n") + 1) + 1
        return None, Diagnostic(
            "FC004",
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
            str(path),
            Span(line, col, line, col + 1),
            hint="save the flow as UTF-8 (Python's default source encoding)",
        )


def analyze(
    path: str | Path,
    flow_name: str | None = None,
    source: str | None = None,
    all_flows: bool = False,
    require_flow: bool = True,
    configs: ConfigInputs | None = None,
    not_flows: frozenset[str] = frozenset(),
) -> Analysis:
    """Read, analyse and check one file. `flow` is set only when there is no error. `configs`: config
    values from the command line (`--config` / `--config-value`); the flow's `Flow.configs` holds
    the values chosen. `not_flows`: classes of the file that flows of other files derive from, which
    `all_flows` leaves out (an incomplete base is not a broken flow)."""
    from flowc.analyzer import analyze_source
    from flowc.checks import run_checks

    file = str(path)
    if source is None:
        source, err = read_source(path)
        if source is None:
            assert err is not None
            return Analysis(file, "", diagnostics=[err])
    result = Analysis(file, source)
    try:
        sa = analyze_source(
            file,
            source,
            flow_name,
            all_flows=all_flows,
            require_flow=require_flow,
            configs=configs,
            not_flows=not_flows,
        )
    except RecursionError:  # no reader of flowc's recurses with the source's depth; kept as a net
        result.diagnostics.append(Diagnostic("FC005", "the source is too deeply nested to analyse", file))
        return result
    result.flow_names = sa.flow_names
    result.bases = sa.bases
    diags = list(sa.diagnostics)
    for draft in sa.drafts:
        flow, found = run_checks(draft)
        diags.extend(draft.refile(found))
        result.flows.append(flow)
    result.diagnostics = sorted(set(diags), key=lambda d: d.sort_key)
    if result.ok and result.flows:
        result.flow = result.flows[0]
    return result


@dataclass
class CompileResult:
    analysis: Analysis
    output: TargetResult | None = None

    @property
    def diagnostics(self) -> list[Diagnostic]:
        extra = list(self.output.diagnostics) if self.output else []
        return self.analysis.diagnostics + extra

    @property
    def ok(self) -> bool:
        return self.output is not None and not any(d.severity is Severity.ERROR for d in self.diagnostics)

    @property
    def files(self) -> tuple[Any, ...]:
        return self.output.files if self.output else ()


def compile_flow(
    path: str | Path,
    target: str,
    options: Mapping[str, Any] | None = None,
    flow_name: str | None = None,
    registry: TargetRegistry | None = None,
    configs: ConfigInputs | None = None,
) -> CompileResult:
    """analyse → check → lower with `target`. Raises KeyError for an unknown target name."""
    from flowc.target_api import default_registry

    analysis = analyze(path, flow_name, configs=configs)
    backend = (registry or default_registry()).get(target)
    if analysis.flow is None:
        return CompileResult(analysis)
    opts = {o.dest: o.default for o in backend.options()}
    opts.update(options or {})
    return CompileResult(analysis, backend.compile(analysis.flow, opts))
