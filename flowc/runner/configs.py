"""A flow's configs in a task: `self.cfg` as Metaflow has it, from the values in the code package.

The compiled flow (`Flow.configs`, inside the code package) holds every config's value, chosen once
when the flow was compiled or the run started, so every task of a run, on every engine and in a
resume, reads the same value. A config parsed by the flow's own function carries its text instead;
each task runs that function on it (the same text, so the same value for a function that depends on
nothing else). Configs are read-only attributes, and every task stores them among its artifacts, as
Metaflow does (`run['start'].task.data.cfg`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any

from flowc import api, user_configs
from flowc.ir import Flow, FlowConfig
from flowc.user_configs import ConfigError, ConfigValue


def known_values(flow: Flow) -> dict[str, Any]:
    """{config name: value} for the configs whose value the compiler worked out (before import)."""
    return {c.name: _value(c) for c in flow.configs if c.parser is None}


def _value(c: FlowConfig) -> Any:
    if c.value is None:
        return None
    value = json.loads(c.value)
    return value if c.plain else user_configs.freeze(value)


def values(cls: type[Any], flow: Flow) -> dict[str, Any]:
    """{attribute: value} of every config of `flow`, running user parsers (the class is imported).
    Raises ConfigError when a parser cannot be found or fails."""
    known = {c.attr for c in flow.configs}
    for k in cls.__mro__:
        for attr, declared in vars(k).items():
            if isinstance(declared, api.Config) and attr not in known:
                # Never a Config object where its value belongs: that would be a wrong result.
                raise ConfigError(
                    f"config '{declared.name}' (self.{attr}, declared in {k.__name__}) was not read when the "
                    f"flow was compiled, so it has no value here; declare it in the flow class itself"
                )
    out = {}
    for c in flow.configs:
        if c.parser is None:
            out[c.attr] = _value(c)
            continue
        # The declaration (not a value installed by an earlier task in this process).
        declared = next((k.__dict__[c.attr] for k in cls.__mro__ if c.attr in k.__dict__), None)
        parser = getattr(declared, "parser", None) if isinstance(declared, api.Config) else None
        parser = parser or c.parser
        value = user_configs.parse_text(c.name, c.text or "", _callable(parser), c.plain)
        out[c.attr] = value if c.plain else ConfigValue(value)
    return out


def _callable(parser: Any) -> Callable[[str], Any]:
    if callable(parser):
        return parser
    text = str(parser)
    if text.startswith("."):
        text = "metaflow" + text  # Metaflow's rule for a parser named relative to its package
    module, _, func = text.rpartition(".")
    try:
        found = getattr(importlib.import_module(module), func, None) if module else None
    except ImportError:
        found = None
    if not callable(found):
        raise ConfigError(f"parser {text!r} cannot be found: name a function as module.function")
    return found


def install(cls: type[Any], attrs: dict[str, Any]) -> None:
    """Make each config a read-only attribute of `cls` (a class imported for this task)."""
    for attr, value in attrs.items():

        def read(obj: Any, value: Any = value) -> Any:
            return value

        def refuse(obj: Any, new: Any, attr: str = attr) -> None:
            raise AttributeError(
                f"self.{attr} is a config of the flow and cannot be changed in a step (as in Metaflow)"
            )

        setattr(cls, attr, property(read, refuse))
