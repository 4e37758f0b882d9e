"""Pieces the CLI commands share: reading flows with diagnostics, target options, writing files."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any

from flowc.diagnostics import Diagnostic, Severity

TARGET_COMMANDS = ("compile", "deploy", "check", "trigger")


def use_color(stream: IO[str], mode: str = "auto") -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def print_diagnostics(
    diags: Sequence[Diagnostic], sources: dict[str, str], stream: IO[str] | None = None, color: str = "auto"
) -> None:
    from flowc import render

    stream = stream or sys.stderr
    if diags:
        print(render.text(diags, sources, color=use_color(stream, color)), file=stream)
        errors = sum(d.severity is Severity.ERROR for d in diags)
        warnings = len(diags) - errors
        parts = [f"{errors} error{'s' * (errors != 1)}"] + (
            [f"{warnings} warning{'s' * (warnings != 1)}"] if warnings else []
        )
        print(f"flowc: {', '.join(parts)}", file=stream)


@functools.lru_cache(maxsize=1)
def registry() -> Any:
    """The registry for this process: built-ins and plugins, entry points read once."""
    from flowc.target_api import default_registry

    return default_registry()


def peek_target(argv: Sequence[str]) -> str | None:
    """The value of --target/-t in argv, before the full parser (which depends on it) exists."""
    for i, a in enumerate(argv):
        if a in ("--target", "-t") and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--target="):
            return a.split("=", 1)[1]
    return None


def add_target_options(parser: argparse.ArgumentParser, target_name: str | None) -> str | None:
    """Add the chosen target's own options as flags. Returns an error message for a bad target."""
    if target_name is None:
        return None
    from flowc.target_api import TargetLoadError

    reg = registry()
    if target_name not in reg.names():
        return None  # reported in run(), with the list of valid names
    try:
        target = reg.get(target_name)
    except TargetLoadError as exc:
        return str(exc)
    group = parser.add_argument_group(f"options of the {target_name} target")
    for opt in target.options():
        kwargs: dict[str, Any] = {"help": opt.help, "dest": f"opt_{opt.dest}", "default": None}
        if opt.choices:
            kwargs["choices"] = opt.choices
        if opt.type is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = opt.type
        group.add_argument(f"--{opt.name}", **kwargs)
    return None


def resolve_target(name: str) -> Any:
    """The target object, or an error string for unknown or broken targets."""
    from flowc.target_api import TargetLoadError

    reg = registry()
    names = reg.names()
    if name not in names:
        return f"unknown target '{name}'; valid targets: {', '.join(names)}"
    try:
        return reg.get(name)
    except TargetLoadError as exc:
        return str(exc)


def target_options(target: Any, args: argparse.Namespace, flow_path: str) -> dict[str, Any]:
    """Option values: the target's defaults, then the project's config file, then flags."""
    opts = {o.dest: o.default for o in target.options()}
    config = load_config(Path(flow_path)).get(target.name, {})
    for o in target.options():
        for key in (o.dest, o.name):
            if key in config:
                value = config[key]
                opts[o.dest] = o.type(value) if isinstance(value, str) and o.type not in (str, bool) else value
        flag = getattr(args, f"opt_{o.dest}", None)
        if flag is not None:
            opts[o.dest] = flag
    return opts


def missing_required(target: Any, opts: dict[str, Any]) -> list[str]:
    """Usage errors for required options that have no value, naming both ways to give one."""
    out = []
    for o in target.options():
        if getattr(o, "required", False) and opts.get(o.dest) in (None, ""):
            out.append(
                f"the {target.name} target needs --{o.name} ({o.help}), or `{o.name} = ...` under "
                f"[tool.flowc.{target.name}] in pyproject.toml"
            )
    return out


def with_placeholders(target: Any, opts: dict[str, Any]) -> dict[str, Any]:
    """Options for checking only: required options without a value take the target's placeholder."""
    filled = dict(opts)
    for o in target.options():
        if getattr(o, "required", False) and filled.get(o.dest) in (None, "") and o.placeholder is not None:
            filled[o.dest] = o.placeholder
    return filled


def load_config(flow_path: Path) -> dict[str, dict[str, Any]]:
    """`[tool.flowc.<target>]` tables from the nearest pyproject.toml, or `[<target>]` tables of a
    flowc.toml, searched from the flow's folder upwards. Targets' options take their defaults there."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,unused-ignore]

    here = flow_path.resolve().parent
    for d in (here, *here.parents):
        f = d / "flowc.toml"
        if f.is_file():
            data = tomllib.loads(f.read_text("utf-8"))
            return {k: v for k, v in data.items() if isinstance(v, dict)}
        p = d / "pyproject.toml"
        if p.is_file():
            data = tomllib.loads(p.read_text("utf-8"))
            tool = data.get("tool", {}).get("flowc")
            if isinstance(tool, dict):
                return {k: v for k, v in tool.items() if isinstance(v, dict)}
    return {}


def write_files(out_dir: Path, files: Iterable[Any]) -> list[tuple[Path, bool]]:
    """Write each file atomically; leave byte-identical files untouched. Returns (path, changed)."""
    written = []
    for f in files:
        dest = out_dir / f.path
        dest.parent.mkdir(parents=True, exist_ok=True)
        data = f.content.encode("utf-8")
        if dest.is_file() and dest.read_bytes() == data:
            written.append((dest, False))
            continue
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, dest)
        written.append((dest, True))
    return written


def python_files(paths: Sequence[str]) -> tuple[list[Path], list[str]]:
    """Files named, plus the .py files under folders named. Returns (files, missing paths)."""
    skip = {"__pycache__", "node_modules", "site-packages", "venv", ".venv", "build", "dist"}
    files: list[Path] = []
    missing: list[str] = []
    for p in paths:
        path = Path(p)
        if path.is_file():
            files.append(path)
        elif path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in skip and not d.startswith("."))
                files.extend(Path(root) / n for n in sorted(names) if n.endswith(".py"))
        else:
            missing.append(p)
    return files, missing
