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

TARGET_COMMANDS = ("compile", "deploy", "check", "trigger", "status", "delete")
# Commands that talk to an orchestrator: they also take the target's deploy options.
LIFECYCLE_COMMANDS = ("deploy", "trigger", "status", "delete")


def use_color(stream: IO[str], mode: str = "auto") -> bool:
    if mode == "always":
        return True
    if mode == "never" or os.environ.get("NO_COLOR"):
        return False
    return stream.isatty()


def _other_sources(diags: Sequence[Diagnostic], sources: dict[str, str]) -> dict[str, str]:
    """The text of the other files diagnostics name (a base class's module), for their source lines."""
    out = {}
    for name in {d.file for d in diags if d.span is not None and d.file not in sources}:
        try:
            with open(name, encoding="utf-8") as f:
                out[name] = f.read()
        except (OSError, UnicodeDecodeError):
            continue
    return out


def print_diagnostics(
    diags: Sequence[Diagnostic], sources: dict[str, str], stream: IO[str] | None = None, color: str = "auto"
) -> None:
    from flowc import render

    stream = stream or sys.stderr
    if diags:
        sources = {**_other_sources(diags, sources), **sources}
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


def unknown_target(argv: Sequence[str]) -> bool:
    """Whether argv names a --target that no installed target has: its flags cannot be known, so
    the command reports the target rather than "unrecognized arguments" for them."""
    name = peek_target(argv)
    return name is not None and name not in registry().names()


def peek_target(argv: Sequence[str]) -> str | None:
    """The value of --target/-t in argv, before the full parser (which depends on it) exists."""
    for i, a in enumerate(argv):
        if a in ("--target", "-t") and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith("--target="):
            return a.split("=", 1)[1]
    return None


def options_of(target: Any, lifecycle: bool) -> list[Any]:
    """The target's options, then (for deploy, trigger, status, delete) its deploy options."""
    out = list(target.options())
    if lifecycle:
        extra = getattr(target, "deploy_options", None)
        names = {o.name for o in out}
        out += [o for o in (extra() if extra else ()) if o.name not in names]
    return out


def add_profile_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--profile",
        metavar="NAME",
        help="take option values from profile NAME of flowc.toml / [tool.flowc] (env FLOWC_PROFILE)",
    )


def add_target_options(parser: argparse.ArgumentParser, target_name: str | None, lifecycle: bool = False) -> str | None:
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
    for opt in options_of(target, lifecycle):
        kwargs: dict[str, Any] = {"help": _help(opt), "dest": f"opt_{opt.dest}", "default": None}
        if opt.choices:
            kwargs["choices"] = opt.choices
        if opt.type is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        else:
            kwargs["type"] = opt.type
        group.add_argument(f"--{opt.name}", **kwargs)
    return None


def _help(opt: Any) -> str:
    from flowc.config import env_name

    extra = []
    if opt.default not in (None, "", False) and "default" not in opt.help:
        extra.append(f"default {opt.default}")
    if getattr(opt, "environment", False):
        extra.append(f"env {env_name(opt.name)}")
    return opt.help + (f" ({'; '.join(extra)})" if extra else "")


def every_target_options(lifecycle: bool = False) -> str:
    """Every installed target's options, as text for `--help` (the flags exist once --target is given)."""
    from flowc.target_api import TargetLoadError

    lines = [
        "options of each target (give --target first; values also come from FLOWC_* variables and",
        "flowc.toml, see docs/deploy.md):",
    ]
    reg = registry()
    for name in reg.names():
        try:
            target = reg.get(name)
        except TargetLoadError as exc:
            lines += ["", f"  {name}: cannot be loaded: {exc.reason}"]
            continue
        opts = options_of(target, lifecycle)
        # compile's help lists the deploy-only options too (marked), so one page shows every option.
        later = [] if lifecycle else [o for o in options_of(target, True) if o not in opts]
        lines += ["", f"  --target {name}" + ("" if opts or later else " (no options)")]
        for o in opts:
            lines += _option_lines(o)
        if later:
            lines.append("    (when deploying: flowc deploy, trigger, status, delete)")
            for o in later:
                lines += _option_lines(o)
    return "\n".join(lines)


def _option_lines(o: Any) -> list[str]:
    flag = f"--{o.name}" + (f" {{{','.join(o.choices)}}}" if o.choices else "" if o.type is bool else " VALUE")
    return [f"    {flag}", f"        {_help(o)}"]


def resolve_target(name: str) -> Any:
    """The target object, or an error string for unknown or broken targets."""
    from flowc.target_api import TargetLoadError

    reg = registry()
    names = reg.names()
    if name not in names:
        import difflib

        close = difflib.get_close_matches(name, list(names), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown target '{name}'; valid targets: {', '.join(names)}{hint}"
    try:
        return reg.get(name)
    except TargetLoadError as exc:
        return str(exc)


def resolved_options(target: Any, args: argparse.Namespace, flow_path: str, lifecycle: bool = False) -> Any:
    """`flowc.config.Resolved` for the target's options (and deploy options): flags, FLOWC_* variables,
    the profile, the configuration file, defaults. Raises flowc.config.ConfigError."""
    from flowc import config

    options = options_of(target, lifecycle)
    flags = {o.dest: getattr(args, f"opt_{o.dest}", None) for o in options}
    return config.resolve(
        options, target.name, flags, config.find_config(Path(flow_path)), getattr(args, "profile", None)
    )


def target_options(target: Any, args: argparse.Namespace, flow_path: str) -> dict[str, Any]:
    """Option values: flags, FLOWC_* variables, the profile, the configuration file, the defaults."""
    values: dict[str, Any] = resolved_options(target, args, flow_path).values
    return values


def missing_required(target: Any, opts: dict[str, Any]) -> list[str]:
    """Usage errors for required options that have no value, naming the ways to give one."""
    from flowc.config import env_name

    out = []
    for o in target.options():
        if getattr(o, "required", False) and opts.get(o.dest) in (None, ""):
            how = f"--{o.name}"
            if getattr(o, "environment", False):
                how += f", {env_name(o.name)}"
            out.append(
                f"the {target.name} target needs {how} ({o.help}), or `{o.name} = ...` under "
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
    """The `[<target>]` tables of the project's configuration (flowc.config.find_config)."""
    from flowc.config import find_config

    return find_config(flow_path).target_tables()


@functools.lru_cache(maxsize=1)
def file_mode() -> int:
    """The mode `open()` would give a new file: 0666 less the umask (0644 under the usual 022), so a
    DAG compiled into a shared folder is readable by an Airflow running as another user."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


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

        # mkstemp makes the file 0600; it gets the mode a plain open() would have given it.
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                os.fchmod(fh.fileno(), file_mode())
                fh.write(data)
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
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


def add_config_arguments(p: argparse.ArgumentParser) -> None:
    """`--config NAME PATH` and `--config-value NAME TEXT` (Metaflow's configs; flowc.user_configs)."""
    p.add_argument(
        "--config",
        nargs=2,
        action="append",
        metavar=("NAME", "PATH"),
        help="the value of config NAME from a file (JSON, or the config's parser's format); repeatable",
    )
    p.add_argument(
        "--config-value",
        nargs=2,
        action="append",
        metavar=("NAME", "TEXT"),
        help="the value of config NAME as text (JSON, or the config's parser's format); repeatable",
    )


def config_inputs(args: argparse.Namespace) -> Any:
    """The config values given with --config / --config-value (else Metaflow's METAFLOW_FLOW_CONFIG and
    METAFLOW_FLOW_CONFIG_VALUE), as flowc.user_configs.ConfigInputs.
    Raises flowc.user_configs.ConfigError for a name given twice."""
    from flowc.user_configs import ConfigInputs

    return ConfigInputs.with_environment(getattr(args, "config", None), getattr(args, "config_value", None), os.environ)


def config_inputs_or_report(args: argparse.Namespace, command: str) -> Any:
    """`config_inputs(args)`, or None after printing why they cannot be used (exit status 2)."""
    from flowc.user_configs import ConfigError

    try:
        return config_inputs(args)
    except ConfigError as exc:
        print(f"flowc {command}: {exc}", file=sys.stderr)
        return None
