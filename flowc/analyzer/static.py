"""Static values: what a decorator or Parameter argument may be without running the user's code.

Allowed: literals (numbers, strings, True/False/None, lists, tuples, dicts, sets of those), names of
module-level constants assigned once to such a value, and arithmetic between numbers (`60 * 60`).
Anything else (calls, attributes, f-strings, comprehensions) is not static, and the caller reports it.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import libcst as cst


@dataclass(frozen=True)
class NotStatic:
    """Why a value could not be known statically: the offending expression node."""

    node: cst.CSTNode
    reason: str


_BINOPS = {
    cst.Add: lambda a, b: a + b,
    cst.Subtract: lambda a, b: a - b,
    cst.Multiply: lambda a, b: a * b,
    cst.Divide: lambda a, b: a / b,
    cst.FloorDivide: lambda a, b: a // b,
}


def evaluate(node: cst.BaseExpression, constants: Mapping[str, Any]) -> Any:
    """The value of `node`, or a `NotStatic` describing the first part that is not static."""
    if isinstance(node, (cst.SimpleString, cst.ConcatenatedString)):
        if isinstance(node, cst.ConcatenatedString) and _has_fstring(node):
            return NotStatic(node, "an f-string is computed at run time")
        value = string_value(node)
        if value is None:
            return NotStatic(node, "this string cannot be read")
        if isinstance(value, bytes):
            return NotStatic(node, "bytes are not allowed here")
        return value
    if isinstance(node, cst.FormattedString):
        return NotStatic(node, "an f-string is computed at run time")
    if isinstance(node, (cst.Integer, cst.Float)):
        return ast.literal_eval(node.value)
    if isinstance(node, cst.Name):
        if node.value in ("True", "False", "None"):
            return {"True": True, "False": False, "None": None}[node.value]
        if node.value in constants:
            return constants[node.value]
        return NotStatic(node, f"'{node.value}' is not a module-level constant assigned once")
    if isinstance(node, cst.UnaryOperation):
        inner = evaluate(node.expression, constants)
        if isinstance(inner, NotStatic):
            return inner
        if isinstance(inner, (int, float)) and not isinstance(inner, bool):
            if isinstance(node.operator, cst.Minus):
                return -inner
            if isinstance(node.operator, cst.Plus):
                return +inner
        if isinstance(node.operator, cst.Not):
            return not inner
        return NotStatic(node, "this operator is not allowed here")
    if isinstance(node, cst.BinaryOperation):
        op = _BINOPS.get(type(node.operator))
        left = evaluate(node.left, constants)
        if isinstance(left, NotStatic):
            return left
        right = evaluate(node.right, constants)
        if isinstance(right, NotStatic):
            return right
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (left, right))
        strings = isinstance(left, str) and isinstance(right, str) and isinstance(node.operator, cst.Add)
        if op is None or not (numbers or strings):
            return NotStatic(node, "only arithmetic on numbers and joining strings are allowed")
        try:
            return op(left, right)
        except ZeroDivisionError:
            return NotStatic(node, "division by zero")
    if isinstance(node, (cst.List, cst.Tuple, cst.Set)):
        items = []
        for el in node.elements:
            if isinstance(el, cst.StarredElement):
                return NotStatic(el, "unpacking is not allowed here")
            v = evaluate(el.value, constants)
            if isinstance(v, NotStatic):
                return v
            items.append(v)
        return tuple(items) if isinstance(node, cst.Tuple) else items
    if isinstance(node, cst.Dict):
        out: dict[Any, Any] = {}
        for item in node.elements:
            if not isinstance(item, cst.DictElement):
                return NotStatic(item, "unpacking is not allowed here")
            k = evaluate(item.key, constants)
            if isinstance(k, NotStatic):
                return k
            v = evaluate(item.value, constants)
            if isinstance(v, NotStatic):
                return v
            try:
                out[k] = v
            except TypeError:
                return NotStatic(item.key, "this key is not hashable")
        return out
    return NotStatic(node, _kind_of(node))


def _kind_of(node: cst.BaseExpression) -> str:
    """Why this kind of expression has no value until the flow runs, in a few words."""
    if isinstance(node, cst.Call):
        return "it calls a function"
    if isinstance(node, cst.Attribute):
        return "it reads an attribute"
    if isinstance(node, cst.Subscript):
        return "it indexes a value"
    if isinstance(node, (cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp)):
        return "it is a comprehension"
    if isinstance(node, cst.Lambda):
        return "it is a function"
    return "it is computed"


def _has_fstring(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.FormattedString):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return _has_fstring(node.left) or _has_fstring(node.right)
    return False


def module_constants(module: cst.Module) -> dict[str, Any]:
    """Top-level names assigned exactly once to a static value, in source order."""
    assigned: dict[str, int] = {}
    candidates: list[tuple[str, cst.BaseExpression]] = []
    for stmt in module.body:
        if isinstance(stmt, (cst.ClassDef, cst.FunctionDef)):
            # Only the name is bound here; walking the body (a whole flow class) would be wasted.
            assigned[stmt.name.value] = assigned.get(stmt.name.value, 0) + 2
            continue
        if not isinstance(stmt, cst.SimpleStatementLine):
            # Names bound inside if/for/with/try at module level are not constants.
            for name in _bound_names(stmt):
                assigned[name] = assigned.get(name, 0) + 2
            continue
        for small in stmt.body:
            if isinstance(small, cst.Assign):
                for t in small.targets:
                    if isinstance(t.target, cst.Name):
                        assigned[t.target.value] = assigned.get(t.target.value, 0) + 1
                        if len(small.targets) == 1:
                            candidates.append((t.target.value, small.value))
                    else:
                        for n in _names_in_target(t.target):
                            assigned[n] = assigned.get(n, 0) + 2
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
                assigned[small.target.value] = assigned.get(small.target.value, 0) + 1
                if small.value is not None:
                    candidates.append((small.target.value, small.value))
            elif isinstance(small, cst.AugAssign) and isinstance(small.target, cst.Name):
                assigned[small.target.value] = assigned.get(small.target.value, 0) + 2
    constants: dict[str, Any] = {}
    for name, expr in candidates:
        if assigned.get(name) != 1:
            continue
        value = evaluate(expr, constants)
        if not isinstance(value, NotStatic):
            constants[name] = value
    return constants


def _names_in_target(node: cst.BaseExpression) -> list[str]:
    if isinstance(node, cst.Name):
        return [node.value]
    if isinstance(node, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in node.elements:
            out += _names_in_target(el.value)
        return out
    return []


def _bound_names(stmt: cst.CSTNode) -> list[str]:
    names: list[str] = []

    class _V(cst.CSTVisitor):
        def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
            names.extend(_names_in_target(node.target))

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            names.append(node.name.value)
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            names.append(node.name.value)
            return False

    stmt.visit(_V())
    return names


def string_value(node: cst.SimpleString | cst.ConcatenatedString) -> str | bytes | None:
    """A string literal's value, or None when Python could not read it either (a NUL byte, say)."""
    try:
        with warnings.catch_warnings():
            # An invalid escape in the user's string is their linter's business, not a crash of ours.
            warnings.simplefilter("ignore")
            return node.evaluated_value
    except (SyntaxError, ValueError, MemoryError):
        return None
