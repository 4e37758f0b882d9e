"""The authoring API as real runtime objects.

At compile time flowc reads these names from source only; at run time (in the step runner) they are
the objects below. Decorators record what they were given on the function or class and change nothing
else: their meaning (retries, timeouts, catching) is enforced by the runner, the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# Attribute names under which decorators record themselves on functions and classes.
STEP_MARK = "_flowc_is_step"
DECOS_ATTR = "_flowc_decorators"


def step(func: F) -> F:
    """Mark a method of a FlowSpec as a step."""
    setattr(func, STEP_MARK, True)
    return func


def _recording_decorator(name: str) -> Callable[..., Any]:
    def decorator(*args: Any, **kwargs: Any) -> Any:
        # Bare use (`@retry`) passes the function itself.
        if len(args) == 1 and not kwargs and callable(args[0]) and name != "image":
            target = args[0]
            _record(target, name, {})
            return target

        def apply(target: Any) -> Any:
            params = dict(kwargs)
            if args:
                params["_args"] = list(args)
            _record(target, name, params)
            return target

        return apply

    decorator.__name__ = name
    decorator.__qualname__ = name
    return decorator


def _record(target: Any, name: str, params: dict[str, Any]) -> None:
    decos = dict(getattr(target, DECOS_ATTR, {}))
    decos[name] = params
    setattr(target, DECOS_ATTR, decos)


retry = _recording_decorator("retry")
catch = _recording_decorator("catch")
timeout = _recording_decorator("timeout")
resources = _recording_decorator("resources")
environment = _recording_decorator("environment")
image = _recording_decorator("image")
schedule = _recording_decorator("schedule")
project = _recording_decorator("project")


class JSONType:
    """Parameter type for JSON values: the value is parsed with `json.loads`."""

    @staticmethod
    def parse(text: str) -> Any:
        return json.loads(text)


class Parameter:
    """A run parameter, declared as a class attribute of the flow."""

    def __init__(
        self,
        name: str,
        default: Any = None,
        type: Any = None,  # noqa: A002 - Metaflow's spelling
        help: str = "",  # noqa: A002
        required: bool = False,
        **kwargs: Any,
    ) -> None:
        self.name = name
        self.default = default
        self.type = type
        self.help = help
        self.required = required
        self.kwargs = kwargs


class IncludeFile(Parameter):
    """A local file whose content a run captures once, at its start, as an artifact."""

    def __init__(
        self,
        name: str,
        default: str | None = None,
        help: str = "",  # noqa: A002
        required: bool = False,
        is_text: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, default=default, type=str, help=help, required=required, **kwargs)
        self.is_text = is_text


class _Current:
    """`current`: facts about the running task. The runner fills it in before a step runs."""

    def __init__(self) -> None:
        self._info: dict[str, Any] = {}

    def _set(self, **info: Any) -> None:
        self._info = dict(info)

    def __getattr__(self, name: str) -> Any:
        info = self.__dict__.get("_info", {})
        if name in info:
            return info[name]
        raise AttributeError(f"current.{name} is only available while a step runs under flowc")

    def __repr__(self) -> str:
        return f"current({self._info!r})"


current = _Current()


class FlowSpec:
    """Base class of every flow. The step runner drives it; see docs/runner.md."""

    def next(self, *targets: Any, foreach: str | None = None, condition: str | None = None) -> None:
        # The runner replaces this per task to record and check the transition.
        self._flowc_transition = (targets, foreach, condition)
