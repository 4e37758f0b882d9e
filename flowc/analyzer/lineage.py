"""A flow class's bases, read from source: inheritance without importing anything.

A flow may inherit steps, parameters, flow decorators and constants from a base flow class or a mixin
(Metaflow collects them from the class and its bases). The bases are found statically: a class of
the same file, or one imported from a module of the same package (`from .base import Base`,
`from pkg.base import Base`), whose file is found by path and read like the flow's own. The order
Python would look attributes up in (the C3 linearisation) decides which definition wins. A base that
cannot be read is reported by name (FC114): flowc never guesses what it would have contributed.

A base read from another file must also be one a task can import (FC117): a task runs the flow's file
as a script with the flow's folder as its import root (as `python flow.py` does, and only that
folder goes into the code package), so a base module imported relatively (`from .base import B`),
from above the folder, or under a name not rooted at the folder would fail in every task.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from dataclasses import dataclass, field

from flowc.analyzer import syntax
from flowc.analyzer.context import Context
from flowc.analyzer.imports import collect, dotted_name
from flowc.analyzer.positions import SourceText
from flowc.analyzer.static import module_constants

# Bases that contribute nothing a flow needs to know about.
_INERT = frozenset({"object", "ABC", "Generic", "Protocol"})


@dataclass(frozen=True)
class Cls:
    """One class of the lineage, with the context (file) it is written in."""

    ctx: Context
    node: ast.ClassDef

    @property
    def key(self) -> tuple[str, str]:
        return (self.ctx.file, self.node.name)


@dataclass
class Resolver:
    """Finds the classes that bases name, reading (once each) the modules of the package they live in."""

    ctx: Context
    modules: dict[str, Context | None] = field(default_factory=dict)

    def flow_classes(self) -> list[ast.ClassDef]:
        """The file's top-level classes that are flows: FlowSpec among their bases, however far up."""
        return [s for s in self.ctx.module.body if isinstance(s, ast.ClassDef) and self.is_flow(Cls(self.ctx, s))]

    def is_flow(self, cls: Cls, seen: frozenset[tuple[str, str]] = frozenset()) -> bool:
        if cls.key in seen:
            return False
        for base in cls.node.bases:
            if _is_flowspec(cls.ctx, base):
                return True
            found = self.resolve(cls.ctx, base)
            if isinstance(found, Cls) and self.is_flow(found, seen | {cls.key}):
                return True
        return False

    def unreadable_bases(self, cls: Cls) -> list[tuple[Cls, ast.expr, str]]:
        """The bases of `cls` (and of its readable bases) that cannot be read: the class that names
        each, the base expression, and why."""
        out: list[tuple[Cls, ast.expr, str]] = []
        todo, seen = [cls], set()
        while todo:
            c = todo.pop()
            if c.key in seen:
                continue
            seen.add(c.key)
            for base, found in self._resolved_bases(c):
                if isinstance(found, Cls):
                    todo.append(found)
                elif found is not None:
                    out.append((c, base, found))
        return out

    def unimportable_bases(self, cls: Cls) -> list[tuple[Cls, ast.expr, str, str]]:
        """The bases of `cls`'s lineage that are read from another file but that a task could not
        import: the class that names each, the base expression, why, and what to do instead."""
        out = []
        for c in self.lineage(cls):
            for base, found in self._resolved_bases(c):
                if isinstance(found, Cls) and found.ctx.file != c.ctx.file:
                    problem = self._import_problem(c.ctx, base, found)
                    if problem is not None:
                        out.append((c, base, *problem))
        return out

    def _import_problem(self, ctx: Context, base: ast.expr, found: Cls) -> tuple[str, str] | None:
        name = dotted_name(base.value if isinstance(base, (ast.Starred, ast.Subscript)) else base) or ""
        module_name = self._module_name(ctx, name)
        root = os.path.dirname(os.path.abspath(self.ctx.file))
        path = os.path.abspath(found.ctx.file)
        importable = f"from {_importable_name(root, path)} import {found.node.name}"
        if module_name is None or module_name.startswith("."):
            return (
                f"module '{module_name}' is imported relatively, and a task runs the flow's file as a script "
                "(as `python flow.py` does), where a relative import fails",
                f"import it by its name from the flow's folder: {importable}"
                if _inside(root, path)
                else f"move {os.path.basename(path)} into the flow's folder {root} and import it by name",
            )
        if not _inside(root, path):
            return (
                f"{path} is outside the flow's folder {root}: the code package holds only that folder, so no "
                "task could import it",
                f"move {os.path.basename(path)} into the flow's folder, or move the flow's file up beside it",
            )
        if _importable_name(root, path) != module_name:
            return (
                f"module '{module_name}' is not importable in a task, whose import root is the flow's folder {root}",
                f"import it as {importable}",
            )
        return None

    def _module_name(self, ctx: Context, name: str) -> str | None:
        """The module a dotted base name comes from, by the file's imports (None: not imported)."""
        head, _, rest = name.partition(".")
        origin = _imported(ctx.module, head)
        if origin is None:
            return None
        module_name, attr = origin
        if rest:
            if attr is not None:
                module_name = _join(module_name, attr)
            for part in rest.split(".")[:-1]:
                module_name = _join(module_name, part)
        return module_name

    def lineage(self, cls: Cls) -> list[Cls]:
        """`cls` and the readable classes it inherits from, in Python's lookup order (FlowSpec left out)."""
        return _c3(cls, self._readable_bases, set())

    def _readable_bases(self, cls: Cls) -> list[Cls]:
        return [found for _, found in self._resolved_bases(cls) if isinstance(found, Cls)]

    def _resolved_bases(self, cls: Cls) -> list[tuple[ast.expr, Cls | str | None]]:
        """Each base of `cls` but FlowSpec, with what `resolve` makes of it."""
        return [(base, self.resolve(cls.ctx, base)) for base in cls.node.bases if not _is_flowspec(cls.ctx, base)]

    def resolve(self, ctx: Context, base: ast.expr) -> Cls | str | None:
        """The class `base` names; None for a base that adds nothing; else why it cannot be read."""
        if isinstance(base, (ast.Starred, ast.Subscript)):
            base = base.value
        name = dotted_name(base)
        if name is None:
            return f"`{ctx.code(base)}` is not a class name flowc can follow"
        if name in _INERT or name.split(".")[-1] in _INERT:
            return None
        if "." not in name:
            for stmt in ctx.module.body:
                if isinstance(stmt, ast.ClassDef) and stmt.name == name:
                    return Cls(ctx, stmt)
        head, _, rest = name.partition(".")
        origin = _imported(ctx.module, head)
        if origin is None:
            return f"'{name}' is not defined in {os.path.basename(ctx.file)} nor imported from a module of its package"
        module_name, attr = origin
        if rest:
            # `import pkg.base` then `pkg.base.Base`, or `from . import base` then `base.Base`
            if attr is not None:
                module_name = _join(module_name, attr)
            *more, attr = rest.split(".")
            for part in more:
                module_name = _join(module_name, part)
        elif attr is None:
            return f"'{name}' is a module, not a class"
        other = self._module(ctx.file, module_name)
        if other is None:
            return f"module '{module_name}' is not a file of the flow's package"
        for stmt in other.module.body:
            if isinstance(stmt, ast.ClassDef) and stmt.name == attr:
                return Cls(other, stmt)
        return f"'{attr}' is not a class defined in {other.file}"

    def _module(self, importer: str, module_name: str) -> Context | None:
        path = _module_path(importer, module_name)
        if path is None:
            return None
        if path not in self.modules:
            self.modules[path] = self._read(path)
        return self.modules[path]

    def _read(self, path: str) -> Context | None:
        try:
            with open(path, encoding="utf-8") as f:
                source = f.read()
        except (OSError, UnicodeDecodeError):
            return None
        text = SourceText(source)
        module, err = syntax.parse(path, source, text.lines)
        if module is None:
            if err is not None:
                self.ctx.diagnostics.append(err)
            return None
        # Diagnostics about a base land in the same list as the flow's own.
        return Context(
            file=path,
            module=module,
            text=text,
            api=collect(module),
            constants=module_constants(module),
            diagnostics=self.ctx.diagnostics,
            config_inputs=self.ctx.config_inputs,
        )


def _is_flowspec(ctx: Context, base: ast.expr) -> bool:
    if isinstance(base, ast.Starred):
        base = base.value
    if ctx.api.resolve(base) == "FlowSpec":
        return True
    # `FlowSpec` written without an import we can see (e.g. a re-export) still marks a flow.
    return (isinstance(base, ast.Name) and base.id == "FlowSpec") or (
        isinstance(base, ast.Attribute) and base.attr == "FlowSpec"
    )


def _imported(module: ast.Module, local: str) -> tuple[str, str | None] | None:
    """Where a top-level import binds `local`: (module, attribute), attribute None for `import m`.
    A relative module keeps its leading dots."""
    for stmt in module.body:
        if isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) == local:
                    return ("." * stmt.level + (stmt.module or ""), alias.name)
        elif isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname == local:
                    return (alias.name, None)
                if alias.asname is None and alias.name.split(".")[0] == local:
                    return (local, None)
    return None


def _inside(root: str, path: str) -> bool:
    return os.path.commonpath([root, path]) == root


def _importable_name(root: str, path: str) -> str:
    """The module name of `path` with `root` on sys.path (a package's `__init__.py` is the package)."""
    rel = os.path.relpath(path, root)
    parts = rel[: -len(".py")].split(os.sep) if rel.endswith(".py") else rel.split(os.sep)
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _join(module: str, part: str) -> str:
    return module + part if not module or module.endswith(".") else f"{module}.{part}"


def _module_path(importer: str, module_name: str) -> str | None:
    """The file of `module_name` as imported from `importer`, when it belongs to the importer's package
    (or sits beside it): relative imports from the importer's folder, absolute ones from the folder
    of each enclosing package (the one a script's own folder or an installed package would add)."""
    here = os.path.dirname(os.path.abspath(importer))
    stripped = module_name.lstrip(".")
    level = len(module_name) - len(stripped)
    parts = [p for p in stripped.split(".") if p]
    roots: list[str] = []
    if level:
        root = here
        for _ in range(level - 1):
            root = os.path.dirname(root)
        roots.append(root)
    else:
        root = here
        roots.append(root)
        while os.path.isfile(os.path.join(root, "__init__.py")):
            root = os.path.dirname(root)
            roots.append(root)
    for root in roots:
        base = os.path.join(root, *parts)
        for candidate in (base + ".py", os.path.join(base, "__init__.py")):
            if parts and os.path.isfile(candidate):
                return candidate
    return None


def _c3(cls: Cls, bases_of: Callable[[Cls], list[Cls]], seen: set[tuple[str, str]]) -> list[Cls]:
    """Python's method resolution order over readable classes (a cycle or an inconsistent order
    falls back to depth-first, left to right: Python would refuse such a class anyway)."""
    if cls.key in seen:
        return []
    seen = seen | {cls.key}
    bases = bases_of(cls)
    seqs = [_c3(b, bases_of, seen) for b in bases] + [list(bases)]
    seqs = [list(s) for s in seqs if s]
    out = [cls]
    while seqs:
        for seq in seqs:
            head = seq[0]
            if not any(head.key in (c.key for c in s[1:]) for s in seqs):
                break
        else:
            head = seqs[0][0]
        out.append(head)
        seqs = [[c for c in s if c.key != head.key] for s in seqs]
        seqs = [s for s in seqs if s]
    return out
