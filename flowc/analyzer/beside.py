"""Paths beside the flow file, computed by a helper the way Metaflow's tutorials do:

    def script_path(filename):
        filepath = os.path.join(os.path.dirname(__file__))
        return os.path.join(filepath, filename)

    movie_data = IncludeFile("movie_data", default=script_path("movies.csv"))

Such a default is a file next to the flow, known without running anything when the argument is a
literal: `beside_flow` recognises a call of a module-level function whose result is its argument
joined onto the flow's folder (`os.path.dirname(__file__)`, also through `abspath`/`realpath`, or
`pathlib.Path(__file__).parent`), and returns the path relative to the flow: the runner looks for an
IncludeFile's path beside the flow, and the code package carries the file.
"""

from __future__ import annotations

import ast

from flowc.analyzer.context import Context
from flowc.analyzer.imports import dotted_name

_DIRNAME = {"os.path.dirname", "path.dirname", "dirname"}
_WRAPPERS = {"os.path.abspath", "os.path.realpath", "path.abspath", "path.realpath", "abspath", "realpath"}
_JOIN = {"os.path.join", "path.join", "join"}


def beside_flow(ctx: Context, node: ast.expr) -> str | None:
    """The relative path `node` names beside the flow file, or None when it is not such a call."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and len(node.args) == 1):
        return None
    arg = node.args[0]
    if node.keywords or not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return None
    fn = next(
        (s for s in ctx.module.body if isinstance(s, ast.FunctionDef) and s.name == node.func.id),
        None,
    )
    if fn is None or len(fn.args.args) != 1 or fn.args.vararg or fn.args.kwarg or fn.args.kwonlyargs:
        return None
    if not _joins_onto_flow_folder(fn, fn.args.args[0].arg):
        return None
    return arg.value


def _joins_onto_flow_folder(fn: ast.FunctionDef, param: str) -> bool:
    """Whether `fn` returns its parameter joined onto the flow's folder, and does nothing else."""
    names: dict[str, ast.expr] = {}
    body = list(fn.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    for stmt in body[:-1]:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name)
            and stmt.targets[0].id != param
        ):
            names[stmt.targets[0].id] = stmt.value
            continue
        return False
    last = body[-1] if body else None
    if not isinstance(last, ast.Return) or last.value is None:
        return False
    value = last.value
    if isinstance(value, ast.Call) and dotted_name(value.func) == "str" and len(value.args) == 1:
        value = value.args[0]  # str(Path(__file__).parent / filename)
    if isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div):
        return _is_param(value.right, param) and _is_folder(value.left, names, 0)
    if isinstance(value, ast.Call) and dotted_name(value.func) in _JOIN and len(value.args) == 2:
        return _is_param(value.args[1], param) and _is_folder(value.args[0], names, 0)
    return False


def _is_param(node: ast.expr, param: str) -> bool:
    return isinstance(node, ast.Name) and node.id == param


def _is_folder(node: ast.expr, names: dict[str, ast.expr], depth: int) -> bool:
    """Whether `node` is the flow file's folder."""
    if depth > 8:
        return False
    if isinstance(node, ast.Name) and node.id in names:
        return _is_folder(names[node.id], names, depth + 1)
    if isinstance(node, ast.Attribute) and node.attr == "parent":
        return _is_file(node.value, names, depth + 1, pathlib=True)
    if not isinstance(node, ast.Call) or node.keywords:
        return False
    func = dotted_name(node.func)
    if func in _JOIN and len(node.args) == 1:  # os.path.join(folder) is the folder
        return _is_folder(node.args[0], names, depth + 1)
    if func in _WRAPPERS and len(node.args) == 1:
        return _is_folder(node.args[0], names, depth + 1)
    if func in _DIRNAME and len(node.args) == 1:
        return _is_file(node.args[0], names, depth + 1)
    return False


def _is_file(node: ast.expr, names: dict[str, ast.expr], depth: int, pathlib: bool = False) -> bool:
    """Whether `node` is the flow file's own path (`__file__`, perhaps made absolute)."""
    if depth > 8:
        return False
    if isinstance(node, ast.Name):
        if node.id == "__file__":
            return not pathlib
        return node.id in names and _is_file(names[node.id], names, depth + 1, pathlib)
    if (
        pathlib
        and isinstance(node, ast.Call)
        and not node.args
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("resolve", "absolute")
    ):
        return _is_file(node.func.value, names, depth + 1, pathlib)
    if not isinstance(node, ast.Call) or node.keywords or len(node.args) != 1:
        return False
    func = dotted_name(node.func)
    if pathlib:
        if func in ("Path", "pathlib.Path"):
            return isinstance(node.args[0], ast.Name) and node.args[0].id == "__file__"
        return False
    return func in _WRAPPERS and _is_file(node.args[0], names, depth + 1)
