"""Views of a flow for people: a text outline, Mermaid (renders on GitHub) and Graphviz dot."""

from __future__ import annotations

import json

from flowc.ir import Flow, Step, Transition


def _label(s: Step) -> str:
    parts = [s.kind.value]
    if s.kind.value in ("start", "join") and s.transition is Transition.BRANCH:
        parts.append("branch")
    if s.transition is Transition.FOREACH:
        parts.append(f"foreach {s.foreach_var}")
    if s.transition is Transition.SWITCH:
        parts.append(f"switch on {s.switch_condition}")
    if s.join is not None:
        parts.append(f"joins {s.closes}")
    return ", ".join(parts)


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
        indent = "    " + "  " * len(s.split_scopes)
        arrow = ""
        if s.transition is Transition.SWITCH:
            arrow = " -> " + ", ".join(f"{c.value!r}: {c.step}" for c in s.switch_cases)
        elif s.successors:
            arrow = " -> " + ", ".join(s.successors)
        extra = _decos(s)
        lines.append(f"{indent}{s.name} [{_label(s)}]{arrow}" + (f"  ({'; '.join(extra)})" if extra else ""))
    return "\n".join(lines) + "\n"


def _mermaid_id(name: str) -> str:
    return "s_" + name


def mermaid(flow: Flow) -> str:
    lines = ["flowchart TD"]
    for s in flow.walk():
        text = f"{s.name}<br/><i>{_label(s)}</i>".replace('"', "#quot;")
        shape = (
            ("([", "])")
            if s.kind.value in ("start", "end")
            else ("{{", "}}")
            if s.transition is Transition.SWITCH
            else ("[", "]")
        )
        lines.append(f'    {_mermaid_id(s.name)}{shape[0]}"{text}"{shape[1]}')
    for s in flow.walk():
        for i, t in enumerate(s.successors):
            if s.transition is Transition.SWITCH:
                case = s.switch_cases[i].value.replace('"', "#quot;").replace("|", "#124;")
                lines.append(f'    {_mermaid_id(s.name)} -->|"{case}"| {_mermaid_id(t)}')
            elif s.transition is Transition.FOREACH:
                lines.append(f"    {_mermaid_id(s.name)} ==>|foreach| {_mermaid_id(t)}")
            else:
                lines.append(f"    {_mermaid_id(s.name)} --> {_mermaid_id(t)}")
    return "\n".join(lines) + "\n"


def dot(flow: Flow) -> str:
    def q(text: str) -> str:
        return json.dumps(text)  # a JSON string is a valid dot quoted string

    lines = [f"digraph {q(flow.name)} {{", "  rankdir=TB;", "  node [shape=box, style=rounded];"]
    for s in flow.walk():
        lines.append(f"  {q(s.name)} [label={q(s.name + chr(10) + _label(s))}];")
    for s in flow.walk():
        for i, t in enumerate(s.successors):
            attrs = ""
            if s.transition is Transition.SWITCH:
                attrs = f" [label={q(s.switch_cases[i].value)}]"
            elif s.transition is Transition.FOREACH:
                attrs = ' [style=bold, label="foreach"]'
            lines.append(f"  {q(s.name)} -> {q(t)}{attrs};")
    lines.append("}")
    return "\n".join(lines) + "\n"
