"""Names a flow may not take or change, as Metaflow reserves them.

- Parameter names that are options of Metaflow's `run` command (`tag`, `namespace`, `max-workers`,
  ...: Metaflow 2.19's `Parameter` refuses each, and the same name with `_` for `-`). flowc refuses
  them in both dialects with one message, so a flow that checks here also runs under Metaflow.
- Attributes a step cannot assign: a parameter and a class-level constant are read-only in every
  task (Metaflow raises "Flow level attributes and Parameters are not modifiable"; so does flowc's
  runner), so assigning one is a check error rather than a failed task. `self.name` may be assigned
  in Metaflow and lasts for that task only: a warning says so.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from flowc.analyzer.context import Context
from flowc.diagnostics import Severity

_RUN_OPTIONS = (
    "params",
    "with",
    "tag",
    "namespace",
    "obj",
    "tags",
    "decospecs",
    "run-id-file",
    "max-num-splits",
    "max-workers",
    "max-log-size",
    "user-namespace",
    "run-id",
    "task-id",
    "runner-attribute-file",
)
PARAMETER_NAMES = frozenset(_RUN_OPTIONS) | frozenset(n.replace("-", "_") for n in _RUN_OPTIONS)

# FlowSpec attributes Metaflow never takes for constants (its `_NON_PARAMETERS`).
NOT_CONSTANTS = frozenset({"cmd", "foreach_stack", "index", "input", "script_name", "name"})


def reserved_parameter_message(name: str) -> str:
    return f"parameter name '{name}' is a reserved word: Metaflow's run command has an option of that name"


def class_constants(stmts: Sequence[tuple[Context, ast.stmt]], params: set[str]) -> set[str]:
    """The class-level constants among the (winning) class-body statements: Metaflow's rule, read
    statically (a name bound by an assignment, not `_private`, not a parameter, not a function)."""
    out: set[str] = set()
    for c, stmt in stmts:
        if isinstance(stmt, ast.Assign):
            targets, value = list(stmt.targets), stmt.value
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            targets, value = [stmt.target], stmt.value
        else:
            continue
        if isinstance(value, ast.Lambda):
            continue
        if isinstance(value, ast.Call) and c.api.resolve(value.func) in ("Parameter", "IncludeFile"):
            continue
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in _NOT_VALUES:
            continue
        for t in targets:
            for node in ast.walk(t):
                if isinstance(node, ast.Name) and not node.id.startswith("_") and node.id not in NOT_CONSTANTS:
                    out.add(node.id)
    return out - params


# Calls whose result is a function or descriptor, never a constant.
_NOT_VALUES = frozenset({"property", "staticmethod", "classmethod", "cached_property"})


def check_assignments(
    steps: Sequence[tuple[Context, ast.FunctionDef | ast.AsyncFunctionDef]], params: set[str], constants: set[str]
) -> None:
    """Report each `self.<attr> = ...` in a step body that assigns a parameter, a constant or `name`."""
    # Only these attributes are reported: a step whose lines write none of the words has nothing
    # to report, and reading its lines costs far less than walking its tree.
    words = params | constants | {"name"}
    for ctx, fn in steps:
        lines = ctx.text.lines[fn.lineno - 1 : fn.end_lineno]
        if not any(w in line for line in lines for w in words):
            continue
        for target in _assigned(fn.body):
            attr = target.attr
            if attr in params or attr in constants:
                kind = "a parameter" if attr in params else "a class-level constant"
                ctx.report(
                    "FC406",
                    ctx.text.attr_span(target),
                    f"step '{fn.name}' assigns self.{attr}, {kind} of the flow: it is read-only in every step",
                    hint=f"store the new value under another name (self.{attr}_value = ...)",
                )
            elif attr == "name":
                ctx.report(
                    "FC406",
                    ctx.text.attr_span(target),
                    f"step '{fn.name}' assigns self.name, the flow's name: the new value lasts for this task only",
                    hint="store the value under another name (self.model_name = ...) to pass it on",
                    severity=Severity.WARNING,
                )


# Exceptions whose handler takes the AttributeError a refused assignment raises.
_CATCHES = frozenset({"AttributeError", "Exception", "BaseException"})


def handles_attribute_error(node: ast.Try) -> bool:
    """Whether a handler of the `try` takes an AttributeError (code that expects one)."""
    for h in node.handlers:
        kinds = h.type.elts if isinstance(h.type, ast.Tuple) else [h.type] if h.type is not None else []
        if h.type is None or any(isinstance(k, ast.Name) and k.id in _CATCHES for k in kinds):
            return True
    return False


def _assigned(body: Sequence[ast.stmt]) -> Iterator[ast.Attribute]:
    """`self.x` targets assigned in a step body (not in functions or classes defined inside it, nor
    in a `try` whose handler takes the AttributeError: code that expects the refusal)."""
    todo: list[ast.AST] = list(body)
    while todo:
        node = todo.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Try) and handles_attribute_error(node):
            todo.extend([*node.handlers, *node.orelse, *node.finalbody])
            continue
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign, ast.For, ast.AsyncFor)):
            targets = [node.target]
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            targets = [node.optional_vars]
        for t in targets:
            for sub in ast.walk(t):
                if isinstance(sub, ast.Attribute) and isinstance(sub.ctx, ast.Store) and _is_self(sub.value):
                    yield sub
        todo.extend(ast.iter_child_nodes(node))


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"
