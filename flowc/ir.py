"""The flow IR: frozen, typed dataclasses that every target and the runner read.

The analyzer builds a `Flow` from source; checks read it; targets lower it to files; the runner
reads it back from JSON inside a code package. So it round-trips through JSON without loss
(`Flow.to_json` / `Flow.from_json`) and it imports nothing heavier than the standard library:
the networkx view (`Flow.graph()`) is built on demand.

Target-specific details never live here; per-target options travel beside the IR.
"""

from __future__ import annotations

import enum
import heapq
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache, cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import networkx as nx

IR_VERSION = 2
# Fields added within an IR version: left out of the JSON at their default, so the IR of a flow that
# does not use them (and the code package id made from it) stays the same bytes.
OMIT_DEFAULT = {"omit_default": True}
# IR versions this flowc reads: version 1 had no loops (every field it lacks has its default).
READABLE_IR_VERSIONS = (1, 2)


@dataclass(frozen=True)
class Span:
    """A region of the flow's source. Lines are 1-based; columns are 1-based, as editors show them."""

    line: int
    col: int
    end_line: int
    end_col: int

    def __post_init__(self) -> None:
        if self.line < 1 or self.col < 1:
            raise ValueError(f"span starts before 1:1: {self}")


class Transition(str, enum.Enum):
    """How control leaves a step: what its `self.next(...)` says."""

    LINEAR = "linear"  # self.next(self.a)
    BRANCH = "branch"  # self.next(self.a, self.b)
    FOREACH = "foreach"  # self.next(self.a, foreach="items")
    SWITCH = "switch"  # self.next({"x": self.a, "y": self.b}, condition="c")
    END = "end"  # the end step: no self.next


class JoinKind(str, enum.Enum):
    STATIC = "static"  # closes a static branch: one input per branch
    FOREACH = "foreach"  # closes a foreach: one input per item


class StepKind(str, enum.Enum):
    """The one-word kind of a step, as people describe it (Metaflow's node types)."""

    START = "start"
    LINEAR = "linear"
    BRANCH = "branch"
    FOREACH = "foreach"
    SWITCH = "switch"
    JOIN = "join"
    END = "end"


class ParamType(str, enum.Enum):
    STR = "str"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    JSON = "json"


@dataclass(frozen=True)
class RetryPolicy:
    times: int = 3
    minutes_between_retries: int = 2

    def __post_init__(self) -> None:
        if self.times < 0 or self.minutes_between_retries < 0:
            raise ValueError("retry counts cannot be negative")


@dataclass(frozen=True)
class CatchPolicy:
    var: str | None = None
    print_exception: bool = True


@dataclass(frozen=True)
class Resources:
    """Requested resources. `memory` and `disk` are in MiB (Metaflow's unit); cpu may be fractional."""

    cpu: float | None = None
    memory: int | None = None
    gpu: int | None = None
    disk: int | None = None


@dataclass(frozen=True)
class Decorators:
    """A step's decorators, normalised: one field per meaning, whatever spelling the source used."""

    retry: RetryPolicy | None = None
    catch: CatchPolicy | None = None
    timeout_seconds: int | None = None
    resources: Resources | None = None
    environment: tuple[tuple[str, str], ...] = ()
    image: str | None = None
    # `@loop(max_iterations=N)` on a loop's header: the most iterations the loop may run (None: the
    # runner's default, `flowc.paths.DEFAULT_MAX_ITERATIONS`).
    max_iterations: int | None = None
    # @pypi / @conda: the step's own packages as pip requirements (`pandas==2.1.0`), sorted; a
    # deployed task installs them (with the flow's, `Flow.packages`) before it runs.
    packages: tuple[str, ...] = field(default=(), metadata=OMIT_DEFAULT)

    def __post_init__(self) -> None:
        if self.timeout_seconds is not None and self.timeout_seconds <= 0:
            raise ValueError("timeout must be positive")
        if self.max_iterations is not None and self.max_iterations < 1:
            raise ValueError("max_iterations must be at least 1")
        keys = [k for k, _ in self.environment]
        if keys != sorted(set(keys)):
            raise ValueError("environment must be sorted by name, without duplicates")

    @property
    def env(self) -> dict[str, str]:
        return dict(self.environment)


@dataclass(frozen=True)
class SwitchCase:
    value: str
    step: str


@dataclass(frozen=True)
class Step:
    name: str
    transition: Transition
    successors: tuple[str, ...]
    span: Span
    description: str = ""
    foreach_var: str | None = None
    switch_condition: str | None = None
    switch_cases: tuple[SwitchCase, ...] = ()
    takes_inputs: bool = False
    join: JoinKind | None = None
    # The split step this join closes (for joins only).
    closes: str | None = None
    # The foreach splits enclosing this step, outermost first: a step inside two nested foreach
    # loops runs once per index pair, and its task identity carries both indexes.
    foreach_scopes: tuple[str, ...] = ()
    # All open splits (branch and foreach) enclosing this step, outermost first.
    split_scopes: tuple[str, ...] = ()
    # The loops enclosing this step, outermost first, each named by its header: the step its back
    # edge returns to (a recursive switch: a switch case that goes back to the switch itself or to an
    # earlier step). A step inside a loop runs once per iteration; its task's index path is its
    # foreach indexes followed by one iteration number (from 0) per loop. A header is in its own loop.
    # An edge p -> s is a back edge exactly when s names a loop enclosing p (`Flow.is_back_edge`).
    loops: tuple[str, ...] = ()
    decorators: Decorators = field(default_factory=Decorators)
    # `@step(start=True)`: the flow's entry step has another name than `start` (Metaflow 2.19's
    # annotation). The exit step needs no mark: it is the step whose transition is END.
    entry: bool = field(default=False, metadata=OMIT_DEFAULT)

    def __post_init__(self) -> None:
        if self.transition is Transition.END and self.successors:
            raise ValueError(f"end step {self.name!r} cannot have successors")
        if self.transition is Transition.FOREACH and not self.foreach_var:
            raise ValueError(f"foreach step {self.name!r} needs a foreach variable")
        if self.transition is Transition.SWITCH:
            if not self.switch_condition or not self.switch_cases:
                raise ValueError(f"switch step {self.name!r} needs a condition and cases")
            if tuple(c.step for c in self.switch_cases) != self.successors:
                raise ValueError(f"switch step {self.name!r}: successors must follow the cases")
        if (self.join is None) != (self.closes is None):
            raise ValueError(f"step {self.name!r}: a join names the split it closes, and only a join")

    @property
    def kind(self) -> StepKind:
        if self.name == "end" or self.transition is Transition.END:
            return StepKind.END
        if self.join is not None:
            return StepKind.JOIN
        if self.entry or self.name == "start":
            return StepKind.START
        return StepKind(self.transition.value)

    @property
    def is_split(self) -> bool:
        return self.transition in (Transition.BRANCH, Transition.FOREACH)

    @property
    def foreach_depth(self) -> int:
        return len(self.foreach_scopes)

    @property
    def index_depth(self) -> int:
        """How many parts its tasks' index paths have: one per enclosing foreach, then one per loop."""
        return len(self.foreach_scopes) + len(self.loops)


def evolve(step: Step, **changes: Any) -> Step:
    """`dataclasses.replace(step, **changes)`, checked by `Step.__post_init__` the same way, at a
    fraction of its cost: the checks complete every step of a flow twice, 20,000 copies at 10,000 steps."""
    unknown = changes.keys() - _STEP_FIELDS
    if unknown:
        raise TypeError(f"Step has no field {sorted(unknown)[0]!r}")
    new: Step = object.__new__(Step)
    new.__dict__.update(step.__dict__, **changes)
    new.__post_init__()
    return new


@dataclass(frozen=True)
class Parameter:
    """A run parameter. `name` is what users pass (`--param name=...`); `attr` is `self.<attr>`."""

    name: str
    attr: str
    type: ParamType
    span: Span
    default: Any = None
    help: str = ""
    required: bool = False
    # IncludeFile: the default is a local path whose content the run captures at its start.
    include_file: bool = False
    is_text: bool = True

    def __post_init__(self) -> None:
        if self.include_file and self.type is not ParamType.STR:
            raise ValueError("IncludeFile parameters are strings (paths)")


@dataclass(frozen=True)
class Schedule:
    """When a flow runs by itself. `cron` is always a 5-field expression; presets are expanded."""

    cron: str
    span: Span
    timezone: str | None = None
    preset: str | None = None  # "hourly", "daily" or "weekly" when written that way


@dataclass(frozen=True)
class FlowConfig:
    """A `Config` of the flow with the value it has for this compile or run (fixed before any task).

    `value` is the value as JSON text (keys in the order the source gave them), or None when the
    config has none. A config whose parser is the user's own function cannot be parsed by the
    compiler: then `value` is None, `text` is the text to parse and `parser` names the function as
    the source wrote it; each task runs it (flowc.user_configs). `plain` is Metaflow's `plain=True`:
    the value as parsed, not a read-only mapping.
    """

    name: str
    attr: str
    span: Span
    value: str | None = None
    plain: bool = False
    parser: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    file: str
    span: Span
    steps: tuple[Step, ...]
    description: str = ""
    parameters: tuple[Parameter, ...] = ()
    schedule: Schedule | None = None
    project: str | None = None
    # Which authoring package the source imports: "flowc" or "metaflow".
    dialect: str = "flowc"
    # @pypi_base / @conda_base: packages every step's task installs, as pip requirements, sorted.
    packages: tuple[str, ...] = field(default=(), metadata=OMIT_DEFAULT)
    # Metaflow's `Config`s, with their values (FlowConfig).
    configs: tuple[FlowConfig, ...] = field(default=(), metadata=OMIT_DEFAULT)

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(names) != len(set(names)):
            raise ValueError("duplicate step names")
        pnames = [p.name for p in self.parameters]
        if len(pnames) != len(set(pnames)):
            raise ValueError("duplicate parameter names")

    # -- lookups ---------------------------------------------------------------------------------

    def step(self, name: str) -> Step:
        return self.step_map[name]

    @cached_property
    def start_step(self) -> str:
        """The entry step's name: the one marked `@step(start=True)`, else `start`."""
        return next((s.name for s in self.steps if s.entry), "start")

    @cached_property
    def end_step(self) -> str:
        """The exit step's name: the one that ends the flow (`end`, or marked `@step(end=True)`)."""
        return next((s.name for s in self.steps if s.transition is Transition.END), "end")

    # Lookups are cached on first use (the IR is frozen, so they never go stale); targets call them
    # once per step, and a scan each time would make a 10,000-step flow quadratic.
    @cached_property
    def step_map(self) -> Mapping[str, Step]:
        return MappingProxyType({s.name: s for s in self.steps})

    @cached_property
    def _parents(self) -> Mapping[str, tuple[str, ...]]:
        found: dict[str, list[str]] = {s.name: [] for s in self.steps}
        for s in self.steps:
            for t in s.successors:
                found.setdefault(t, []).append(s.name)
        return MappingProxyType({k: tuple(v) for k, v in found.items()})

    def parents(self, name: str) -> tuple[str, ...]:
        return self._parents.get(name, ())

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        raise KeyError(name)

    def is_back_edge(self, source: str, target: str) -> bool:
        """True for an edge that returns to the header of a loop enclosing `source` (a loop's repeat)."""
        return target in self.step_map[source].loops

    def walk(self) -> Iterator[Step]:
        """Steps in a stable topological order: every step after all its parents.

        Back edges of loops are not ordering constraints (a loop's header comes before its body).
        Ties break by the order steps appear in the source, so every target sees one order.
        """
        order = {s.name: i for i, s in enumerate(self.steps)}
        indegree = {s.name: 0 for s in self.steps}
        for s in self.steps:
            for t in s.successors:
                if t in indegree and t not in s.loops:
                    indegree[t] += 1
        ready = [order[n] for n, d in indegree.items() if d == 0]
        heapq.heapify(ready)
        seen = 0
        while ready:
            step = self.steps[heapq.heappop(ready)]
            seen += 1
            yield step
            for t in step.successors:
                if t in indegree and t not in step.loops:
                    indegree[t] -= 1
                    if indegree[t] == 0:
                        heapq.heappush(ready, order[t])
        if seen != len(self.steps):
            raise ValueError("the flow graph has a cycle")

    def graph(self) -> nx.DiGraph:
        """The flow as a networkx DiGraph: nodes are step names carrying their `Step`."""
        import networkx as nx

        g = nx.DiGraph(name=self.name)
        for s in self.steps:
            g.add_node(s.name, step=s)
        for s in self.steps:
            for t in s.successors:
                g.add_edge(s.name, t)
        return g

    # -- JSON ------------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        d = _to_data(self)
        d["ir_version"] = IR_VERSION
        # The one-word kind is derived, but readers of the JSON should not have to derive it;
        # from_dict ignores it.
        for step, data in zip(self.steps, d["steps"], strict=True):
            data["kind"] = step.kind.value
        return d

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flow:
        data = dict(data)
        version = data.pop("ir_version", IR_VERSION)
        if version not in READABLE_IR_VERSIONS:
            raise ValueError(
                f"IR version {version} is not supported (this flowc reads {', '.join(map(str, READABLE_IR_VERSIONS))})"
            )
        return _from_data(cls, data)

    @classmethod
    def from_json(cls, text: str) -> Flow:
        return cls.from_dict(json.loads(text))

    def with_steps(self, steps: tuple[Step, ...]) -> Flow:
        return replace(self, steps=steps)


_STEP_FIELDS = frozenset(f.name for f in fields(Step))


# -- generic (de)serialisation of the dataclasses above -------------------------------------------

_TYPES: dict[str, Any] = {}


def _to_data(obj: Any) -> Any:
    if isinstance(obj, enum.Enum):
        return obj.value
    spec = _dumped_fields(obj.__class__)
    if spec is not None:
        out = {}
        for name, omit, default in spec:
            v = getattr(obj, name)
            if omit and v == default:
                continue
            if name == "environment":
                out[name] = dict(v)
            elif v is None or type(v) in _PLAIN:
                out[name] = v
            else:
                out[name] = _to_data(v)
        return out
    if isinstance(obj, tuple):
        return [_to_data(v) for v in obj]
    return obj


# Values `_to_data` returns as they are (a str-valued enum is not one of these types: `type()` is exact).
_PLAIN = frozenset({str, int, float, bool})


@cache
def _dumped_fields(cls: Any) -> tuple[tuple[str, bool, Any], ...] | None:
    """(name, left out at its default, default) for each field of a dataclass; None for other types.
    Worked out once per class: a flow of 10,000 steps has hundreds of thousands of IR objects."""
    if not hasattr(cls, "__dataclass_fields__"):
        return None
    return tuple((f.name, bool(f.metadata.get("omit_default")), f.default) for f in fields(cls))


@cache
def _fields_of(cls: Any) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    # Worked out once per class: every task reads the IR from JSON, and resolving the annotations of
    # each of a flow's hundreds of dataclass instances again cost tens of milliseconds per task.
    import typing

    hints = typing.get_type_hints(cls)
    return tuple((f.name, _converter(hints[f.name], f.name)) for f in fields(cls))


def _from_data(cls: Any, data: Mapping[str, Any]) -> Any:
    return cls(**{name: convert(data[name]) for name, convert in _fields_of(cls) if name in data})


def _same(value: Any) -> Any:
    return value


@cache
def _converter(tp: Any, name: str) -> Callable[[Any], Any]:
    """The function that turns JSON data into a value of type `tp` (field `name`)."""
    import types
    import typing

    if name == "environment":
        return lambda value: tuple(sorted((str(k), str(v)) for k, v in value.items()))
    if name == "default":
        return _same
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = _converter(next(a for a in typing.get_args(tp) if a is not type(None)), name)
        return lambda value: None if value is None else inner(value)
    if origin is tuple:
        item = _converter(typing.get_args(tp)[0], name)
        return lambda value: tuple(item(v) for v in value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp
    if isinstance(tp, type) and hasattr(tp, "__dataclass_fields__"):
        return lambda value: _from_data(tp, value)
    if tp is float:
        return lambda value: float(value) if isinstance(value, int) else value
    return _same
