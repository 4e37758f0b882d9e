"""Metaflow's `Config`: values fixed before a flow runs, read from a file or given as text.

This module is what compile time and run time share:

- `ConfigValue`, the read-only mapping a step sees as `self.cfg` (`self.cfg.a.b` and `self.cfg["a"]`);
- the parsers flowc may run while compiling (`KNOWN_PARSERS`: standard formats only, never the user's
  code) and `parse_text`, which turns a config's text into its value;
- `ConfigInputs`, what `--config NAME PATH` / `--config-value NAME TEXT` gave on the command line;
- `loaded`, the values of the flow a task runs, set by the runner before the user's module is
  imported (so `Config` objects used in decorators at import time know them; `flowc.api.Config`).

How a value is chosen (Metaflow's rule): a value from the command line (a file with `--config`, text
with `--config-value`, not both for one name); else the declaration's `default` (a file) or
`default_value` (a dict, or text); else None, which is an error when `required=True`. Text is read as
JSON unless the declaration names a `parser`. docs/metaflow.md ("Config") is the user's account.
"""

from __future__ import annotations

import collections.abc
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "KNOWN_PARSERS",
    "ConfigError",
    "ConfigInputs",
    "ConfigValue",
    "freeze",
    "loaded",
    "parse_text",
    "set_loaded",
]


class ConfigError(Exception):
    """A config's value cannot be had: the message says which config and why."""


class ConfigValue(dict):
    """A config's value: a read-only dict whose keys are also attributes, nested mappings too.

    A dict subclass so that `isinstance(v, dict)`, `json.dumps(v)` and `dict(v)` work as on the value
    it holds; every method that would change it raises TypeError (a config is fixed for the run).
    """

    def __init__(self, data: Mapping[Any, Any]) -> None:
        dict.__init__(self, ((k, freeze(v)) for k, v in data.items()))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"this config has no key {name!r}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        raise TypeError("a config's value cannot be changed")

    def __delattr__(self, name: str) -> None:
        raise TypeError("a config's value cannot be changed")

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("a config's value cannot be changed")

    __setitem__ = __delitem__ = _refuse
    clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def to_dict(self) -> dict[Any, Any]:
        """A plain, mutable copy (nested mappings as dicts too)."""
        return _thaw(self)

    def copy(self) -> ConfigValue:
        return ConfigValue(self)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(type(self))) | {k for k in self if isinstance(k, str) and k.isidentifier()})

    def __reduce__(self) -> tuple[Any, ...]:
        return (ConfigValue, (self.to_dict(),))

    def __repr__(self) -> str:
        return repr(self.to_dict())


def freeze(value: Any) -> Any:
    """`value` with every mapping in it (lists and tuples looked into) made a ConfigValue."""
    if isinstance(value, ConfigValue):
        return value
    if isinstance(value, collections.abc.Mapping):
        return ConfigValue(value)
    if isinstance(value, (list, tuple)):
        return type(value)(freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, collections.abc.Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_thaw(v) for v in value)
    return value


def _yaml_safe_load(text: str) -> Any:
    import yaml

    return yaml.safe_load(text)


def _toml_loads(text: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


# Parsers of standard formats, by the dotted name a flow gives them (`parser="yaml.safe_load"` or
# `parser=yaml.safe_load`): flowc runs these while compiling, since they are not the user's code.
# Any other parser is the user's function, which only a task may run (docs/metaflow.md).
KNOWN_PARSERS: dict[str, Callable[[str], Any]] = {
    "json.loads": json.loads,
    "yaml.safe_load": _yaml_safe_load,
    "tomllib.loads": _toml_loads,
    "tomli.loads": _toml_loads,
}


def parse_text(name: str, text: str, parser: str | Callable[[str], Any] | None, plain: bool) -> Any:
    """The value of config `name` from its text: JSON, or what `parser` (a KNOWN_PARSERS name or a
    function) makes of it. Without `plain`, the result must be a mapping. Raises ConfigError."""
    if parser is None:
        if plain:
            return text
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"the value of config '{name}' is not valid JSON: {exc}") from None
    else:
        func = KNOWN_PARSERS[parser] if isinstance(parser, str) else parser
        try:
            value = func(text)
        except Exception as exc:
            what = parser if isinstance(parser, str) else getattr(parser, "__name__", "its parser")
            raise ConfigError(f"config '{name}': {what} cannot parse its value: {type(exc).__name__}: {exc}") from None
    if not plain and not isinstance(value, collections.abc.Mapping):
        raise ConfigError(
            f"config '{name}' must be a mapping (a JSON object), not {type(value).__name__}; "
            f"declare it with plain=True to take any value"
        )
    return value


@dataclass(frozen=True)
class ConfigInputs:
    """Config values given on the command line: `paths` from `--config NAME PATH` (a file, read
    relative to the working directory) and `texts` from `--config-value NAME TEXT`."""

    paths: tuple[tuple[str, str], ...] = ()
    texts: tuple[tuple[str, str], ...] = ()
    # The order they were given, for messages.
    names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def of(cls, paths: list[list[str]] | None, texts: list[list[str]] | None) -> ConfigInputs:
        """From argparse's `nargs=2, action="append"` lists. Raises ConfigError for a name given
        twice, or given both a file and a value."""
        p = [(n, v) for n, v in paths or []]
        t = [(n, v) for n, v in texts or []]
        seen: set[str] = set()
        for n, _ in p + t:
            if n in seen:
                raise ConfigError(
                    f"config '{n}' is given more than once: give each config one --config or --config-value"
                )
            seen.add(n)
        return cls(tuple(p), tuple(t), tuple(n for n, _ in p + t))

    @classmethod
    def with_environment(
        cls, paths: list[list[str]] | None, texts: list[list[str]] | None, environ: Mapping[str, str]
    ) -> ConfigInputs:
        """As `of`, where Metaflow's variables stand in for an option not given (as in Metaflow):
        `METAFLOW_FLOW_CONFIG` (`{"name": "path", ...}`) for `--config`, `METAFLOW_FLOW_CONFIG_VALUE`
        (`{"name": {...} or "text", ...}`) for `--config-value`. Raises ConfigError."""
        if not paths and environ.get("METAFLOW_FLOW_CONFIG"):
            paths = [[n, str(v)] for n, v in _env_object(environ, "METAFLOW_FLOW_CONFIG").items()]
        if not texts and environ.get("METAFLOW_FLOW_CONFIG_VALUE"):
            found = _env_object(environ, "METAFLOW_FLOW_CONFIG_VALUE")
            texts = [[n, v if isinstance(v, str) else json.dumps(v)] for n, v in found.items()]
        return cls.of(paths, texts)

    def __bool__(self) -> bool:
        return bool(self.paths or self.texts)

    def as_args(self) -> list[str]:
        """The same inputs as command-line arguments."""
        out: list[str] = []
        for n, v in self.paths:
            out += ["--config", n, v]
        for n, v in self.texts:
            out += ["--config-value", n, v]
        return out


def _env_object(environ: Mapping[str, str], var: str) -> dict[str, Any]:
    try:
        value = json.loads(environ[var])
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{var} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ConfigError(f'{var} must be a JSON object of config names, such as {{"cfg": ...}}')
    return value


# The configs of the flow this process runs a task of: {name: value}, set by the runner before the
# user's module is imported. Empty elsewhere (compiling, the CLI).
_LOADED: dict[str, Any] = {}


def set_loaded(values: Mapping[str, Any]) -> None:
    _LOADED.clear()
    _LOADED.update(values)


def loaded() -> Mapping[str, Any]:
    return _LOADED


def lookup(name: str) -> Any:
    """The value of config `name` in this task. KeyError if this process knows no such config."""
    return _LOADED[name]


def iter_loaded() -> Iterator[tuple[str, Any]]:
    return iter(_LOADED.items())
