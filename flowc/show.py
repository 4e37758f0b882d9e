"""Views of a flow for people: a text outline, Mermaid (renders on GitHub) and Graphviz dot.

Every view draws the three kinds of edge apart: a plain `self.next`, a foreach fan-out, and a switch
case (labelled with its value). A case that goes back to a loop's header is a loop edge (dashed, with
a "↺"); the steps of each loop are boxed together (a Mermaid subgraph, a dot cluster) under the
loop's header and its iteration limit, and the outline marks loop headers and back edges.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from flowc.ir import Flow, Step, Transition


def _label(s: Step) -> str:
    parts = [s.kind.value]
    if s.kind.value in ("start", "join") and s.transition is Transition.BRANCH:
        parts.append("branch")
    if s.transition is Transition.FOREACH:
        parts.append(f"foreach {s.foreach_var}")
    if s.transition is Transition.SWITCH:
        if parts == ["switch"]:
            parts = [f"switch on {s.switch_condition}"]
        else:
            parts.append(f"switch on {s.switch_condition}")
    if s.join is not None:
        parts.append(f"joins {s.closes}")
    if s.loops and s.loops[-1] == s.name:
        parts.append("loop header")
    return ", ".join(parts)


def _loop_title(flow: Flow, header: str) -> str:
    limit = flow.step(header).decorators.max_iterations
    return f"loop {header}" + (f" (at most {limit} iterations)" if limit else "")


def _case_text(flow: Flow, s: Step, i: int) -> str:
    """A switch case as the outline writes it: `'value': step`, marked when it goes back."""
    case = s.switch_cases[i]
    back = " (loop back)" if flow.is_back_edge(s.name, case.step) else ""
    return f"{case.value!r}: {case.step}{back}"


def _decos(s: Step) -> list[str]:
    d = s.decorators
    out = []
    if d.retry:
        out.append(f"retry x{d.retry.times}")
    if d.catch:
        out.append(f"catch {d.catch.var}" if d.catch.var else "catch")
    if d.timeout_seconds:
        out.append(f"timeout {d.timeout_seconds}s")
    if d.resources:
        r = d.resources
        out.append(
            "resources "
            + " ".join(
                f"{k}={v}"
                for k, v in (("cpu", r.cpu), ("memory", r.memory), ("gpu", r.gpu), ("disk", r.disk))
                if v is not None
            )
        )
    if d.image:
        out.append(f"image {d.image}")
    if d.environment:
        out.append("env " + ",".join(k for k, _ in d.environment))
    if d.max_iterations:
        out.append(f"loop at most {d.max_iterations} iterations")
    return out


def outline(flow: Flow) -> str:
    lines = [f"{flow.name}" + (f"  ({flow.file})" if flow.file else "")]
    if flow.description:
        lines.append(f"  {flow.description.splitlines()[0]}")
    if flow.project:
        lines.append(f"  project: {flow.project}")
    if flow.schedule:
        sch = flow.schedule
        lines.append(f"  schedule: {sch.preset or sch.cron}" + (f" ({sch.timezone})" if sch.timezone else ""))
    if flow.parameters:
        lines.append("  parameters:")
        for p in flow.parameters:
            kind = "file" if p.include_file else p.type.value
            req = ", required" if p.required else ""
            lines.append(f"    {p.name}: {kind} = {json.dumps(p.default)}{req}" + (f"  # {p.help}" if p.help else ""))
    lines.append("  steps:")
    for s in flow.walk():
        indent = "    " + "  " * (len(s.split_scopes) + len(s.loops))
        arrow = ""
        if s.transition is Transition.SWITCH:
            arrow = " -> " + ", ".join(_case_text(flow, s, i) for i in range(len(s.switch_cases)))
        elif s.successors:
            arrow = " -> " + ", ".join(s.successors)
        extra = _decos(s)
        lines.append(f"{indent}{s.name} [{_label(s)}]{arrow}" + (f"  ({'; '.join(extra)})" if extra else ""))
    return "\n".join(lines) + "\n"


def _mermaid_id(name: str) -> str:
    return "s_" + name


def _loop_tree(flow: Flow) -> dict[tuple[str, ...], list[Step]]:
    """Steps by the loops that enclose them (outermost first), in walk order: how views nest boxes."""
    groups: dict[tuple[str, ...], list[Step]] = {}
    for s in flow.walk():
        groups.setdefault(s.loops, []).append(s)
    return groups


def _nested(
    flow: Flow,
    emit_node: Callable[[Step, int], None],
    open_box: Callable[[str, int], None],
    close_box: Callable[[int], None],
) -> None:
    """Emit every step, boxing each loop's steps (and inner loops) together, outermost first."""
    groups = _loop_tree(flow)
    keys = sorted({k[:i] for k in groups for i in range(len(k) + 1)}, key=lambda k: (len(k), k))

    def visit(key: tuple[str, ...], depth: int) -> None:
        for s in groups.get(key, []):
            emit_node(s, depth)
        for child in keys:
            if len(child) == len(key) + 1 and child[: len(key)] == key:
                open_box(child[-1], depth)
                visit(child, depth + 1)
                close_box(depth)

    visit((), 0)


def mermaid(flow: Flow) -> str:
    lines = ["flowchart TD"]

    def node(s: Step, depth: int) -> None:
        text = f"{s.name}<br/><i>{_label(s)}</i>".replace('"', "#quot;")
        shape = (
            ("([", "])")
            if s.kind.value in ("start", "end")
            else ("{{", "}}")
            if s.transition is Transition.SWITCH
            else ("[", "]")
        )
        lines.append(f'{"    " * (depth + 1)}{_mermaid_id(s.name)}{shape[0]}"{text}"{shape[1]}')

    def open_box(header: str, depth: int) -> None:
        title = _loop_title(flow, header).replace('"', "#quot;")
        lines.append(f'{"    " * (depth + 1)}subgraph loop_{header}["{title}"]')

    def close_box(depth: int) -> None:
        lines.append(f"{'    ' * (depth + 1)}end")

    _nested(flow, node, open_box, close_box)
    for s in flow.walk():
        for i, t in enumerate(s.successors):
            if s.transition is Transition.SWITCH:
                case = _mermaid_text(s.switch_cases[i].value)
                if flow.is_back_edge(s.name, t):
                    lines.append(f'    {_mermaid_id(s.name)} -.->|"{case} ↺"| {_mermaid_id(t)}')
                else:
                    lines.append(f'    {_mermaid_id(s.name)} -->|"{case}"| {_mermaid_id(t)}')
            elif s.transition is Transition.FOREACH:
                lines.append(f"    {_mermaid_id(s.name)} ==>|foreach| {_mermaid_id(t)}")
            else:
                lines.append(f"    {_mermaid_id(s.name)} --> {_mermaid_id(t)}")
    return "\n".join(lines) + "\n"


def dot(flow: Flow) -> str:
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid dot quoted string

    lines = [f"digraph {q(flow.name)} {{", "  rankdir=TB;", "  node [shape=box, style=rounded];"]

    def node(s: Step, depth: int) -> None:
        shape = ", shape=diamond" if s.transition is Transition.SWITCH else ""
        lines.append(f"{'  ' * (depth + 1)}{q(s.name)} [label={q(s.name + chr(10) + _label(s))}{shape}];")

    def open_box(header: str, depth: int) -> None:
        pad = "  " * (depth + 1)
        lines.append(f"{pad}subgraph {q('cluster_loop_' + header)} {{")
        lines.append(f"{pad}  label={q(_loop_title(flow, header))}; style=dashed;")

    def close_box(depth: int) -> None:
        lines.append(f"{'  ' * (depth + 1)}}}")

    _nested(flow, node, open_box, close_box)
    for s in flow.walk():
        for i, t in enumerate(s.successors):
            attrs = ""
            if s.transition is Transition.SWITCH:
                value = s.switch_cases[i].value
                if flow.is_back_edge(s.name, t):
                    # A back edge must not pull its header below the switch in the layout.
                    attrs = f" [label={q(value + ' ↺')}, style=dashed, constraint=false]"
                else:
                    attrs = f" [label={q(value)}, style=solid, arrowhead=empty]"
            elif s.transition is Transition.FOREACH:
                attrs = ' [style=bold, label="foreach"]'
            lines.append(f"  {q(s.name)} -> {q(t)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_text(value: str) -> str:
    """A case value as the text of a quoted Mermaid edge label. Mermaid reads labels as HTML, so
    `<`, `>` and `&` are written as its entity codes, like the quote and the edge's own `|`."""
    for char, code in (("#", "#35;"), ('"', "#quot;"), ("|", "#124;"), ("<", "#lt;"), (">", "#gt;"), ("&", "#amp;")):
        value = value.replace(char, code)
    return value
