"""`Parameter(...)` and `IncludeFile(...)` class attributes, read statically."""

from __future__ import annotations

import ast
import json
import math
import re
from typing import Any

from flowc.analyzer.beside import beside_flow
from flowc.analyzer.context import MISSING, Context
from flowc.analyzer.positions import Argument
from flowc.ir import Parameter, ParamType

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_TYPES = {"str": ParamType.STR, "int": ParamType.INT, "float": ParamType.FLOAT, "bool": ParamType.BOOL}
PARAM_ARGS = ("name", "default", "type", "help", "required", "show_default")
INCLUDE_ARGS = ("name", "default", "help", "required", "is_text", "encoding", "show_default")


def parameter(ctx: Context, attr: str, call: ast.Call, api_name: str, target: ast.Name) -> Parameter | None:
    include = api_name == "IncludeFile"
    allowed = INCLUDE_ARGS if include else PARAM_ARGS
    what = api_name
    values: dict[str, Any] = {}
    nodes: dict[str, ast.expr] = {}
    ok = True
    positional = call.args
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        ctx.report(
            "FC403",
            call,
            f"{what} arguments must be written out, not unpacked",
            hint=f'{what}("name", default=..., help="...")',
        )
        return None
    if len(positional) > 1:
        ctx.report(
            "FC405",
            Argument(positional[1]),
            f"{what} takes the name positionally and the rest by keyword",
            hint=f'{what}("{attr}", default=..., help="...")',
        )
        ok = False
    given: list[tuple[str, ast.expr, ast.keyword | Argument]] = [("name", a, Argument(a)) for a in positional[:1]]
    given += [(str(k.arg), k.value, k) for k in call.keywords]
    for key, value, where in given:
        if key not in allowed:
            ctx.report(
                "FC304",
                where,
                f"{what} has no argument '{key}'",
                hint=f"{what} takes: {', '.join(allowed)}",
            )
            ok = False
            continue
        nodes[key] = value
        if key == "type":
            t = _param_type(ctx, value)
            if t is None:
                ok = False
            values[key] = t
            continue
        beside = beside_flow(ctx, value) if include and key == "default" else None
        if beside is not None:
            values[key] = beside  # script_path("movies.csv"): the file beside the flow
            continue
        v = ctx.static(value, "FC403", f"{what}({key}=...)")
        if v is MISSING:
            ok = False
            continue
        values[key] = v
    if "name" not in values:
        if ok:
            ctx.report("FC405", call, f"{what} needs a name", hint=f'{what}("{attr}", ...)')
        return None
    name = values["name"]
    if not isinstance(name, str) or not _NAME.match(name):
        ctx.report(
            "FC405",
            nodes["name"],
            f"parameter name {name!r} must start with a letter and hold only letters, digits, _ and -",
            hint=f'e.g. Parameter("{_suggest(name, attr)}", ...): the name becomes a command-line option '
            "and an orchestrator parameter",
        )
        return None
    for key in ("help",):
        if key in values and not isinstance(values[key], str):
            ctx.report(
                "FC405", nodes[key], f"{what}({key}=...) must be a string", hint='help="what this parameter changes"'
            )
            ok = False
    for key in ("required", "is_text", "show_default"):
        if key in values and not isinstance(values[key], bool):
            ctx.report(
                "FC405", nodes[key], f"{what}({key}=...) must be True or False", hint=f"{key}=True or {key}=False"
            )
            ok = False
    if not ok:
        return None
    default = values.get("default")
    if include:
        ptype = ParamType.STR
        if default is not None and not isinstance(default, str):
            ctx.report(
                "FC404",
                nodes["default"],
                "IncludeFile's default must be a path (a string)",
                hint='IncludeFile("data", default="data/input.csv")',
            )
            return None
    else:
        ptype = values.get("type") or _infer(default)
        if default is not None:
            checked = _check_default(ptype, default)
            if checked is MISSING:
                why = f"is not a valid {ptype.value}"
                if ptype is not ParamType.STR and not _finite(default):
                    what = "is not a finite number"
                    if not isinstance(default, float):
                        what = "holds a number that is not finite"
                    why = f"{what}: parameters travel as JSON, which has no NaN or Infinity"
                ctx.report(
                    "FC404",
                    nodes["default"],
                    f"default {default!r} of parameter '{name}' {why}",
                    hint="change the default or the type=",
                )
                return None
            default = checked
    return Parameter(
        name=name,
        attr=attr,
        type=ptype,
        span=ctx.span(target),
        default=default,
        help=values.get("help", ""),
        required=bool(values.get("required", False)),
        include_file=include,
        is_text=bool(values.get("is_text", True)),
    )


def _param_type(ctx: Context, node: ast.expr) -> ParamType | None:
    if isinstance(node, ast.Name) and node.id in _TYPES:
        return _TYPES[node.id]
    if ctx.api.resolve(node) == "JSONType":
        return ParamType.JSON
    ctx.report(
        "FC403",
        node,
        f"parameter type `{ctx.code(node)}` is not one flowc knows",
        hint="use str, int, float, bool or JSONType",
    )
    return None


def _infer(default: Any) -> ParamType:
    if isinstance(default, bool):
        return ParamType.BOOL
    if isinstance(default, int):
        return ParamType.INT
    if isinstance(default, float):
        return ParamType.FLOAT
    if isinstance(default, (dict, list, tuple)):
        return ParamType.JSON
    return ParamType.STR


def _check_default(ptype: ParamType, default: Any) -> Any:
    """The default converted to the parameter's type, or MISSING if it does not fit."""
    if ptype is ParamType.STR:
        return default if isinstance(default, str) else MISSING
    if ptype is ParamType.BOOL:
        return default if isinstance(default, bool) else MISSING
    if ptype is ParamType.INT:
        return default if isinstance(default, int) and not isinstance(default, bool) else MISSING
    if ptype is ParamType.FLOAT:
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            try:
                number = float(default)
            except OverflowError:
                return MISSING
            # 1e400 is inf, which JSON (how a parameter reaches every task and engine) cannot hold.
            return number if math.isfinite(number) else MISSING
        return MISSING
    # JSON: a JSON string (Metaflow's convention) or a literal structure.
    if isinstance(default, str):
        from flowc.runner.params import strict_json

        try:
            return strict_json(default)
        except ValueError:
            return MISSING
    try:
        return json.loads(json.dumps(default, allow_nan=False))
    except (TypeError, ValueError):
        return MISSING


def _finite(value: Any) -> bool:
    """False when `value` is or holds a float JSON cannot write (nan, inf), or an int too large for one."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    return True


def _suggest(name: object, attr: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9_-]", "_", str(name)).strip("_-")
    return cleaned if cleaned and cleaned[0].isalpha() else attr
