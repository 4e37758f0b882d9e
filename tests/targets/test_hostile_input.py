"""Text from the flow reaches every target's files as data: quotes, templates and shell syntax in
docstrings, parameter defaults and help never change the files' structure."""

from __future__ import annotations

import ast
import json

import pytest
import yaml

from flowc.compiler import compile_flow
from flowc.runner.command import decode_value

HOSTILE = 'it\'s "quoted" {{ run_id }} {% raw %} ${HOME} $(whoami) `id`; rm -rf / \\n \n# not a comment'

SOURCE = f"""
from flowc import FlowSpec, Parameter, step


class HostileFlow(FlowSpec):
    {HOSTILE!r}

    note = Parameter("note", default={HOSTILE!r}, help={HOSTILE!r})

    @step
    def start(self):
        {HOSTILE!r}
        self.next(self.end)

    @step
    def end(self):
        pass
"""

OPTIONS = {
    "argo": {"datastore": "s3://bucket/flowc"},
    "step-functions": {"datastore": "s3://bucket/flowc"},
    "airflow": {"datastore": "/srv/flowc", "mode": "local"},
}


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in strings(k) + strings(v)]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in strings(v)]
    return []


def decoded(text: str) -> str | None:
    try:
        return decode_value(text)
    except ValueError:
        return None


@pytest.mark.parametrize("target", sorted(OPTIONS))
def test_hostile_text_arrives_intact_and_inert(write_flow, target: str) -> None:
    result = compile_flow(write_flow(SOURCE), target, OPTIONS[target])
    assert result.ok, [d.message for d in result.diagnostics]
    found = False
    for f in result.files:
        if f.path.endswith(".json"):
            doc = json.loads(f.content)
            found |= any(HOSTILE in s for s in strings(doc))
        elif f.path.endswith((".yaml", ".yml")):
            # Argo: text Argo or Kubernetes would read travels percent-encoded (docs/security.md).
            for doc in yaml.safe_load_all(f.content):
                found |= any(HOSTILE in s or decoded(s) == HOSTILE for s in strings(doc))
        elif f.path.endswith(".py"):
            tree = ast.parse(f.content)
            literals = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            # the text is there as a literal, and no statement or name came from it
            found |= any(HOSTILE in s for s in literals)
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            assert "whoami" not in names and "rm" not in names
    assert found, f"the parameter default or a docstring should reach the {target} files as data"
