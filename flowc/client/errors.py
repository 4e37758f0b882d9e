"""The client's errors. Each is also the standard exception a Metaflow user catches for the same case
(a KeyError for `run["nope"]`, an AttributeError for `task.data.nope`); the `metaflow.exception` names
map onto these (docs/metaflow.md)."""

from __future__ import annotations


class ClientError(Exception):
    """Something asked for cannot be read from the datastore."""


class NotFoundError(ClientError, KeyError):
    """The flow, run, step, task or artifact asked for is not in the datastore (Metaflow's
    MetaflowNotFound; also a KeyError, as `run["nope"]` raises in Metaflow)."""

    def __str__(self) -> str:  # KeyError would show the message's repr
        return str(self.args[0]) if self.args else ""


class FlowNotFound(NotFoundError):
    pass


class RunNotFound(NotFoundError):
    pass


class StepNotFound(NotFoundError):
    pass


class TaskNotFound(NotFoundError):
    pass


class ArtifactNotFound(NotFoundError, AttributeError):
    """No artifact of that name. A KeyError for `task["x"]` and an AttributeError for `task.data.x`,
    so `in`, `hasattr` and `getattr(..., default)` work as usual."""


class NamespaceMismatch(ClientError):
    """The object exists but is not in the current namespace (Metaflow's MetaflowNamespaceMismatch)."""


class InvalidPathspec(ClientError, ValueError):
    """A pathspec with the wrong number of parts for the object asked for."""
