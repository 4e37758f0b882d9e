"""How values enter the generated DAG file safely.

Three layers read a value on its way to a task, and each must see it as data:

1. Python, when Airflow imports the DAG file: every value is a Python literal (`py_literal`), never
   pasted text, so quotes, newlines or `{% %}` in a docstring cannot change the file's code.
2. Airflow's Jinja, which renders an operator's templated fields at run time: a string holding `{`
   (or a newline, which Jinja normalises) is wrapped as a Jinja string expression, `{{ "..." }}`,
   every unusual character escaped (`jinja_inert`), so it renders back to exactly itself.
3. Kubernetes, which expands `$(VAR)` in a container's args and env values: `$` is doubled
   (`k8s_inert`), Kubernetes' own escape.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Code:
    """A Python expression written by flowc itself (never from user text), emitted verbatim."""

    text: str


def py_literal(value: Any) -> str:
    """`value` as Python source that evaluates to an equal value. Only data types are accepted."""
    if type(value) is str:
        # The most common value first (a DAG of 10,000 steps writes hundreds of thousands); only a
        # str itself: a subclass's repr() may not be a literal, and goes the long way below.
        return repr(value)
    if isinstance(value, Code):
        return value.text
    if value is None or isinstance(value, bool):
        return repr(value)
    if isinstance(value, int):
        return repr(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return 'float("nan")'
        if math.isinf(value):
            return 'float("inf")' if value > 0 else 'float("-inf")'
        return repr(value)
    if isinstance(value, str):
        # repr() of a str is always a valid literal: quotes, backslashes and newlines are escaped.
        return repr(value)
    if isinstance(value, (list, tuple)):
        items = ", ".join(py_literal(v) for v in value)
        if isinstance(value, tuple):
            return f"({items},)" if len(value) == 1 else f"({items})"
        return f"[{items}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write a {type(value).__name__} into a DAG file")


_PLAIN = re.compile(r"[A-Za-z0-9 _./:@=+,%~^*!?#&;<>|$'()\[\]-]")


def jinja_inert(text: str) -> str:
    """`text` as Airflow's Jinja will render it back unchanged.

    Text without `{`, carriage returns or newlines contains no Jinja syntax and is returned as is.
    Otherwise it becomes a Jinja string expression whose body is pure ASCII with escapes, which Jinja
    decodes back (its string literals use Python's unicode-escape rules).
    """
    if "{" not in text and "\n" not in text and "\r" not in text:
        return text
    body = []
    for ch in text:
        if _PLAIN.fullmatch(ch) and ch != "'":
            body.append(ch)
        elif ord(ch) < 0x100:
            body.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            body.append(f"\\u{ord(ch):04x}")
        else:
            body.append(f"\\U{ord(ch):08x}")
    return "{{ '" + "".join(body) + "' }}"


def k8s_inert(text: str) -> str:
    """`text` as Kubernetes' `$(VAR)` expansion in args and env values leaves it: `$$` means `$`."""
    return text.replace("$", "$$")
