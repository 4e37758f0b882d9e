"""Where the values of a target's options come from, in this order (the first that has one wins):

1. a flag: `--datastore s3://bucket/flowc`;
2. for options that describe the environment a flow is deployed to (`TargetOption.environment`:
   the datastore, image, namespace, queue, roles, ...), an environment variable `FLOWC_<NAME>`
   (`FLOWC_DATASTORE`, `FLOWC_IMAGE`, `FLOWC_BATCH_JOB_QUEUE`, ...);
3. the chosen profile (`--profile prod`, or `FLOWC_PROFILE`) of the project's configuration:
   its table for the target, then its top level;
4. the configuration's table for the target, then its top level;
5. the option's documented default.

The configuration is the nearest `flowc.toml`, or `[tool.flowc]` of the nearest `pyproject.toml`,
searched from the flow's folder upwards:

    datastore = "s3://dev-bucket/flowc"      # every target
    [argo]                                   # one target
    namespace = "ml"
    [profiles.prod]                          # --profile prod
    datastore = "s3://prod-bucket/flowc"
    production = true
    [profiles.prod.argo]
    namespace = "ml-prod"

Keys are option names, with `-` or `_`. `resolve` also says where each value came from, which
`flowc deploy --dry-run` prints.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flowc.target_api import TargetOption

ENV_PREFIX = "FLOWC_"
PROFILE_ENV = "FLOWC_PROFILE"
PROFILES = "profiles"
CONFIG_FILE = "flowc.toml"
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(Exception):
    """A configuration that cannot be used: an unknown profile, a value of the wrong type."""


@dataclass(frozen=True)
class Config:
    """The project's configuration: the table read, and the file it came from (None: none found)."""

    path: Path | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        if self.path is None:
            return "no configuration file"
        return str(self.path) if self.path.name == CONFIG_FILE else f"[tool.flowc] in {self.path}"

    def profiles(self) -> list[str]:
        table = self.data.get(PROFILES, {})
        return sorted(table) if isinstance(table, dict) else []

    def target_tables(self) -> dict[str, dict[str, Any]]:
        """`[<target>]` tables (what earlier flowc versions read), without the profiles."""
        return {k: v for k, v in self.data.items() if isinstance(v, dict) and k != PROFILES}


def env_name(option: str) -> str:
    """`batch-job-queue` -> `FLOWC_BATCH_JOB_QUEUE`."""
    return ENV_PREFIX + option.replace("-", "_").upper()


def find_config(start: Path) -> Config:
    """The nearest flowc.toml, or pyproject.toml with a [tool.flowc] table, from `start`'s folder up."""
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef,unused-ignore]

    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for d in (here, *here.parents):
        for name in (CONFIG_FILE, "pyproject.toml"):
            f = d / name
            if not f.is_file():
                continue
            try:
                data = tomllib.loads(f.read_text("utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
                raise ConfigError(f"cannot read {f}: {exc}") from None
            if name == CONFIG_FILE:
                return Config(f, data)
            tool = data.get("tool", {}).get("flowc")
            if isinstance(tool, dict):
                return Config(f, tool)
    return Config()


@dataclass(frozen=True)
class Resolved:
    """Option values by `TargetOption.dest`, and where each came from."""

    values: dict[str, Any]
    sources: dict[str, str]

    def source(self, dest: str) -> str:
        return self.sources.get(dest, "default")


def _lookup(table: Mapping[str, Any], option: TargetOption) -> tuple[bool, Any]:
    for key in (option.name, option.dest):
        if key in table and not isinstance(table[key], dict):
            return True, table[key]
    return False, None


def convert(option: TargetOption, value: Any, where: str) -> Any:
    """A value from a file or the environment, as the option's type. Raises ConfigError."""
    if option.type is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise ConfigError(f"{where}: {option.name} must be true or false, not {value!r}")
    if isinstance(value, str) and option.type is not str:
        try:
            value = option.type(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{where}: {option.name} = {value!r}: {exc}") from None
    if option.choices and value not in option.choices:
        raise ConfigError(f"{where}: {option.name} must be one of {', '.join(option.choices)}, not {value!r}")
    return value


def layers(config: Config, target: str, profile: str | None) -> list[tuple[str, Mapping[str, Any]]]:
    """The configuration's tables that apply, highest precedence first, each with a description."""
    out: list[tuple[str, Mapping[str, Any]]] = []
    if profile:
        profiles = config.data.get(PROFILES, {})
        table = profiles.get(profile) if isinstance(profiles, dict) else None
        if not isinstance(table, dict):
            known = ", ".join(config.profiles()) or "none"
            raise ConfigError(f"no profile {profile!r} in {config.where} (profiles: {known})")
        sub = table.get(target)
        if isinstance(sub, dict):
            out.append((f"profile {profile} [{target}] in {config.where}", sub))
        out.append((f"profile {profile} in {config.where}", table))
    sub = config.data.get(target)
    if isinstance(sub, dict):
        out.append((f"[{target}] in {config.where}", sub))
    out.append((config.where, config.data))
    return out


def resolve(
    options: Sequence[TargetOption],
    target: str,
    flags: Mapping[str, Any],
    config: Config,
    profile: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> Resolved:
    """Each option's value by precedence (see the module's docstring). `flags` holds the values given
    on the command line by `dest` (None: not given). Raises ConfigError."""
    environ = os.environ if environ is None else environ
    tables = layers(config, target, profile or environ.get(PROFILE_ENV) or None)
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for o in options:
        if o.dest in values:
            continue  # an option two lists declare (a target's, a deploy module's): the first wins
        if flags.get(o.dest) is not None:
            values[o.dest], sources[o.dest] = flags[o.dest], f"--{o.name}"
            continue
        if o.environment and environ.get(env_name(o.name)):
            name = env_name(o.name)
            values[o.dest], sources[o.dest] = convert(o, environ[name], name), name
            continue
        for where, table in tables:
            found, value = _lookup(table, o)
            if found:
                values[o.dest], sources[o.dest] = convert(o, value, where), where
                break
        else:
            values[o.dest] = o.default
    return Resolved(values, sources)
