"""Argo's JSON schema, made strict, and validation of manifests against it.

Argo publishes its schema without `additionalProperties: false`, so a misspelt field passes; and it
publishes Kubernetes' IntOrString as a string, although Argo takes integers there. `strict` repairs
both. Two sources feed it:

- `published(path)`: a schema file from the Argo project (the tests use the releases' files);
- `from_hera(kind)`: the schema of Hera's Argo models, which reach users as an installed package, for
  `flowc check --target argo`. Hera follows the newest Argo, whose CronWorkflow has only `schedules`,
  so `schedule` (Argo 3.5) is added back.

Imports of jsonschema and Hera are inside the functions: `flowc compile` never pays for them.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ARGO_PREFIX = "io.argoproj.workflow.v1alpha1."
INT_OR_STRING = {"anyOf": [{"type": "string"}, {"type": "integer"}]}
INSTALL_HINT = (
    "Hera or jsonschema cannot be imported (they are dependencies of flowc: reinstall it), so the "
    "manifests were not checked against Argo's schema"
)


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for v in value.values():
            yield from _nodes(v)
    elif isinstance(value, list):
        for v in value:
            yield from _nodes(v)


def strict(schema: dict[str, Any]) -> dict[str, Any]:
    """A copy of `schema` where every object that lists its properties allows no others, and where
    IntOrString takes both."""
    out = copy.deepcopy(schema)
    for node in _nodes(out):
        if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
            node["additionalProperties"] = False
    for defs in (out.get("definitions", {}), out.get("$defs", {})):
        for name in defs:
            if name.endswith("IntOrString"):
                defs[name] = dict(INT_OR_STRING)
    return out


def published(path: str | Path) -> dict[str, Any]:
    """A schema file as Argo publishes it (api/jsonschema/schema.json), made strict."""
    return strict(json.loads(Path(path).read_text("utf-8")))


def for_kind(schema: dict[str, Any], kind: str) -> dict[str, Any]:
    """The part of a published schema that one kind of document must match."""
    return {
        "$schema": schema.get("$schema", "https://json-schema.org/draft/2020-12/schema"),
        "$ref": f"#/definitions/{ARGO_PREFIX}{kind}",
        "definitions": schema["definitions"],
    }


def _with_schedule(schema: dict[str, Any]) -> dict[str, Any]:
    spec = schema.get("$defs", {}).get("CronWorkflowSpec")
    if spec is not None:
        spec["properties"]["schedule"] = {"type": "string"}
        spec["required"] = [r for r in spec.get("required", []) if r != "schedules"]
    return schema


@functools.cache
def from_hera(kind: str) -> dict[str, Any]:
    """The strict schema of one kind from Hera's Argo models. Raises ImportError without Hera."""
    from hera.workflows import models

    model = getattr(models, kind)
    return _with_schedule(strict(model.model_json_schema(by_alias=True)))


def errors(schema: dict[str, Any], doc: dict[str, Any]) -> list[str]:
    """Every way `doc` breaks `schema`, each as `path: message`."""
    import jsonschema

    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = cls(schema)
    out = []
    for e in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        where = "/".join(str(p) for p in e.absolute_path) or "(document)"
        out.append(f"{where}: {_short(e)}")
    return out


def _short(e: Any) -> str:
    """The message of an error, or for an anyOf failure (Hera's optional fields are `anyOf: [X,
    null]`) the message of the alternative that got furthest, which says why."""
    while e.context:
        useful = [c for c in e.context if "'null'" not in c.message] or list(e.context)
        e = max(useful, key=lambda c: len(c.absolute_path))
    message: str = e.message
    return message if len(message) < 300 else message[:297] + "..."


def check_installed(docs: list[dict[str, Any]]) -> tuple[list[str], str | None]:
    """(problems, None), or ([], why nothing was checked) when Hera or jsonschema is missing."""
    try:
        import hera.workflows.models  # noqa: F401
        import jsonschema  # noqa: F401
    except ImportError:
        return [], f"schema validation skipped: {INSTALL_HINT}"
    problems: list[str] = []
    for doc in docs:
        kind = str(doc.get("kind"))
        name = doc.get("metadata", {}).get("name")
        problems.extend(f"{kind} {name}: {e}" for e in errors(from_hera(kind), doc))
    return problems, None
