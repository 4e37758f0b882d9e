"""Which local names refer to flowc's (or Metaflow's) authoring API.

Handles `from flowc import step`, `from flowc import step as s`, `import flowc as fc` (then
`fc.step`), star imports, and the same with `metaflow`, so existing Metaflow flows compile unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

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

    def resolve(self, node: cst.BaseExpression) -> str | None:
        """The API name `node` refers to, or None when it is not (known to be) ours."""
        if isinstance(node, cst.Call):
            return self.resolve(node.func)
        if isinstance(node, cst.Name):
            if node.value in self.names:
                return self.names[node.value]
            if self.star:
                return node.value
            return None
        if isinstance(node, cst.Attribute):
            dotted = dotted_name(node.value)
            if dotted is not None and (dotted in self.modules or dotted.split(".")[0] in self.modules):
                return node.attr.value
        return None


def dotted_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted_name(node.value)
        return None if head is None else f"{head}.{node.attr.value}"
    return None


def collect(module: cst.Module) -> ApiNames:
    api = ApiNames()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for small in stmt.body:
            if isinstance(small, cst.ImportFrom) and small.relative == ():
                mod = dotted_name(small.module) if small.module else None
                if mod is None or mod.split(".")[0] not in PACKAGES:
                    continue
                if mod.split(".")[0] == "metaflow":
                    api.dialect = "metaflow"
                if isinstance(small.names, cst.ImportStar):
                    api.star = True
                    continue
                for alias in small.names:
                    name = dotted_name(alias.name)
                    if name is None:
                        continue
                    local = name
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        local = alias.asname.name.value
                    api.names[local] = name
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    name = dotted_name(alias.name)
                    if name is None or name.split(".")[0] not in PACKAGES:
                        continue
                    if name.split(".")[0] == "metaflow":
                        api.dialect = "metaflow"
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        api.modules.add(alias.asname.name.value)
                    else:
                        api.modules.add(name.split(".")[0])
    return api
