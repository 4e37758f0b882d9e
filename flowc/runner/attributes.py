"""Flow-level attributes in a task: parameters, class-level constants and `name`, as Metaflow has them.

- Parameters are read-only in every step (assigning one is an AttributeError); their values come from
  the start task (the run's values), loaded on first read.
- Class-level constants (`THRESHOLD = 0.5` in the class body: any class attribute whose name does not
  start with `_` and that is not a method, function, property or other descriptor, class or
  Parameter) are read-only too; reading one gives the class's value. The start task stores each as
  an artifact (those that can be pickled; others stay plain class attributes), so they appear in every
  task's artifacts, and a join gets them with the parameters.
- `self.name` is the flow's name at the start of every task (Metaflow sets it in every task); a step
  may assign it, which lasts for that task only.
"""

from __future__ import annotations

import pickle
from types import FunctionType, MethodType
from typing import Any

from flowc import api
from flowc.ir import Flow

# Names of FlowSpec's own that are never constants (Metaflow's `_NON_PARAMETERS`).
_NOT_CONSTANTS = frozenset({"cmd", "foreach_stack", "index", "input", "script_name", "name"})


def constant_names(cls: type[Any], flow: Flow) -> list[str]:
    """The flow class's constants, by Metaflow's rule, skipping parameters and flowc's own objects."""
    params = {p.attr for p in flow.parameters}
    out = []
    for var in dir(cls):
        if var.startswith("_") or var in _NOT_CONSTANTS or var in params:
            continue
        value = getattr(cls, var)
        if isinstance(value, (MethodType, FunctionType, property, type, api.Parameter)):
            continue
        # Descriptors (cached_property, ...) and flowc's own objects are machinery, not values.
        if hasattr(type(value), "__get__") or type(value).__module__.split(".")[0] == "flowc":
            continue
        out.append(var)
    return out


def storable_constants(cls: type[Any], names: list[str]) -> dict[str, Any]:
    """The constants the start task stores: those that can be pickled (others stay class attributes)."""
    out = {}
    for var in names:
        value = getattr(cls, var)
        try:
            pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:
            continue
        out[var] = value
    return out


def _read_only(kind: str, attr: str) -> Any:
    def refuse(obj: Any, value: Any) -> None:
        raise AttributeError(
            f"self.{attr} is a {kind} of the flow and cannot be changed in a step (as in Metaflow); "
            f"store the new value under another name"
        )

    return refuse


def install(cls: type[Any], flow: Flow, constants: list[str]) -> None:
    """Make parameters and `constants` read-only attributes of `cls` (a class imported for this task)."""
    for p in flow.parameters:

        def parameter(obj: Any, attr: str = p.attr) -> Any:
            if attr in obj.__dict__:
                return obj.__dict__[attr]
            return obj.__dict__["_flowc_ns"].load_into(obj, attr)

        setattr(cls, p.attr, property(parameter, _read_only("parameter", p.attr)))
    for var in constants:
        setattr(cls, var, property(_constant(getattr(cls, var)), _read_only("class-level attribute", var)))


def _constant(value: Any) -> Any:
    def read(obj: Any) -> Any:
        return value

    return read
