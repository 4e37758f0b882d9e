"""Run parameters: typed and validated from the IR, before anything runs.

Both `flowc run` (before it starts a task) and the start task (whatever orchestrator passed the
values) use these functions, so a value means the same everywhere. Values arrive as text
(`--param name=value`, engine parameters) or as one JSON object.
"""

from __future__ import annotations

import difflib
import json
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from flowc.ir import Flow, Parameter, ParamType

_TRUE = frozenset({"true", "1", "yes", "y", "on"})
_FALSE = frozenset({"false", "0", "no", "n", "off"})


class ParamError(ValueError):
    """One or more parameter values are wrong. `problems` lists each, ready to show a person."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = list(problems)


def parse_text(p: Parameter, text: str) -> Any:
    """The value of parameter `p` written as `text`. Raises ValueError with a readable reason."""
    if p.type is ParamType.STR:
        return text
    if p.type is ParamType.INT:
        try:
            return int(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not an integer") from None
    if p.type is ParamType.FLOAT:
        try:
            number = float(text.strip())
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
        if not math.isfinite(number):
            # The value reaches every task, engine and run.json as JSON, which cannot hold it.
            raise ValueError(f"{text!r} is not a finite number (parameters travel as JSON: no NaN or Infinity)")
        return number
    if p.type is ParamType.BOOL:
        low = text.strip().lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"{text!r} is not a boolean (use true or false)")
    try:
        return strict_json(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{text!r} is not valid JSON ({exc.msg} at column {exc.colno})") from None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON (RFC 8259 has no NaN or Infinity); write a number or null")


def strict_json(text: str) -> Any:
    """`json.loads` without Python's extensions: `NaN`, `Infinity` and `-Infinity` raise ValueError,
    since every other reader of the value (run.json, engines, other languages) would refuse them."""
    return json.loads(text, parse_constant=_no_constant)


def check_typed(p: Parameter, value: Any) -> Any:
    """A value given as JSON: text is parsed as the type, other values must already be of it. None
    (no value) is allowed for a parameter that is not required, as Metaflow allows it."""
    if value is None and not p.required:
        return None
    if isinstance(value, str) and p.type is not ParamType.JSON:
        return parse_text(p, value)
    if p.type is ParamType.JSON:
        return value
    ok = {
        ParamType.STR: isinstance(value, str),
        ParamType.INT: isinstance(value, int) and not isinstance(value, bool),
        ParamType.FLOAT: isinstance(value, (int, float)) and not isinstance(value, bool),
        ParamType.BOOL: isinstance(value, bool),
    }[p.type]
    if not ok:
        raise ValueError(f"{value!r} is not a {p.type.value}")
    return float(value) if p.type is ParamType.FLOAT else value


def default_value(p: Parameter) -> Any:
    if p.default is None:
        return None
    if p.type is ParamType.JSON and isinstance(p.default, str):
        # Metaflow's JSONType defaults are JSON text.
        return strict_json(p.default)
    return check_typed(p, p.default)


def _unknown(flow: Flow, name: str) -> str:
    valid = [p.name for p in flow.parameters]
    if not valid:
        return f"unknown parameter {name!r}: flow {flow.name} takes no parameters"
    close = difflib.get_close_matches(name, valid, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown parameter {name!r}{hint}; valid parameters: {', '.join(valid)}"


def split_assignments(items: Sequence[str]) -> list[tuple[str, str]]:
    """`name=value` strings, as given to `--param`, split at the first `=`."""
    out = []
    problems = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            problems.append(f"--param {item!r}: write it as name=value")
        else:
            out.append((name.strip(), value))
    if problems:
        raise ParamError(problems)
    return out


def resolve(
    flow: Flow, texts: Sequence[tuple[str, str]] = (), values: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Every parameter's value by name, defaults applied; raises ParamError listing all problems.

    `texts` are `(name, text)` pairs (later ones win); `values` a decoded JSON object. IncludeFile
    values are still paths here: `read_include_files` turns them into content.
    """
    problems: list[str] = []
    given: dict[str, Any] = {}
    # Decoded JSON values are checked as they are; texts are parsed. Texts come last, so they win.
    supplied: list[tuple[str, Any, Callable[[Parameter, Any], Any]]] = [
        *((name, value, check_typed) for name, value in (values or {}).items()),
        *((name, text, parse_text) for name, text in texts),
    ]
    for name, raw, convert in supplied:
        try:
            p = flow.parameter(name)
        except KeyError:
            problems.append(_unknown(flow, name))
            continue
        try:
            given[name] = convert(p, raw)
        except ValueError as exc:
            problems.append(f"parameter {name!r} ({p.type.value}): {exc}")
    out: dict[str, Any] = {}
    for p in flow.parameters:
        if p.name in given:
            out[p.name] = given[p.name]
        elif p.required and p.default is None:
            problems.append(f"parameter {p.name!r} is required: pass --param {p.name}=...")
        else:
            out[p.name] = default_value(p)
    if problems:
        raise ParamError(problems)
    return out


def find_include_file(path: str, search: Sequence[Path]) -> Path | None:
    """Where an IncludeFile path is: as given (relative to the working directory), else relative to
    each of `search` (the code package carries defaults that sit beside the flow)."""
    candidate = Path(path)
    if candidate.is_file():
        return candidate
    if not candidate.is_absolute():
        for base in search:
            if (base / candidate).is_file():
                return base / candidate
    return None


def read_include_files(flow: Flow, values: Mapping[str, Any], search: Sequence[Path] = ()) -> dict[str, Any]:
    """`values` with each IncludeFile path replaced by the file's content (text or bytes)."""
    out = dict(values)
    problems = []
    for p in flow.parameters:
        if not p.include_file or out.get(p.name) is None:
            continue
        found = find_include_file(str(out[p.name]), search)
        if found is None:
            problems.append(f"IncludeFile {p.name!r}: file {out[p.name]!r} not found")
            continue
        data = found.read_bytes()
        if p.is_text:
            try:
                out[p.name] = data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"IncludeFile {p.name!r}: {found} is not UTF-8 text (use is_text=False)")
        else:
            out[p.name] = data
    if problems:
        raise ParamError(problems)
    return out
