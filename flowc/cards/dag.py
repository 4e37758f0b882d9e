"""The flow's graph as an inline SVG for a card: layered top to bottom, the task's step highlighted.

Layers are the longest path from the start (loops' back edges ignored, then drawn as dashed arcs on
the right); within a layer, steps keep the flow's walk order. No layout library: a card is rendered in
every task, so this stays cheap and deterministic.
"""

from __future__ import annotations

from html import escape

from flowc.ir import Flow, Transition

_CHAR = 7.2  # px per character of the 12px monospace label
_H = 28  # node height
_GAP_X = 24
_GAP_Y = 46
_PAD = 16


def svg(flow: Flow, current: str) -> str:
    order = [s.name for s in flow.walk()]
    layer: dict[str, int] = {}
    for name in order:
        parents = [p for p in flow.parents(name) if not flow.is_back_edge(p, name)]
        layer[name] = max((layer[p] + 1 for p in parents if p in layer), default=0)
    rows: dict[int, list[str]] = {}
    for name in order:
        rows.setdefault(layer[name], []).append(name)
    width = {n: max(60.0, len(n) * _CHAR + 20) for n in order}
    row_w = {r: sum(width[n] for n in names) + _GAP_X * (len(names) - 1) for r, names in rows.items()}
    total_w = max(row_w.values()) + 2 * _PAD + 60  # room on the right for loop arcs
    pos: dict[str, tuple[float, float]] = {}  # centre of each node
    for r, names in rows.items():
        x = _PAD + (total_w - 60 - 2 * _PAD - row_w[r]) / 2
        for n in names:
            pos[n] = (x + width[n] / 2, _PAD + r * (_H + _GAP_Y) + _H / 2)
            x += width[n] + _GAP_X
    total_h = _PAD * 2 + len(rows) * _H + (len(rows) - 1) * _GAP_Y

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="the flow {escape(flow.name)}" '
        f'width="{total_w:.0f}" height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#6b7280"/></marker></defs>',
    ]
    for step in flow.steps:
        labels = {c.step: c.value for c in step.switch_cases} if step.transition is Transition.SWITCH else {}
        for target in step.successors:
            if target not in pos:
                continue
            (x1, y1), (x2, y2) = pos[step.name], pos[target]
            label = labels.get(target) or ("foreach" if step.transition is Transition.FOREACH else "")
            if flow.is_back_edge(step.name, target):
                right = total_w - _PAD - 10
                parts.append(
                    f'<path d="M{x1 + width[step.name] / 2:.1f},{y1:.1f} C{right:.1f},{y1:.1f} '
                    f'{right:.1f},{y2:.1f} {x2 + width[target] / 2:.1f},{y2:.1f}" fill="none" stroke="#6b7280" '
                    f'stroke-dasharray="4 3" marker-end="url(#arrow)"/>'
                )
            else:
                parts.append(
                    f'<line x1="{x1:.1f}" y1="{y1 + _H / 2:.1f}" x2="{x2:.1f}" y2="{y2 - _H / 2 - 1:.1f}" '
                    f'stroke="#6b7280" marker-end="url(#arrow)"/>'
                )
            if label:
                # Near the source end, where edges fanning out of one step are furthest apart.
                lx, ly = x1 + (x2 - x1) * 0.3, y1 + _H / 2 + (y2 - y1 - _H) * 0.3
                parts.append(f'<text x="{lx + 4:.1f}" y="{ly + 4:.1f}" class="edge">{escape(label)}</text>')
    for name in order:
        x, y = pos[name]
        w = width[name]
        cls = "node current" if name == current else "node"
        parts.append(
            f'<g class="{cls}"><rect x="{x - w / 2:.1f}" y="{y - _H / 2:.1f}" width="{w:.1f}" height="{_H}" rx="6"/>'
            f'<text x="{x:.1f}" y="{y + 4:.1f}" text-anchor="middle">{escape(name)}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)
