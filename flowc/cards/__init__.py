"""`@card`: a default card per task, one static HTML file that any browser opens without a server.

A step decorated `@card` (or every step, with `--with card`) gets, after its task completed, a card
with the task's identity and timing, the run's parameters, every artifact (name, type, size, value
as a short repr) and the flow's graph with this step highlighted. Everything is inline (CSS, SVG); no
script, no fetch. It is written to the datastore beside the task:

    <flow>/runs/<run_id>/cards/<step>/<index or _>/default.html      (layout.card_key)

Cards are for people: a card that cannot be made is a warning in the task's log, never a failed task.
`flowc card view|get|list` reads them (docs/metaflow.md, "Cards").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flowc.datastore import layout
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow

CARD_VAR = "FLOWC_CARD"  # set (to "default") on a task to make its card, as `--with card` does
DEFAULT = "default"


def wanted(method: Any, env: Mapping[str, str] | None = None) -> bool:
    """True when the step method has `@card`, or the task is asked for cards (`FLOWC_CARD`)."""
    env = os.environ if env is None else env
    if env.get(CARD_VAR, "") not in ("", "0"):
        return True
    return "card" in (getattr(method, "_flowc_decorators", None) or {})


def write(flow: Flow, step: str, index: str, manifest: Mapping[str, Any], store: FlowDatastore) -> str:
    """Render the task's default card and store it; returns its key."""
    from flowc.cards.render import render

    html = render(flow, step, index, manifest, store)
    key = layout.card_key(flow.name, str(manifest["run_id"]), step, index, DEFAULT)
    store.storage.put(key, html.encode())
    return key
