"""Metaflow's `Config` declarations of a flow class, their values, and their use in static values.

A config's value is fixed before the flow runs (docs/metaflow.md, "Config"), so the analyzer works it
out here, reading files and text but never running the user's code: from `--config NAME PATH` /
`--config-value NAME TEXT` (`Context.config_inputs`), else the declaration's `default` (a file) or
`default_value`; text is parsed as JSON or by a standard parser (flowc.user_configs.KNOWN_PARSERS).
While the class is read, `ConfigScope.resolve` gives static evaluation (flowc.analyzer.static) the
values of `cfg`, `cfg.a.b`, `cfg["a"]` and `config_expr("cfg.a")`, so decorator arguments and
Parameter defaults taken from a config are static once the config is known, and `**cfg.res` unpacks
into a decorator's arguments.

A config parsed by the flow's own function has no value until a task runs that function: using it
where a static value is needed is FC421; elsewhere each task parses it (flowc.runner.configs).
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowc.analyzer.context import MISSING, Context
from flowc.analyzer.imports import dotted_name
from flowc.analyzer.positions import Argument
from flowc.analyzer.static import NOT_MINE, NotStatic
from flowc.ir import FlowConfig, Span
from flowc.user_configs import KNOWN_PARSERS, ConfigError, ConfigValue, parse_text

__all__ = ["ConfigScope", "begin", "expand_unpacked"]

CONFIG_ARGS = ("name", "default", "default_value", "help", "required", "parser", "plain", "show_default")
_HINT_GIVE = "give it with --config NAME PATH or --config-value NAME TEXT (on check, run, compile, deploy, trigger)"


@dataclass
class _Decl:
    attr: str
    name: str
    span: Span
    plain: bool
    # The value, the text a user parser must read, or neither (None: the config has no value).
    value: Any = None
    has_value: bool = False
    user_parser: str | None = None
    text: str | None = None
    # The nodes of the body of the class that declares it: only there does Python know the bare name.
    owned: frozenset[int] = frozenset()


@dataclass
class ConfigScope:
    """The configs of one flow class while it is read."""

    decls: dict[str, _Decl] = field(default_factory=dict)  # by attribute
    by_name: dict[str, _Decl] = field(default_factory=dict)  # by config name
    # False while the flow class's own decorators are read: there Python knows no class attribute,
    # so only `config_expr(...)` reaches a config (as in Metaflow).
    class_scope: bool = True
    # The local names of `config_expr` in this module.
    expr_names: frozenset[str] = frozenset()
    # True inside config_expr("..."), where (as in Metaflow) the expression is evaluated: text methods
    # work there. Called directly (`cfg.a.lower()`), Metaflow fails at import, and flowc refuses it.
    in_expr: bool = False

    def flow_configs(self) -> tuple[FlowConfig, ...]:
        out = []
        for d in self.decls.values():
            value = None
            if d.has_value and d.user_parser is None:
                value = json.dumps(d.value, ensure_ascii=False)
            out.append(FlowConfig(d.name, d.attr, d.span, value, d.plain, d.user_parser, d.text))
        return tuple(out)

    @staticmethod
    def plain(value: Any) -> Any:
        """A static value with every ConfigValue in it made plain dicts (what the IR holds)."""
        if isinstance(value, ConfigValue):
            return value.to_dict()
        if isinstance(value, dict):
            return {k: ConfigScope.plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [ConfigScope.plain(v) for v in value]
        if isinstance(value, tuple):
            return tuple(ConfigScope.plain(v) for v in value)
        return value

    # -- static evaluation ------------------------------------------------------------------------

    def resolve(self, node: ast.expr) -> Any:
        """The value of `node` when it reads a config, a NotStatic, or NOT_MINE (flowc.analyzer.static)."""
        if isinstance(node, ast.Name) and self._names(node):
            return self._value(self.decls[node.id], node)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.expr_names:
            return self._expr(node)
        if self.in_expr and _text_method(node) and self._reads_config(node):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            base = self._eval(node.func.value)
            if isinstance(base, NotStatic) or not isinstance(base, str):
                return base if isinstance(base, NotStatic) else NotStatic(node, f".{node.func.attr}() needs text")
            return getattr(base, node.func.attr)()
        if isinstance(node, (ast.Attribute, ast.Subscript)) and self._reads_config(node):
            base = self._eval(node.value)
            if isinstance(base, NotStatic):
                return base
            if isinstance(node, ast.Attribute):
                key: Any = node.attr
            else:
                key = self._eval(node.slice)
                if isinstance(key, NotStatic):
                    return key
            return self._item(base, key, node)
        return NOT_MINE

    def _names(self, node: ast.Name) -> bool:
        """Whether the bare name is a config here: inside config_expr, or in the body of the class
        that declares it (a base class's config is not a name in a subclass's body)."""
        d = self.decls.get(node.id)
        if d is None or not self.class_scope:
            return False
        return self.in_expr or not d.owned or id(node) in d.owned

    def _reads_config(self, node: ast.expr) -> bool:
        while isinstance(node, (ast.Attribute, ast.Subscript)) or _text_method(node):
            node = node.func.value if isinstance(node, ast.Call) else node.value  # type: ignore[attr-defined]
        if isinstance(node, ast.Name):
            return self._names(node)
        return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in self.expr_names

    def _eval(self, node: ast.expr) -> Any:
        from flowc.analyzer.static import evaluate

        return evaluate(node, {}, self.resolve)

    def _value(self, d: _Decl, node: ast.expr) -> Any:
        if d.user_parser is not None:
            return NotStatic(
                node,
                f"config '{d.name}' is parsed by `{d.user_parser}`, the flow's own function, which flowc "
                f"does not run while compiling",
                code="FC421",
                hint="give the config a parser flowc knows (" + ", ".join(sorted(KNOWN_PARSERS)) + ") or none (JSON), "
                "or read the value in a step",
            )
        if not d.has_value or d.value is None:
            return NotStatic(node, f"config '{d.name}' has no value", code="FC420", hint=_HINT_GIVE)
        return ConfigValue(d.value) if isinstance(d.value, Mapping) else d.value

    def _item(self, base: Any, key: Any, node: ast.expr) -> Any:
        what = f"`{key}`" if isinstance(node, ast.Attribute) else repr(key)
        try:
            return base[key]
        except (KeyError, IndexError, TypeError):
            has = f"; its keys: {', '.join(map(str, list(base)[:10]))}" if isinstance(base, Mapping) else ""
            return NotStatic(
                node,
                f"the config's value has no {what}{has}",
                code="FC420",
                hint="check the name against the config's file or value",
            )

    def _expr(self, call: ast.Call) -> Any:
        arg = call.args[0] if len(call.args) == 1 and not call.keywords else None
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            return NotStatic(call, "config_expr takes one string literal", code="FC420", hint='config_expr("cfg.a.b")')
        try:
            tree = ast.parse(arg.value.strip(), mode="eval")
        except SyntaxError:
            return NotStatic(call, f"config_expr({arg.value!r}) is not a Python expression", code="FC420")
        saved = self.class_scope, self.in_expr
        self.class_scope = True  # the expression names configs directly, wherever it is written
        self.in_expr = True
        try:
            value = self._eval(tree.body)
        finally:
            self.class_scope, self.in_expr = saved
        if isinstance(value, NotStatic):
            inner = ast.get_source_segment(arg.value.strip(), value.node) if isinstance(value.node, ast.AST) else None
            return NotStatic(
                call,
                f"in it, `{inner or arg.value}`: {value.reason}",
                code=value.code or "FC420",
                hint=value.hint or "config_expr may read configs (cfg.a, cfg['a']) and literals, not call functions",
            )
        return value


# Methods of text a config's value may be put through in config_expr (`config_expr("cfg.env.lower()")`,
# Metaflow's own example): pure, argument-free.
TEXT_METHODS = frozenset({"lower", "upper", "strip", "lstrip", "rstrip", "title", "capitalize", "casefold"})


def _text_method(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in TEXT_METHODS
        and not node.args
        and not node.keywords
    )


def begin(
    ctx: Context,
    cls: ast.ClassDef,
    stmts: list[tuple[Context, ast.stmt]] | None = None,
    contexts: list[Context] | None = None,
) -> ConfigScope | None:
    """Read the class's `Config` declarations and work out their values; sets `configs` on `ctx` and
    on `contexts` (the files of the classes it inherits from, whose decorators may read them too).
    `stmts` are the class attributes' statements that count, bases' included, each with the context
    of its file (default: the class's own body). Reports values that cannot be had, and command-line
    configs the flow does not declare. `end` undoes what this sets."""
    every = [ctx, *[c for c in contexts or [] if c is not ctx]]
    names: set[str] = set()
    for c in every:
        names |= {local for local, api in c.api.names.items() if api == "config_expr"}
        if c.api.star:
            names.add("config_expr")
        c.config_inputs = ctx.config_inputs  # a base's file is read with the flow's values
    scope = ConfigScope(expr_names=frozenset(names))
    for sctx, stmt in stmts if stmts is not None else [(ctx, s) for s in cls.body]:
        target, value = _assignment(stmt)
        if target is None or not isinstance(value, ast.Call) or sctx.api.resolve(value.func) != "Config":
            continue
        if not isinstance(target, ast.Name):
            sctx.report(
                "FC422", target, "Config must be assigned to a plain class attribute", hint='cfg = Config("cfg")'
            )
            continue
        d = _declaration(sctx, target, value)
        if d is None:
            continue
        owner = _owner(sctx, stmt)
        if owner is not None:
            d.owned = frozenset(id(n) for s in owner.body for n in ast.walk(s))
        if d.name in scope.by_name:
            sctx.report(
                "FC422",
                d.span,
                f"config '{d.name}' is declared twice (first at line {scope.by_name[d.name].span.line})",
                hint="give each config its own name",
            )
            continue
        scope.decls[d.attr] = d
        scope.by_name[d.name] = d
    inputs = ctx.config_inputs
    if inputs:
        for name in inputs.names:
            if name not in scope.by_name:
                known = ", ".join(scope.by_name) or "none"
                ctx.report(
                    "FC420",
                    None,
                    f"a value is given for config '{name}', which flow {cls.name} does not declare "
                    f"(its configs: {known})",
                    hint="check the name passed to --config / --config-value",
                )
    if not scope.decls:
        return None
    for c in every:
        c.configs = scope
    return scope


def _owner(ctx: Context, stmt: ast.stmt) -> ast.ClassDef | None:
    """The class whose body holds `stmt` (a top-level class of its file)."""
    for node in ctx.module.body:
        if isinstance(node, ast.ClassDef) and any(s is stmt for s in node.body):
            return node
    return None


def end(contexts: list[Context]) -> None:
    """The class is read: its configs no longer resolve names in these files."""
    for c in contexts:
        c.configs = None


def _assignment(stmt: ast.stmt) -> tuple[ast.expr | None, ast.expr | None]:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        return stmt.targets[0], stmt.value
    if isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        return stmt.target, stmt.value
    return None, None


def _declaration(ctx: Context, target: ast.Name, call: ast.Call) -> _Decl | None:
    span = ctx.span(target)
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        ctx.report(
            "FC422", call, "Config arguments must be written out, not unpacked", hint='Config("cfg", default=...)'
        )
        return None
    given: list[tuple[str, ast.expr, Any]] = [("name", a, Argument(a)) for a in call.args[:1]]
    if len(call.args) > 1:
        ctx.report(
            "FC422",
            Argument(call.args[1]),
            "Config takes the name positionally and the rest by keyword",
            hint='Config("cfg", default="cfg.json")',
        )
        return None
    given += [(str(k.arg), k.value, k) for k in call.keywords]
    args: dict[str, Any] = {}
    parser_node: ast.expr | None = None
    for key, node, where in given:
        if key not in CONFIG_ARGS:
            ctx.report(
                "FC304", where, f"Config has no argument '{key}'", hint=f"Config takes: {', '.join(CONFIG_ARGS)}"
            )
            return None
        if key == "parser":
            parser_node = node
            continue
        value = ctx.static(node, "FC422", f"Config({key}=...)")
        if value is MISSING:
            return None
        args[key] = value
    name = args.get("name")
    if not isinstance(name, str) or not name:
        ctx.report(
            "FC422", call, "Config needs a name, a non-empty string", hint=f'{target.id} = Config("{target.id}")'
        )
        return None
    default, default_value = args.get("default"), args.get("default_value")
    if default is not None and default_value is not None:
        ctx.report(
            "FC422",
            call,
            f"config '{name}' has both default (a file) and default_value: give one",
            hint="default='cfg.json' reads a file; default_value={...} is the value itself",
        )
        return None
    if default is not None and not isinstance(default, str):
        ctx.report(
            "FC422", call, f"config '{name}': default is a file's path, a string", hint="use default_value for a value"
        )
        return None
    if default_value is not None and not isinstance(default_value, (str, dict)):
        ctx.report(
            "FC422", call, f"config '{name}': default_value must be a dict or a string", hint="default_value={...}"
        )
        return None
    plain = bool(args.get("plain", False))
    d = _Decl(target.id, name, span, plain)
    known, user = _parser(ctx, parser_node)
    text, where = _text(ctx, d, default, default_value)
    if text is None:
        if where is not None:
            return d  # reported
        if args.get("required"):
            ctx.report("FC420", span, f"config '{name}' is required and has no value", hint=_HINT_GIVE)
        d.has_value = True  # its value is None
        return d
    if user is not None:
        d.user_parser, d.text, d.has_value = user, text, True
        return d
    try:
        d.value = parse_text(name, text, known, plain)
    except ConfigError as exc:
        ctx.report("FC420", span, f"{exc} ({where})", hint="fix the file or the value")
        return d
    try:
        json.dumps(d.value)
    except (TypeError, ValueError):
        ctx.report(
            "FC420",
            span,
            f"config '{name}': its value holds something JSON cannot represent ({where})",
            hint="keep config values to mappings, lists, strings, numbers, booleans and null",
        )
        return d
    d.has_value = True
    return d


def _parser(ctx: Context, node: ast.expr | None) -> tuple[str | None, str | None]:
    """(the KNOWN_PARSERS name, None) or (None, the user's parser as written), or (None, None)."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None, None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        dotted = node.value
    else:
        dotted = dotted_name(node) or ""
        first, _, rest = dotted.partition(".")
        for stmt in ctx.module.body:  # `import yaml as y` / `from yaml import safe_load`
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if (alias.asname or alias.name) == first:
                        dotted = alias.name + ("." + rest if rest else "")
            elif isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                for alias in stmt.names:
                    if (alias.asname or alias.name) == first:
                        dotted = f"{stmt.module}.{alias.name}" + ("." + rest if rest else "")
    if dotted in KNOWN_PARSERS:
        return dotted, None
    return None, dotted or ctx.code(node)


def _text(ctx: Context, d: _Decl, default: str | None, default_value: Any) -> tuple[str | None, str | None]:
    """The config's text and where it came from; (None, None) for no value, (None, where) after an
    error was reported."""
    inputs = ctx.config_inputs
    given_path = dict(inputs.paths).get(d.name) if inputs else None
    given_text = dict(inputs.texts).get(d.name) if inputs else None
    if given_text is not None:
        return given_text, "from --config-value"
    path = given_path if given_path is not None else default
    if path is not None:
        where = f"--config {d.name} {path}" if given_path is not None else f"default={path!r}"
        found = _find(ctx, path, search_flow_dir=given_path is None)
        if found is None:
            ctx.report(
                "FC420",
                d.span,
                f"config '{d.name}': the file '{path}' cannot be read ({where})",
                hint="relative paths are read from the working directory"
                + ("" if given_path is not None else ", then the flow file's folder"),
            )
            return None, where
        try:
            return found.read_text(encoding="utf-8"), f"from {path}"
        except (OSError, UnicodeDecodeError) as exc:
            ctx.report("FC420", d.span, f"config '{d.name}': cannot read '{path}': {exc}", hint="check the file")
            return None, where
    if default_value is None:
        return None, None
    if isinstance(default_value, dict):
        return json.dumps(default_value, ensure_ascii=False), "default_value"
    return str(default_value), "default_value"


def _find(ctx: Context, path: str, search_flow_dir: bool) -> Path | None:
    """The file `path` names: relative to the working directory (Metaflow's rule), then, for a
    declaration's default, to the flow file's folder (so `flowc check flows/` works from anywhere)."""
    candidates = [Path(path)]
    if search_flow_dir and not os.path.isabs(path):
        candidates.append(Path(ctx.file).parent / path)
    for c in candidates:
        if c.is_file():
            return c
    return None


def expand_unpacked(ctx: Context, call: ast.Call) -> list[ast.keyword] | None:
    """`call`'s keywords with every `**<config value>` written out as `key=<config value>[key]`
    (positions kept, so a problem with one is reported where the `**` is). None when some `**` is
    not a config's mapping (the caller then reports unpacking as usual)."""
    scope = ctx.configs
    if scope is None:
        return None
    out: list[ast.keyword] = []
    for kw in call.keywords:
        if kw.arg is not None:
            out.append(kw)
            continue
        if not scope._reads_config(kw.value):
            return None
        value = scope._eval(kw.value)
        if not isinstance(value, Mapping):
            return None
        for key in value:
            item = ast.Subscript(value=kw.value, slice=ast.Constant(value=key), ctx=ast.Load())
            ast.copy_location(item, kw.value)
            item.end_lineno, item.end_col_offset = kw.value.end_lineno, kw.value.end_col_offset
            out.append(ast.keyword(arg=str(key), value=item, lineno=kw.lineno, col_offset=kw.col_offset))
    return out
