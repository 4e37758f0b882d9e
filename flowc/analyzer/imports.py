"""Which local names refer to flowc's (or Metaflow's) authoring API.

Handles `from flowc import step`, `from flowc import step as s`, `import flowc as fc` (then
`fc.step`), star imports, and the same with `metaflow`, so existing Metaflow flows compile unchanged.
Only imports at the top level of the module count.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

PACKAGES = ("flowc", "metaflow")

# What flowc understands. Anything else imported from metaflow is reported as unsupported.
FLOWC_API = frozenset(
    {
        "FlowSpec",
        "step",
        "Parameter",
        "IncludeFile",
        "JSONType",
        "current",
        "retry",
        "catch",
        "timeout",
        "resources",
        "environment",
        "image",
        "schedule",
        "project",
        "loop",
        # Metaflow's compute decorators: their cpu/memory/gpu/disk/image map onto @resources/@image.
        "kubernetes",
        "batch",
        # Packages a deployed task installs with pip.
        "pypi",
        "pypi_base",
        "conda",
        "conda_base",
        # Metaflow's configs (flowc.analyzer.configs).
        "Config",
        "config_expr",
        # The task's default card.
        "card",
    }
)


@dataclass
class ApiNames:
    # local name -> API name, for `from flowc import x as local`
    names: dict[str, str] = field(default_factory=dict)
    # local module aliases of flowc/metaflow (`import flowc as fc` -> {"fc"})
    modules: set[str] = field(default_factory=set)
    star: bool = False
    dialect: str = "flowc"

    def resolve(self, node: ast.expr) -> str | None:
        """The API name `node` refers to, or None when it is not (known to be) ours."""
        if isinstance(node, ast.Call):
            node = node.func
        if isinstance(node, ast.Name):
            if node.id in self.names:
                return self.names[node.id]
            return node.id if self.star else None
        if isinstance(node, ast.Attribute):
            dotted = dotted_name(node.value)
            if dotted is not None and (dotted in self.modules or dotted.split(".")[0] in self.modules):
                return node.attr
        return None


def dotted_name(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def collect(module: ast.Module) -> ApiNames:
    api = ApiNames()
    for stmt in module.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.level == 0 and stmt.module:
            top = stmt.module.split(".")[0]
            if top not in PACKAGES:
                continue
            if top == "metaflow":
                api.dialect = "metaflow"
            for alias in stmt.names:
                if alias.name == "*":
                    api.star = True
                else:
                    api.names[alias.asname or alias.name] = alias.name
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                top = alias.name.split(".")[0]
                if top not in PACKAGES:
                    continue
                if top == "metaflow":
                    api.dialect = "metaflow"
                api.modules.add(alias.asname or top)
    return api
