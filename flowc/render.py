"""Turn diagnostics into text (compiler style), JSON, GitHub annotations or SARIF."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote

from flowc.diagnostics import CODES, Diagnostic, Severity, source_lines

_RED = "\x1b[31;1m"
_YELLOW = "\x1b[33;1m"
_BOLD = "\x1b[1m"
_CYAN = "\x1b[36m"
_RESET = "\x1b[0m"


def location(d: Diagnostic) -> str:
    if d.span is None:
        return d.file
    return f"{d.file}:{d.span.line}:{d.span.col}"


def text(diags: Sequence[Diagnostic], sources: Mapping[str, str], color: bool = False) -> str:
    """Compiler-style text: `file:line:col: CODE message`, the source line, a caret, a hint."""
    out: list[str] = []
    for d in diags:
        sev = d.severity.value
        if color:
            c = _RED if d.severity is Severity.ERROR else _YELLOW
            head = f"{_BOLD}{location(d)}:{_RESET} {c}{d.code}{_RESET} {d.message}"
        else:
            head = f"{location(d)}: {d.code} {d.message}"
        if d.severity is Severity.WARNING:
            head += f" [{sev}]"
        out.append(head)
        src = sources.get(d.file)
        if d.span is not None and src is not None:
            lines = source_lines(src)
            if 0 < d.span.line <= len(lines):
                line = lines[d.span.line - 1].expandtabs(1)
                width = (d.span.end_col - d.span.col) if d.span.end_line == d.span.line else 1
                width = max(1, min(width, len(line) - d.span.col + 1))
                out.append(f"    {line}")
                caret = " " * (d.span.col - 1) + "^" * width
                out.append(f"    {_CYAN if color else ''}{caret}{_RESET if color else ''}")
        if d.hint:
            out.append(f"    hint: {d.hint}")
    return "\n".join(out)


def _as_dict(d: Diagnostic) -> dict[str, Any]:
    return {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "file": d.file,
        "line": d.span.line if d.span else None,
        "column": d.span.col if d.span else None,
        "end_line": d.span.end_line if d.span else None,
        "end_column": d.span.end_col if d.span else None,
        "hint": d.hint,
        "fixable": d.fix is not None,
    }


def as_json(diags: Iterable[Diagnostic]) -> str:
    return json.dumps([_as_dict(d) for d in diags], indent=2, sort_keys=True) + "\n"


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(diags: Iterable[Diagnostic]) -> str:
    """GitHub Actions workflow commands: one annotation per diagnostic."""
    out = []
    for d in diags:
        kind = "error" if d.severity is Severity.ERROR else "warning"
        props = [f"file={_gh_escape(d.file, True)}"]
        if d.span:
            props += [
                f"line={d.span.line}",
                f"col={d.span.col}",
                f"endLine={d.span.end_line}",
                f"endColumn={d.span.end_col}",
            ]
        props.append(f"title={_gh_escape(d.code + ' ' + CODES[d.code], True)}")
        msg = d.message + (f"\n{d.hint}" if d.hint else "")
        out.append(f"::{kind} {','.join(props)}::{_gh_escape(msg)}")
    return "\n".join(out) + ("\n" if out else "")


def _uri(file: str) -> str:
    """A SARIF artifact location is a URI reference: a path with a space, `#` or `%` must be
    percent-encoded, or code-scanning tools read another file (or none)."""
    path = PurePath(file)
    return Path(file).as_uri() if path.is_absolute() else quote(path.as_posix(), safe="/")


def sarif(diags: Sequence[Diagnostic], version: str) -> str:
    """SARIF 2.1.0, which code-scanning tools read."""
    used = sorted({d.code for d in diags})
    rules = [
        {
            "id": c,
            "name": CODES[c],
            "shortDescription": {"text": CODES[c]},
            "helpUri": f"docs/diagnostics.md#{c.lower()}",
        }
        for c in used
    ]
    results = []
    for d in diags:
        r: dict[str, Any] = {
            "ruleId": d.code,
            "level": "error" if d.severity is Severity.ERROR else "warning",
            "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
        }
        loc: dict[str, Any] = {"artifactLocation": {"uri": _uri(d.file)}}
        if d.span:
            loc["region"] = {
                "startLine": d.span.line,
                "startColumn": d.span.col,
                "endLine": d.span.end_line,
                "endColumn": d.span.end_col,
            }
        r["locations"] = [{"physicalLocation": loc}]
        results.append(r)
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "flowc", "version": version, "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"
