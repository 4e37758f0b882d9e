"""Values that are only known while a state machine runs, and how they become ASL.

The runner's command builder and the datastore's key functions take plain strings. To give them a
value Step Functions fills in at run time (the run id, a foreach index, the retry attempt), the
lowering passes a `Dynamic` placeholder's token instead; `to_asl` then turns any string or list that
contains tokens into the JSONPath intrinsic (`States.Format` / `States.Array`) that rebuilds it. Literal
text enters intrinsic strings through `quote`, which applies the escapes ASL defines, so no value is
ever pasted into an expression unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Dynamic:
    """A run-time value: `path` is a JSONPath or intrinsic that yields a string."""

    key: str
    path: str

    @property
    def token(self) -> str:
        # Characters no flow, step or parameter name can contain, so a token never meets real text.
        return f"\x00{self.key}\x00"


# Everything the runner command may need that only the execution knows. The values are kept in the
# state's data (`$.run_id`, `$.index`) rather than read from the context object everywhere, because a
# Distributed Map's child executions have their own execution name.
RUN_ID = Dynamic("run_id", "$.run_id")
INDEX = Dynamic("index", "$.index")
ATTEMPT = Dynamic("attempt", "States.Format('{}', $$.State.RetryCount)")
PARAMS_JSON = Dynamic("params", "States.JsonToString($.params)")
# The cause of a caught error, for the `Fail` state that names the failed step.
ERROR_CAUSE = Dynamic("cause", "$.error.Cause")
# The iteration of each loop around a task, by nesting depth (outermost 0): a counter in the state's
# data that entering a loop sets to 0 and each pass back through it increments.
MAX_LOOP_DEPTH = 16
LOOP_FIELDS = tuple(f"$.flowc_loop{d}" for d in range(MAX_LOOP_DEPTH))  # {"n": iteration}
# As text: the runner's argv takes strings only.
ITERATIONS = tuple(Dynamic(f"iteration{d}", f"States.Format('{{}}', {f}.n)") for d, f in enumerate(LOOP_FIELDS))
# The task bootstrap program (flowc.runner.bootstrap.SOURCE), written once into the state data
# (`flowc.parameters`) instead of into every task's command: a 1,000-step flow stays under 1 MB.
BOOT = Dynamic("boot", "$.boot")
ALL = (RUN_ID, INDEX, ATTEMPT, PARAMS_JSON, ERROR_CAUSE, BOOT, *ITERATIONS)
_BY_TOKEN = {d.token: d for d in ALL}
_TOKEN_RE = re.compile("(" + "|".join(re.escape(d.token) for d in ALL) + ")")


# ASL escapes ' { } and \ with a backslash (a table: called for every argv item of every step).
_ESCAPES = str.maketrans({c: "\\" + c for c in "'{}\\"})


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def quote(text: str) -> str:
    """`text` as an intrinsic-function string literal (ASL escapes ' { } and \\ with a backslash)."""
    return "'" + _escape(text) + "'"


def has_dynamic(text: str) -> bool:
    # Every token holds a NUL, which real text hardly ever does: the search runs only where one is.
    return "\x00" in text and _TOKEN_RE.search(text) is not None


def expression(text: str) -> str:
    """An intrinsic expression that evaluates to `text` with its tokens filled in."""
    parts = [p for p in _TOKEN_RE.split(text) if p]
    if len(parts) == 1 and parts[0] in _BY_TOKEN:
        return _BY_TOKEN[parts[0]].path
    template: list[str] = []
    args: list[str] = []
    for p in parts:
        if p in _BY_TOKEN:
            template.append("{}")  # a placeholder: the one unescaped pair of braces
            args.append(_BY_TOKEN[p].path)
        else:
            template.append(_escape(p))
    fmt = "'" + "".join(template) + "'"
    if not args:
        return fmt
    return f"States.Format({fmt}, {', '.join(args)})"


def string_field(name: str, text: str) -> tuple[str, str]:
    """An ASL payload field for a string: `name: text`, or `name.$: expression` when it is dynamic."""
    if has_dynamic(text):
        return f"{name}.$", expression(text)
    return name, text


def list_field(name: str, items: Sequence[str]) -> tuple[str, object]:
    """An ASL payload field for a list of strings (an argv), static when it can be."""
    if not any(has_dynamic(i) for i in items):
        return name, list(items)
    args = []
    for item in items:
        args.append(expression(item) if has_dynamic(item) else quote(item))
    return f"{name}.$", f"States.Array({', '.join(args)})"
