"""A task's view of artifacts: what `self.x`, `self.input`, `inputs` and `merge_artifacts` read.

A task starts from references (artifact name -> manifest entry) inherited from its parent's manifest;
values are loaded from the datastore only when the step reads them. What the step assigns lives in
the instance's `__dict__`; at the end both are combined into the task's own manifest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from flowc.datastore.store import FlowDatastore

# Values of these types cannot change in place, so one loaded and left alone need not be re-stored.
_IMMUTABLE = (int, float, complex, str, bytes, bool, type(None), range)


class MergeError(Exception):
    """merge_artifacts could not merge: conflicting or missing artifacts."""


@dataclass(frozen=True)
class SplitRecord:
    """What a foreach split task fixed: its item list (a manifest entry of the stored list) and count."""

    items: dict[str, Any] | None
    count: int


class ForeachPlace:
    """Where a task sits in one enclosing foreach: its position, and (read on first use) the split's
    record of the items. `record` raises when the split task cannot be read."""

    def __init__(self, split: str, position: int, record: Callable[[], SplitRecord]) -> None:
        self.split = split
        self.position = position
        self._record = record
        self._cached: SplitRecord | None = None

    @property
    def record(self) -> SplitRecord:
        if self._cached is None:
            self._cached = self._record()
        return self._cached


class ArtifactReader:
    """Loads artifacts by reference, each blob at most once per task."""

    def __init__(self, store: FlowDatastore) -> None:
        self.store = store
        self._cache: dict[str, Any] = {}

    def value(self, sha: str) -> Any:
        if sha not in self._cache:
            self._cache[sha] = self.store.load_value(sha)
        return self._cache[sha]

    def foreach_item(self, place: ForeachPlace) -> Any:
        """The task's item: by position in the list its split stored (never re-iterated here)."""
        ref = place.record.items
        if ref is None:
            raise AttributeError(f"the foreach split {place.split} stored no items")
        return self.value(ref["sha"])[place.position]


class TaskNamespace:
    """The namespace of the running task (`self`)."""

    def __init__(
        self,
        reader: ArtifactReader,
        step: str,
        refs: dict[str, dict[str, Any]],
        foreach: Sequence[ForeachPlace] = (),
        is_join: bool = False,
    ) -> None:
        self.reader = reader
        self.step = step
        self.refs = dict(refs)
        # Every enclosing foreach, outermost first.
        self.foreach = tuple(foreach)
        self.is_join = is_join
        # name -> (value, manifest entry) for values loaded from refs into the instance.
        self.loaded: dict[str, tuple[Any, dict[str, Any]]] = {}

    def load_into(self, obj: Any, name: str) -> Any:
        ref = self.refs.get(name)
        if ref is None:
            where = "its inputs (use merge_artifacts or inputs.<step>.<name>)" if self.is_join else "a step before it"
            raise AttributeError(
                f"{type(obj).__name__!r} object has no attribute {name!r}: neither step {self.step!r} "
                f"nor {where} set self.{name}"
            )
        value = self.reader.value(ref["sha"])
        obj.__dict__[name] = value
        self.loaded[name] = (value, ref)
        return value

    def foreach_input(self) -> Any:
        """`self.input`: the item of the innermost foreach; None outside any foreach (as in Metaflow)."""
        return self.reader.foreach_item(self.foreach[-1]) if self.foreach else None

    def foreach_position(self) -> int | None:
        """`self.index`: the position in the innermost foreach; None outside any foreach."""
        return self.foreach[-1].position if self.foreach else None

    def foreach_stack(self) -> list[tuple[int, int, Any]]:
        """`self.foreach_stack()`: (position, number of items, item) per enclosing foreach, outermost first."""
        return [(p.position, p.record.count, self.reader.foreach_item(p)) for p in self.foreach]

    def has(self, obj: Any, name: str) -> bool:
        return name in obj.__dict__ or name in self.refs or hasattr(type(obj), name)

    def merge(self, obj: Any, inputs: Any, include: list[str], exclude: list[str]) -> None:
        if not self.is_join:
            raise MergeError(f"merge_artifacts can only be called in a join step; {self.step!r} is not one")
        if include and exclude:
            raise MergeError("merge_artifacts takes include or exclude, not both")
        chosen: dict[str, dict[str, Any]] = {}
        conflicts: list[str] = []
        for inp in inputs:
            for name, ref in inp._flowc_refs.items():
                if (include and name not in include) or name in exclude or self.has(obj, name):
                    continue
                seen = chosen.setdefault(name, ref)
                if seen["sha"] != ref["sha"] and name not in conflicts:
                    conflicts.append(name)
        if conflicts:
            names = ", ".join(sorted(conflicts))
            raise MergeError(
                f"step {self.step!r} cannot merge artifacts whose inputs disagree: {names}. Set them "
                f"yourself (self.<name> = ...) before merge_artifacts, or pass exclude=[...]"
            )
        missing = [n for n in include if n not in chosen and not self.has(obj, n)]
        if missing:
            raise MergeError(
                f"step {self.step!r}: merge_artifacts(include=...) names artifacts no input has: {', '.join(missing)}"
            )
        # References only: nothing is loaded unless the step (or a later one) reads it.
        self.refs.update(chosen)

    def collect(self, obj: Any) -> dict[str, dict[str, Any]]:
        """The task's artifacts for its manifest: inherited references plus what the step set."""
        out = dict(self.refs)
        for name, value in obj.__dict__.items():
            # flowc's own; and, as Metaflow, names starting with "__" are never stored.
            if name.startswith(("_flowc_", "__")):
                continue
            loaded = self.loaded.get(name)
            if loaded is not None and loaded[0] is value and isinstance(value, _IMMUTABLE):
                out[name] = loaded[1]
            else:
                out[name] = self.reader.store.save_value(name, value)
        return dict(sorted(out.items()))


class InputView:
    """One input of a join: a completed parent task, its artifacts loaded on first read."""

    def __init__(
        self, reader: ArtifactReader, step: str, index: str, manifest: dict[str, Any], place: ForeachPlace | None
    ) -> None:
        self._flowc_reader = reader
        self._flowc_step = step
        self._flowc_index = index
        self._flowc_refs: dict[str, dict[str, Any]] = manifest["artifacts"]
        self._flowc_place = place

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        ref = self._flowc_refs.get(name)
        if ref is None:
            raise AttributeError(f"input {self._flowc_task!r} has no artifact {name!r}")
        value = self._flowc_reader.value(ref["sha"])
        setattr(self, name, value)
        return value

    @property
    def _flowc_task(self) -> str:
        return f"{self._flowc_step}/{self._flowc_index}" if self._flowc_index else self._flowc_step

    @property
    def input(self) -> Any:
        """The input task's foreach item (innermost foreach); None when it ran in no foreach."""
        return None if self._flowc_place is None else self._flowc_reader.foreach_item(self._flowc_place)

    @property
    def index(self) -> int | None:
        """The input task's position in its innermost foreach; None when it ran in no foreach."""
        return None if self._flowc_place is None else self._flowc_place.position

    def __repr__(self) -> str:
        return f"<input {self._flowc_task}>"


class Inputs(Sequence[InputView]):
    """A join's `inputs`: iterable in order, indexable, and by step name after a static branch."""

    def __init__(self, views: list[InputView]) -> None:
        self._views = views

    def __len__(self) -> int:
        return len(self._views)

    def __getitem__(self, i: Any) -> Any:
        return self._views[i]

    def __iter__(self) -> Iterator[InputView]:
        return iter(self._views)

    def __getattr__(self, name: str) -> InputView:
        if not name.startswith("_"):
            for view in self._views:
                if view._flowc_step == name:
                    return view
        steps = ", ".join(sorted({v._flowc_step for v in self._views}))
        raise AttributeError(f"inputs has no step {name!r}; its inputs come from: {steps}")
