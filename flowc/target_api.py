"""What a target is: the interface between flowc's core and one orchestrator's backend.

A target receives a checked `Flow` (the IR) and the values of its own options, and returns files:
relative paths and their text. It never touches a network or a cloud; deploying lives beside it, in a
module of its own. See targets/__init__.py for the guide to writing one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from flowc.diagnostics import Diagnostic
from flowc.ir import Flow


@dataclass(frozen=True)
class TargetOption:
    """A target's own command-line option, e.g. `--argo-version` (name `argo-version`)."""

    name: str
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    # Converts the command-line string; the default is kept as given.
    type: Callable[[str], Any] = str
    # A required option without a value is a usage error of `flowc compile`/`deploy`; `flowc check
    # --target` uses `placeholder` instead, since checking a flow needs no real deployment settings.
    required: bool = False
    placeholder: Any = None
    # A fact of the environment the flow is deployed to (a datastore, an image, a queue, a role), not
    # of the flow: it may also come from the variable FLOWC_<NAME> (flowc.config), and compiling
    # without it leaves a runtime parameter or a documented default in the files.
    environment: bool = False

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class OutputFile:
    path: str  # relative, with forward slashes
    content: str

    def __post_init__(self) -> None:
        if self.path.startswith("/") or ".." in self.path.split("/"):
            raise ValueError(f"target output paths are relative and stay inside -o: {self.path!r}")


@dataclass(frozen=True)
class TargetResult:
    files: tuple[OutputFile, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


@runtime_checkable
class Target(Protocol):
    name: str
    description: str

    def options(self) -> Sequence[TargetOption]: ...

    def compile(self, flow: Flow, options: Mapping[str, Any]) -> TargetResult: ...


# Optional members a target may also have (looked up with getattr, so plugins can omit them):
#   validate(flow, result) -> Sequence[Diagnostic]
#       deeper checks of the emitted files (e.g. a schema); `flowc check --target NAME` runs them.
#   deploy_options() -> Sequence[TargetOption]
#       options only the lifecycle commands take (a region, a cluster context, a DAGs folder).
#   deploy_module, trigger_module, status_module, delete_module: str
#       modules with `deploy(flow, result, options, out) -> int`, `trigger(flow, options, out) -> int`,
#       `status(flow, options, out) -> int` and `delete(flow, options, out) -> int`; `options` holds
#       the resolved values of options() and deploy_options() by dest, plus what the command itself
#       takes (`dry_run`, `params`, `run_id`, `run_name`). They write what they do to `out` and
#       raise `flowc.cloud.CloudError` (or let the cloud client's own error through: the CLI turns
#       it into one line) for what the cloud refused.


@dataclass
class TargetRegistry:
    """Built-in targets plus those installed through the `flowc.targets` entry-point group.

    Tests build a fresh registry; the CLI uses `default_registry()`.
    """

    factories: dict[str, Callable[[], Target]] = field(default_factory=dict)
    load_entry_points: bool = True
    _loaded: bool = False
    broken: dict[str, str] = field(default_factory=dict)

    def register(self, name: str, factory: Callable[[], Target]) -> None:
        self.factories[name] = factory

    def _load(self) -> None:
        if self._loaded or not self.load_entry_points:
            return
        self._loaded = True
        from importlib.metadata import entry_points

        for ep in entry_points(group="flowc.targets"):
            if ep.name in self.factories:
                continue
            self.factories[ep.name] = _entry_point_factory(ep)

    def names(self) -> list[str]:
        self._load()
        return sorted(self.factories)

    def get(self, name: str) -> Target:
        """The target called `name`. Raises KeyError for an unknown name, TargetLoadError for a
        broken plugin (with the plugin's name and error), never one disguised as the other."""
        if name not in self.factories:
            # A registered name wins over an entry point of the same name (`_load` skips those), so
            # the installed plugins are looked up only for other names: the scan of every installed
            # distribution's metadata costs tens of milliseconds.
            self._load()
        factory = self.factories[name]
        try:
            target = factory()
        except Exception as exc:  # a third-party plugin can fail in any way
            raise TargetLoadError(name, f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(target, Target):
            raise TargetLoadError(name, "it does not provide name, description, options() and compile()")
        return target


class TargetLoadError(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"target {name!r} is installed but failed to load: {reason}")
        self.name = name
        self.reason = reason


def _entry_point_factory(ep: Any) -> Callable[[], Target]:
    def factory() -> Target:
        obj = ep.load()
        # A class (or factory function) is called; a ready object is used as it is.
        if isinstance(obj, type) or (callable(obj) and not isinstance(obj, Target)):
            return obj()
        return obj

    return factory


BUILTIN_TARGETS: dict[str, str] = {
    # name -> "module:attribute" of a zero-argument factory; imported only when used.
    "ir": "flowc.targets.ir:IRTarget",
    "step-functions": "flowc.targets.step_functions:StepFunctionsTarget",
    "argo": "flowc.targets.argo:ArgoTarget",
    "airflow": "flowc.targets.airflow:AirflowTarget",
}


def _lazy(spec: str) -> Callable[[], Target]:
    def factory() -> Target:
        import importlib

        module, _, attr = spec.partition(":")
        return getattr(importlib.import_module(module), attr)()

    return factory


def default_registry(builtins: Mapping[str, str] | None = None) -> TargetRegistry:
    reg = TargetRegistry()
    import importlib.util

    for name, spec in (builtins or BUILTIN_TARGETS).items():
        module = spec.partition(":")[0]
        # A built-in whose module has not been written yet is simply not offered.
        if importlib.util.find_spec(module) is None:
            continue
        reg.register(name, _lazy(spec))
    return reg


def refuse_loops(flow: Flow, reason: str, hint: str) -> list[Diagnostic]:
    """FC503 for each loop of a flow whose target cannot repeat tasks, at the switch case that goes
    back. `reason` says why the target cannot; `hint` names what can run the flow instead."""
    out = []
    for s in flow.steps:
        for t in s.successors:
            if flow.is_back_edge(s.name, t):
                out.append(
                    Diagnostic(
                        "FC503",
                        f"switch '{s.name}' loops back to '{t}': {reason}",
                        flow.file,
                        s.span,
                        hint=hint,
                    )
                )
    return out
