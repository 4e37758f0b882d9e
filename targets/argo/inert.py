"""How text from the flow enters an Argo manifest so that neither Argo nor Kubernetes reads it.

Two engines rewrite strings in a WorkflowTemplate before a task sees them:

- Argo substitutes `{{...}}` (and evaluates `{{=...}}`) in every string of a template it runs, and
  again in values it substituted earlier (workflow parameters reach a template's strings and are
  scanned once more). Argo has no escape for `{{`.
- Kubernetes expands `$(VAR)` in a container's command, args and env values, and turns `$$` into `$`.

So user text goes one of three ways (docs/security.md):

- a parameter's value travels with `%`, `$`, control characters and each `{` of a `{{`
  percent-encoded (so it stays readable in Argo's UI, JSON included, and a plain value without
  those reads as itself), as the workflow
  parameter's value, and the runner decodes it (`--param-encoded`); descriptions holding `{{` are
  encoded the same way, since they are only read by people;
- an `@environment` value without `{{` goes into the container's env with `$` doubled (Kubernetes'
  own escape, so it expands back to the text as written);
- an `@environment` entry whose name or value holds `{{` stays out of the container's env: the runner
  sets every `@environment` variable from the code package before the step's module is imported
  (flowc.runner.process), so the task still sees exactly the text written. Only programs that run
  before the runner (the bootstrap's pip) miss it.
"""

from __future__ import annotations

import unicodedata
import urllib.parse
from collections.abc import Iterable
from typing import Any

ARGO_OPEN = "{{"
_SPECIAL = frozenset("%$")


def param_value(text: str) -> str:
    """A workflow parameter's value as the runner's `--param-encoded` takes it: `%`, `$`, control
    characters (NUL, newlines) and every `{` next to another `{` as `%XX`, everything else as it is.
    The runner's `decode_value` (`urllib.parse.unquote`) gives `text` back."""
    out = []
    for i, c in enumerate(text):
        braces = c == "{" and "{" in (text[i - 1 : i], text[i + 1 : i + 2])
        special = c in _SPECIAL or braces or unicodedata.category(c) == "Cc"
        out.append(urllib.parse.quote(c, safe="") if special else c)
    return "".join(out)


def description(text: str) -> str:
    """A description shown in Argo's UI; text Argo would substitute is percent-encoded."""
    return param_value(text) if ARGO_OPEN in text else text


def k8s_inert(text: str) -> str:
    """`text` as Kubernetes' `$(VAR)` expansion leaves it: `$$` expands to `$`."""
    return text.replace("$", "$$")


def env_entries(env: Iterable[tuple[str, str]]) -> list[dict[str, Any]]:
    """The container's env for `@environment`: entries Argo would read are left to the runner."""
    return [{"name": k, "value": k8s_inert(v)} for k, v in env if ARGO_OPEN not in k and ARGO_OPEN not in v]
