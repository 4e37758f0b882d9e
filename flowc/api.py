"""The authoring API as real runtime objects.

At compile time flowc reads these names from source only; at run time (in the step runner) they are
the objects below. Decorators record what they were given on the function or class and change nothing
else: their meaning (retries, timeouts, catching) is enforced by the runner, the same everywhere.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# Attribute names under which decorators record themselves on functions and classes.
STEP_MARK = "_flowc_is_step"
DECOS_ATTR = "_flowc_decorators"


def step(func: F | None = None, *, start: bool = False, end: bool = False) -> Any:
    """Mark a method of a FlowSpec as a step: `@step`, or `@step(start=True)` / `@step(end=True)` for
    an entry or exit step of another name than `start` / `end` (the compiler reads these from source)."""

    def mark(f: F) -> F:
        setattr(f, STEP_MARK, True)
        return f

    return mark(func) if func is not None else mark


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
card = _recording_decorator("card")
# `@loop(max_iterations=N)` on the step a loop returns to: the runner fails the loop's task that
# would start iteration N (flowc's own; Metaflow has no such decorator).
loop = _recording_decorator("loop")
# Packages a deployed task installs with pip before it runs (the compiler reads them from source).
pypi = _recording_decorator("pypi")
pypi_base = _recording_decorator("pypi_base")
conda = _recording_decorator("conda")
conda_base = _recording_decorator("conda_base")


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
        type: Any = None,
        help: str = "",
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
        help: str = "",
        required: bool = False,
        is_text: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(name, default=default, type=str, help=help, required=required, **kwargs)
        self.is_text = is_text


class _Pending(Mapping):
    """A config's value, or part of one, that this process does not know (Config, config_expr):
    reading attributes or items gives more of the same, and `**` unpacks nothing. Only decorator
    arguments meet these at import time, and flowc takes those from the compiled flow instead."""

    def __init__(self, expr: str) -> None:
        self.__dict__["_expr"] = expr

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return _Pending(f"{self._expr}.{key}")

    def __getitem__(self, key: Any) -> Any:
        return _Pending(f"{self._expr}[{key!r}]")

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return f"config_expr({self._expr!r})"


def config_expr(expr: str) -> Any:
    """Metaflow's `config_expr("cfg.a.b")`: a config's value in a decorator argument. The compiler
    evaluates it from source (flowc.analyzer.configs); here it stands for that value."""
    return _Pending(expr)


class Config(Mapping):
    """Metaflow's `Config`, declared as a class attribute: a value fixed before the flow runs, read
    from a file (`default=` a path, or `--config NAME PATH`) or given (`default_value=`, or
    `--config-value NAME TEXT`), parsed as JSON or by `parser`. In a step, `self.<attr>` is the
    value (a read-only mapping, flowc.user_configs.ConfigValue). docs/metaflow.md, "Config"."""

    def __init__(
        self,
        name: str,
        default: Any = None,
        default_value: Any = None,
        help: str | None = None,
        required: bool | None = None,
        parser: Any = None,
        plain: bool = False,
        **kwargs: Any,
    ) -> None:
        self.__dict__.update(
            name=name,
            default=default,
            default_value=default_value,
            help=help,
            required=bool(required),
            parser=parser,
            plain=plain,
            kwargs=kwargs,
        )

    def _value(self) -> Any:
        from flowc import user_configs

        return user_configs.loaded().get(self.name, _Pending(self.name))

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        value = self._value()
        return value[key] if isinstance(value, Mapping) and key in value else getattr(value, key, _Pending(key))

    def __getitem__(self, key: Any) -> Any:
        value = self._value()
        return value[key] if isinstance(value, Mapping) else _Pending(f"{self.name}[{key!r}]")

    def __iter__(self) -> Iterator[Any]:
        value = self._value()
        return iter(value) if isinstance(value, Mapping) else iter(())

    def __len__(self) -> int:
        value = self._value()
        return len(value) if isinstance(value, Mapping) else 0

    def __repr__(self) -> str:
        return f"Config({self.name!r})"

    # A Mapping compares by contents; a declaration is one object.
    __eq__ = object.__eq__
    __hash__ = object.__hash__


class StepException:
    """What `@catch(var=...)` stores when a step fails on its last attempt: the error, as text.

    It is picklable whatever the original exception was, so a later step can always read it.
    """

    def __init__(self, type: str, message: str, traceback: str) -> None:
        self.type = type
        self.message = message
        self.traceback = traceback

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type

    def __repr__(self) -> str:
        return f"StepException({self.type!r}, {self.message!r})"


class MetaflowExceptionWrapper(Exception):
    """What `@catch(var=...)` stores in a flow written `from metaflow import ...`, as Metaflow does:
    `type` is the exception's class as `module.Name` (`builtins.ValueError`; `__main__.X` for a class
    of the flow's own file, which Metaflow runs as `__main__`), `exception` its message (`str(e)`),
    `stacktrace` the traceback as text (None when there is none). `str()` is the traceback.
    Importable as `metaflow.exception.MetaflowExceptionWrapper` under flowc.
    """

    def __init__(self, type: str = "", exception: str = "", stacktrace: str | None = None) -> None:
        super().__init__(type, exception)
        self.type = type
        self.exception = exception
        self.stacktrace = stacktrace

    def __reduce__(self) -> tuple[Any, ...]:
        return (MetaflowExceptionWrapper, (self.type, self.exception, self.stacktrace))

    def __str__(self) -> str:
        return self.stacktrace or f"[no stacktrace]\n{self.type}: {self.exception}"

    def __repr__(self) -> str:
        return str(self)


class StepTimeout(BaseException):
    """Raised in a step's code when its `@timeout` expires.

    A BaseException, like KeyboardInterrupt, so that a step's own `except Exception:` does not swallow
    it; `@catch` still catches it.
    """


class FlowSpec:
    """Base class of every flow. The step runner drives it; see docs/runner.md.

    In a task the runner gives the instance a namespace (`_flowc_ns`): attributes that no code of
    this task has set are looked up there, and loaded from the datastore only when first read.
    """

    def __init__(self, use_cli: bool = True) -> None:
        # `if __name__ == "__main__": TrainFlow()` in a flow file: run Metaflow's command line
        # (`python flow.py run ...`) with flowc (flowc.script). The runner never calls __init__.
        if use_cli:
            from flowc.script import from_flowspec

            from_flowspec(self)

    def next(self, *targets: Any, foreach: str | None = None, condition: str | None = None) -> None:
        # Recorded here; the runner checks it against the compiled graph after the step returns.
        self.__dict__["_flowc_transition"] = (targets, foreach, condition)

    def __getattr__(self, name: str) -> Any:
        ns = self.__dict__.get("_flowc_ns")
        if ns is None or name.startswith("__"):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return ns.load_into(self, name)

    @property
    def input(self) -> Any:
        """In a foreach task, this task's item of the innermost foreach's list (as its split fixed
        it); None outside any foreach, as in Metaflow."""
        return self._flowc_namespace("input").foreach_input()

    @property
    def index(self) -> int | None:
        """In a foreach task, the position of `self.input` in the innermost foreach's list; None
        outside any foreach, as in Metaflow."""
        position: int | None = self._flowc_namespace("index").foreach_position()
        return position

    def foreach_stack(self) -> list[tuple[int, int, Any]]:
        """One `(index, number of items, item)` per enclosing foreach, outermost first (Metaflow's
        `foreach_stack()`); `[]` outside any foreach. The last tuple holds `self.index` and
        `self.input`."""
        stack: list[tuple[int, int, Any]] = self._flowc_namespace("foreach_stack()").foreach_stack()
        return stack

    def merge_artifacts(self, inputs: Any, exclude: list[str] | None = None, include: list[str] | None = None) -> None:
        """In a join: take over every artifact on which all inputs agree (Metaflow's rules).

        Artifacts already set in this step are left alone. An artifact whose inputs disagree is an
        error unless it is set first or listed in `exclude`; with `include`, only those names are
        merged and each must exist.
        """
        self._flowc_namespace("merge_artifacts").merge(self, inputs, include or [], exclude or [])

    def _flowc_namespace(self, what: str) -> Any:
        ns = self.__dict__.get("_flowc_ns")
        if ns is None:
            raise RuntimeError(f"self.{what} is only available while a step runs under flowc")
        return ns
