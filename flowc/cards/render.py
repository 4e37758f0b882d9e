"""The default card's HTML: built from the task's manifest, its artifacts and the IR; every value
escaped; inline CSS and SVG only, so the file reads the same from disk, an S3 download or an email."""

from __future__ import annotations

import reprlib
from collections.abc import Mapping
from datetime import datetime, timezone
from html import escape
from typing import Any

from flowc.cards.dag import svg
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow

# Artifacts larger than this (pickled) are listed, not loaded: a card must not cost a task much.
MAX_VALUE_BYTES = 1024 * 1024
_REPR_WIDTH = 300

_CSS = """
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg);
  background: #f9fafb; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
header { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; margin-bottom: 16px; }
h1 { font-size: 20px; margin: 0; }
h2 { font-size: 15px; margin: 0 0 8px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.crumbs { color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.chip { padding: 2px 10px; border-radius: 999px; font-size: 12px; font-weight: 600; }
.ok { background: #dcfce7; color: #166534; } .caught { background: #fef3c7; color: #92400e; }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid var(--line); }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.name { width: 1%; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; color: var(--muted); }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 12px/1.4 ui-monospace, Menlo, monospace; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; font-family: ui-monospace, Menlo, monospace; }
.dag { overflow-x: auto; }
.dag .node rect { fill: #fff; stroke: #9ca3af; } .dag .node text { font: 12px ui-monospace, Menlo, monospace; }
.dag .current rect { fill: var(--accent); stroke: var(--accent); } .dag .current text { fill: #fff; font-weight: 700; }
.dag .edge { font: 11px system-ui, sans-serif; fill: var(--muted); }
footer { color: var(--muted); font-size: 12px; text-align: center; }
"""


def _when(ts: Any) -> str:
    if not isinstance(ts, (int, float)):
        return "-"
    return datetime.fromtimestamp(float(ts), tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def short_repr(value: Any, width: int = _REPR_WIDTH) -> str:
    r = reprlib.Repr()
    r.maxstring = r.maxother = width
    r.maxlist = r.maxtuple = r.maxset = r.maxfrozenset = r.maxdeque = r.maxarray = 20
    r.maxdict = 12
    r.maxlevel = 4
    try:
        text = r.repr(value)
    except Exception as exc:  # a user type whose __repr__ raises
        text = f"<{type(exc).__name__} in repr>"
    return text if len(text) <= width else text[: width - 3] + "..."


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"


def _value(store: FlowDatastore, ref: Mapping[str, Any]) -> str:
    size = int(ref.get("size", 0))
    if size > MAX_VALUE_BYTES:
        return f"({_size(size)}: not shown)"
    try:
        return short_repr(store.load_value(str(ref["sha"])))
    except Exception as exc:  # a value whose type cannot be imported here, a missing blob
        return f"(cannot be shown: {type(exc).__name__})"


def render(flow: Flow, step: str, index: str, manifest: Mapping[str, Any], store: FlowDatastore) -> str:
    from flowc import __version__

    run_id = str(manifest.get("run_id", "?"))
    task_id = index or "_"
    refs: Mapping[str, Mapping[str, Any]] = manifest.get("artifacts", {})
    param_attrs = {p.attr: p.name for p in flow.parameters}
    caught = manifest.get("caught")
    started, finished = manifest.get("started_at"), manifest.get("finished_at")
    duration = (
        f"{float(finished) - float(started):.2f} s"
        if isinstance(started, (int, float)) and isinstance(finished, (int, float))
        else "-"
    )

    params = [
        f'<tr><td class="name">{escape(param_attrs[a])}</td><td><pre>{escape(_value(store, refs[a]))}</pre></td></tr>'
        for a in sorted(param_attrs)
        if a in refs
    ]
    arts = [
        f'<tr><td class="name">{escape(name)}</td><td>{escape(str(ref.get("type", "?")))}</td>'
        f'<td class="num">{escape(_size(int(ref.get("size", 0))))}</td>'
        f"<td><pre>{escape(_value(store, ref))}</pre></td></tr>"
        for name, ref in sorted(refs.items())
        if name not in param_attrs and not name.startswith("_")
    ]
    status = (
        f'<span class="chip caught">caught {escape(str(caught.get("type")))}</span>'
        if caught
        else '<span class="chip ok">succeeded</span>'
    )
    facts = [
        ("pathspec", f"{flow.name}/{run_id}/{step}/{task_id}"),
        ("attempt", str(manifest.get("attempt", 0))),
        ("started", _when(started)),
        ("finished", _when(finished)),
        ("duration", duration),
    ]
    if index:
        facts.append(("index path", index))
    if caught:
        facts.append(("caught", f"{caught.get('type')}: {caught.get('message')}"))
    dl = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in facts)
    params_html = (
        "<table><tr><th>name</th><th>value</th></tr>" + "".join(params) + "</table>"
        if params
        else '<p class="crumbs">This flow has no parameters.</p>'
    )
    arts_html = (
        "<table><tr><th>name</th><th>type</th><th>size</th><th>value</th></tr>" + "".join(arts) + "</table>"
        if arts
        else '<p class="crumbs">This task has no artifacts.</p>'
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="flowc {escape(__version__)}">
<title>{escape(flow.name)} / {escape(run_id)} / {escape(step)} / {escape(task_id)}</title>
<style>{_CSS}</style>
</head>
<body>
<main>
<header>
<h1>{escape(step)}</h1>
<span class="crumbs">{escape(flow.name)} / {escape(run_id)} / {escape(step)} / {escape(task_id)}</span>
{status}
</header>
<section id="task"><h2>Task</h2><dl>{dl}</dl></section>
<section id="parameters"><h2>Parameters</h2>
{params_html}
</section>
<section id="artifacts"><h2>Artifacts</h2>
{arts_html}
</section>
<section id="dag"><h2>Flow</h2><div class="dag">{svg(flow, step)}</div></section>
<footer>default card, made by flowc {escape(__version__)}</footer>
</main>
</body>
</html>
"""
