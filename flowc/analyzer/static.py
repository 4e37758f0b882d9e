"""Static values: what a decorator or Parameter argument may be without running the user's code.

Allowed: literals (numbers, strings, True/False/None, lists, tuples, dicts, sets of those), names of
module-level constants assigned once to such a value, and arithmetic between numbers (`60 * 60`).
Anything else (calls, attributes, f-strings, comprehensions) is not static, and the caller reports it.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from flowc.analyzer.positions import DictUnpack, Where


@dataclass(frozen=True)
class NotStatic:
    """Why a value could not be known statically: the offending expression."""

    node: Where
    reason: str
    # A reason of its own kind (a config's value that cannot be had): the code and hint to report
    # instead of the caller's.
    code: str | None = None
    hint: str | None = None


# What a `Resolver` returns for a node it has nothing to say about.
NOT_MINE: Any = object()
# Gives the value of an expression the rules below do not cover (a config's value: `cfg.a.b`), a
# NotStatic, or NOT_MINE. flowc.analyzer.configs provides one.
Resolver = Callable[[ast.expr], Any]


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
}


def evaluate(node: ast.expr, constants: Mapping[str, Any], resolve: Resolver | None = None) -> Any:
    """The value of `node`, or a `NotStatic` describing the first part that is not static. `resolve`
    is asked first about every sub-expression (see `Resolver`)."""
    try:
        return _evaluate(node, constants, resolve)
    except RecursionError:  # a literal nested thousands deep: Python accepts it, this reader gives up
        return NotStatic(node, "it is nested too deeply to read")


def _evaluate(node: ast.expr, constants: Mapping[str, Any], resolve: Resolver | None = None) -> Any:
    if resolve is not None:
        found = resolve(node)
        if found is not NOT_MINE:
            return found
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bytes):
            return NotStatic(node, "bytes are not allowed here")
        if value is Ellipsis or isinstance(value, complex):
            return NotStatic(node, "it is computed")
        return value
    if isinstance(node, ast.JoinedStr):
        return NotStatic(node, "an f-string is computed at run time")
    if isinstance(node, ast.Name):
        if node.id in constants:
            return constants[node.id]
        return NotStatic(node, f"'{node.id}' is not a module-level constant assigned once")
    if isinstance(node, ast.UnaryOp):
        inner = _evaluate(node.operand, constants, resolve)
        if isinstance(inner, NotStatic):
            return inner
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            if isinstance(node.op, ast.USub):
                return -inner
            if isinstance(node.op, ast.UAdd):
                return +inner
        if isinstance(node.op, ast.Not):
            return not inner
        return NotStatic(node, "this operator is not allowed here")
    if isinstance(node, ast.BinOp):
        op = _BINOPS.get(type(node.op))
        left = _evaluate(node.left, constants, resolve)
        if isinstance(left, NotStatic):
            return left
        right = _evaluate(node.right, constants, resolve)
        if isinstance(right, NotStatic):
            return right
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
        strings = isinstance(left, str) and isinstance(right, str) and isinstance(node.op, ast.Add)
        if op is None or not (numbers or strings):
            return NotStatic(node, "only +, -, *, / and // on numbers and + on strings are allowed, not ** or %")
        try:
            return op(left, right)
        except ZeroDivisionError:
            return NotStatic(node, "division by zero")
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        items = []
        for el in node.elts:
            if isinstance(el, ast.Starred):
                return NotStatic(el, "unpacking is not allowed here")
            v = _evaluate(el, constants, resolve)
            if isinstance(v, NotStatic):
                return v
            items.append(v)
        return tuple(items) if isinstance(node, ast.Tuple) else items
    if isinstance(node, ast.Dict):
        out: dict[Any, Any] = {}
        for key, val in zip(node.keys, node.values, strict=True):
            if key is None:
                return NotStatic(DictUnpack(val), "unpacking is not allowed here")
            k = _evaluate(key, constants, resolve)
            if isinstance(k, NotStatic):
                return k
            v = _evaluate(val, constants, resolve)
            if isinstance(v, NotStatic):
                return v
            try:
                out[k] = v
            except TypeError:
                return NotStatic(key, "this key is not hashable")
        return out
    return NotStatic(node, _kind_of(node))


def _kind_of(node: ast.expr) -> str:
    """Why this kind of expression has no value until the flow runs, in a few words."""
    if isinstance(node, ast.Call):
        return "it calls a function"
    if isinstance(node, ast.Attribute):
        return "it reads an attribute"
    if isinstance(node, ast.Subscript):
        return "it indexes a value"
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return "it is a comprehension"
    if isinstance(node, ast.Lambda):
        return "it is a function"
    return "it is computed"


def module_constants(module: ast.Module) -> dict[str, Any]:
    """Top-level names assigned exactly once to a static value, in source order."""
    assigned: dict[str, int] = {}
    candidates: list[tuple[str, ast.expr]] = []
    for stmt in module.body:
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            # Only the name is bound here; walking the body (a whole flow class) would be wasted.
            assigned[stmt.name] = assigned.get(stmt.name, 0) + 2
        elif isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                if isinstance(t, ast.Name):
                    assigned[t.id] = assigned.get(t.id, 0) + 1
                    if len(stmt.targets) == 1:
                        candidates.append((t.id, stmt.value))
                else:
                    for n in _names_in_target(t):
                        assigned[n] = assigned.get(n, 0) + 2
        elif isinstance(stmt, ast.AnnAssign):
            if isinstance(stmt.target, ast.Name):
                assigned[stmt.target.id] = assigned.get(stmt.target.id, 0) + 1
                if stmt.value is not None:
                    candidates.append((stmt.target.id, stmt.value))
        elif isinstance(stmt, ast.AugAssign):
            if isinstance(stmt.target, ast.Name):
                assigned[stmt.target.id] = assigned.get(stmt.target.id, 0) + 2
        elif isinstance(stmt, COMPOUND):
            # Names bound inside if/for/with/try at module level are not constants.
            for name in _bound_names(stmt):
                assigned[name] = assigned.get(name, 0) + 2
    constants: dict[str, Any] = {}
    for name, expr in candidates:
        if assigned.get(name) != 1:
            continue
        value = evaluate(expr, constants)
        if not isinstance(value, NotStatic):
            constants[name] = value
    return constants


# Statements with blocks that run conditionally or repeatedly (not def and class).
COMPOUND: tuple[type[ast.stmt], ...] = (
    ast.If,
    ast.For,
    ast.AsyncFor,
    ast.While,
    ast.With,
    ast.AsyncWith,
    ast.Try,
    ast.Match,
)
if hasattr(ast, "TryStar"):  # Python 3.11
    COMPOUND += (ast.TryStar,)


def _names_in_target(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Starred):
        node = node.value
    if isinstance(node, ast.Name):
        return [node.id]
    if isinstance(node, (ast.Tuple, ast.List)):
        return [n for el in node.elts for n in _names_in_target(el)]
    return []


def _bound_names(stmt: ast.stmt) -> Iterator[str]:
    """Names an `=` assignment, a def or a class binds inside a compound statement (not inside the
    functions and classes it defines)."""
    todo: list[ast.AST] = [stmt]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node is not stmt:
            yield node.name
            continue
        if isinstance(node, ast.Assign):
            for t in node.targets:
                yield from _names_in_target(t)
        todo.extend(ast.iter_child_nodes(node))
