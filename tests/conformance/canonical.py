"""Canonical dumps of a run: every task's artifacts as plain data, comparable across executors.

Standard library only: the Metaflow oracle imports this file inside Metaflow's own virtualenv, the
flowc executors inside the test venv, and both must write the same dump for the same run.

A dump is a dict:

    {"outcome": "ok" | "failed",
     "failed_step": <step name or None>,
     "tasks": {"<step>" or "<step>/<index path>": {<artifact>: <canonical value>, ...}}}

Tasks are named as flowc names them: the step, then `/` and the dot-joined index path (one part per
enclosing foreach, outermost first, then one iteration number per enclosing loop) when there is one.
Run ids, task ids, attempts and timings are not part of a dump. Artifacts whose names start with `_`
are the engines' own bookkeeping and are left out.
"""

from __future__ import annotations

import json
import math
from typing import Any

Dump = dict[str, Any]

# A value whose repr names a memory address says nothing comparable.
_MAX_DEPTH = 40


# Metaflow's @timeout message ends with the stack the timeout interrupted: file paths and frames of
# whichever runner ran the step (as a wrapper's stacktrace, which is not compared either).
_TIMEOUT_STACK = "\nStack when the timeout was raised:\n"


def _exception(type_name: str, message: str) -> dict[str, Any]:
    # "builtins.ValueError" (Metaflow's @catch wrapper) and "ValueError" are the same exception.
    return {"exception": type_name.rpartition(".")[2], "message": message.partition(_TIMEOUT_STACK)[0]}


def canonical(value: Any, depth: int = 0) -> Any:
    """`value` as JSON-able data that keeps what JSON would lose (tuples, sets, non-string keys).

    Two values are the same artifact exactly when `encode(canonical(a)) == encode(canonical(b))`.
    """
    if depth > _MAX_DEPTH:
        return {"repr": "<too deep>"}
    d = depth + 1
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return {"float": repr(value)}
        return value
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return {"tuple": [canonical(v, d) for v in value]}
    if isinstance(value, list):
        return [canonical(v, d) for v in value]
    if isinstance(value, (set, frozenset)):
        return {"set": sorted((canonical(v, d) for v in value), key=encode)}
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value):
            return {"dict": {k: canonical(v, d) for k, v in sorted(value.items())}}
        pairs = [[canonical(k, d), canonical(v, d)] for k, v in value.items()]
        return {"dict_items": sorted(pairs, key=encode)}
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, range):
        return {"range": [value.start, value.stop, value.step]}
    cls = type(value)
    name = cls.__qualname__
    # @catch: Metaflow stores MetaflowExceptionWrapper(type, exception); flowc the exception itself,
    # or a StepException(type, message) when the exception cannot be pickled.
    if name == "MetaflowExceptionWrapper":
        return _exception(str(getattr(value, "type", "")), str(getattr(value, "exception", "")))
    if name == "StepException" and hasattr(value, "type") and hasattr(value, "message"):
        return _exception(str(value.type), str(value.message))
    if isinstance(value, BaseException):
        return _exception(name, str(value))
    if hasattr(value, "_fields"):  # a namedtuple: its fields, by name
        return {"namedtuple": name, "fields": {f: canonical(getattr(value, f), d) for f in value._fields}}
    state = getattr(value, "__dict__", None)
    if isinstance(state, dict):
        return {"object": name, "state": canonical(state, d)}
    text = repr(value)
    return {"object": name, "repr": text if " at 0x" not in text else f"<{name}>"}


def encode(value: Any) -> str:
    """A canonical value as text: equal texts, equal artifacts (1 and 1.0 differ, as in JSON)."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def plain(value: Any) -> Any:
    """A canonical value as JSON would show the original (tuples and sets as lists), for comparing
    with values written in JSON files such as tests/shapes/expected.json."""
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"tuple"}:
            return [plain(v) for v in value["tuple"]]
        if set(value) == {"set"}:
            return [plain(v) for v in value["set"]]
        if set(value) == {"dict"}:
            return {k: plain(v) for k, v in value["dict"].items()}
    return value


def task_name(step: str, index: list[int] | tuple[int, ...]) -> str:
    return f"{step}/{'.'.join(str(i) for i in index)}" if index else step


def user_artifacts(names: list[str]) -> list[str]:
    """The artifacts a dump keeps: the user's, not the engines' bookkeeping (`_foreach_stack`, ...)."""
    return sorted(n for n in names if not n.startswith("_"))


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_difference(got: Dump, want: Dump) -> str | None:
    """None when the dumps are equal; else the first difference, in words, for a test failure."""
    if got.get("outcome") != want.get("outcome") or got.get("failed_step") != want.get("failed_step"):
        return (
            f"outcome: got {got.get('outcome')} (failed step {got.get('failed_step')}), "
            f"want {want.get('outcome')} (failed step {want.get('failed_step')})"
        )
    gt, wt = got.get("tasks", {}), want.get("tasks", {})
    missing, extra = sorted(set(wt) - set(gt)), sorted(set(gt) - set(wt))
    if missing or extra:
        return f"tasks differ: missing {missing[:8]}{'...' if len(missing) > 8 else ''}, extra {extra[:8]}"
    for task in sorted(wt):
        g, w = gt[task], wt[task]
        for name in sorted(set(g) | set(w)):
            if name not in g:
                return f"task {task}: artifact {name!r} missing (want {_short(encode(w[name]))})"
            if name not in w:
                return f"task {task}: extra artifact {name!r} = {_short(encode(g[name]))}"
            if encode(g[name]) != encode(w[name]):
                return f"task {task}: artifact {name!r}: got {_short(encode(g[name]))}, want {_short(encode(w[name]))}"
    return None
