"""What every client object shares (Metaflow's MetaflowObject): ids, pathspecs, parents, tags,
namespace checks, iteration, and pickling by pathspec."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, ClassVar, NamedTuple

from flowc.client import context
from flowc.client.errors import InvalidPathspec, NamespaceMismatch
from flowc.client.reader import Reader, RunRecord, listing, tags_of
from flowc.datastore import layout

NO_INDEX = layout.NO_INDEX


class Metadata(NamedTuple):
    """One fact about a task, as Metaflow's `Task.metadata` lists them."""

    name: str
    value: str
    created_at: int  # milliseconds since the epoch
    type: str
    task: Any


def rebuild(kind: str, pathspec: str, attempt: int | None, root: str) -> Any:
    from flowc.client.runs import Flow, Run
    from flowc.client.tasks import DataArtifact, Step, Task

    cls = {"flow": Flow, "run": Run, "step": Step, "task": Task, "artifact": DataArtifact}[kind]
    if kind in ("task", "artifact"):
        return cls(pathspec, attempt=attempt, datastore=root, _namespace_check=False)
    return cls(pathspec, datastore=root, _namespace_check=False)


def split_pathspec(pathspec: str, parts: int, expects: str) -> list[str]:
    if not isinstance(pathspec, str):
        raise InvalidPathspec(f"Expects {expects}, got {pathspec!r}")
    ids = pathspec.split("/")
    if len(ids) != parts or not all(ids):
        raise InvalidPathspec(f"Expects {expects}, got {pathspec!r}")
    return ids


class ClientObject:
    """What every client object has (Metaflow's MetaflowObject)."""

    _NAME: ClassVar[str] = "base"
    _reader: Reader
    _ns: str | None
    _ns_check: bool
    _attempt: int | None = None
    id: str

    def _setup(self, reader: Reader, namespace_check: bool) -> None:
        self._reader = reader
        ns = context.get_namespace()
        self._ns = ns
        self._ns_check = namespace_check and ns is not None

    @property
    def pathspec(self) -> str:
        raise NotImplementedError

    @property
    def path_components(self) -> list[str]:
        return self.pathspec.split("/")

    @property
    def parent(self) -> Any:
        parent = "/".join(self.path_components[:-1])
        if not parent:
            return None
        kind = {"run": "flow", "step": "run", "task": "step", "artifact": "task"}[self._NAME]
        return rebuild(kind, parent, None, self._reader.root)

    def _run(self) -> RunRecord:
        raise NotImplementedError

    @property
    def user_tags(self) -> frozenset[str]:
        return frozenset(tags_of(self._run())[0])

    @property
    def system_tags(self) -> frozenset[str]:
        return frozenset(tags_of(self._run())[1])

    @property
    def tags(self) -> frozenset[str]:
        """The run's user and system tags (every object of a run has its run's tags)."""
        user, system = tags_of(self._run())
        return frozenset(user) | frozenset(system)

    def is_in_namespace(self) -> bool:
        ns = context.get_namespace()
        return ns is None or ns in self.tags

    def _check_namespace(self) -> None:
        if self._ns_check and self._ns not in self.tags:
            raise NamespaceMismatch(
                f"{self} is not in namespace {self._ns!r}; its tags: {listing(sorted(self.tags))}. "
                f"namespace(None) reads every namespace"
            )

    @property
    def created_at(self) -> datetime | None:
        raise NotImplementedError

    def _children(self) -> list[Any]:
        raise NotImplementedError

    def __iter__(self) -> Iterator[Any]:
        return iter(self._children())

    def _filtered_children(self, *tags: str) -> Iterator[Any]:
        for child in self:
            if all(t in child.tags for t in tags):
                yield child

    def _ipython_key_completions_(self) -> list[str]:
        return [child.id for child in self]

    def __str__(self) -> str:
        if self._attempt is not None:
            return f"{type(self).__name__}('{self.pathspec}', attempt={self._attempt})"
        return f"{type(self).__name__}('{self.pathspec}')"

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is type(self)
            and isinstance(other, ClientObject)
            and (other.pathspec, other._attempt, other._reader.root)
            == (self.pathspec, self._attempt, self._reader.root)
        )

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.pathspec, self._attempt))

    def __reduce__(self) -> tuple[Any, ...]:
        # Picklable (an artifact may hold a Run): rebuilt from its pathspec and datastore.
        return (rebuild, (self._NAME, self.pathspec, self._attempt, self._reader.root))


def plain_id(part: object) -> bool:
    return isinstance(part, str) and bool(part) and "/" not in part and part not in (".", "..")
