"""`metaflow.exception` under flowc: Metaflow's exception names for the client's errors."""

from flowc.api import MetaflowExceptionWrapper
from flowc.client.errors import ClientError as MetaflowException
from flowc.client.errors import InvalidPathspec as MetaflowInvalidPathspec
from flowc.client.errors import NamespaceMismatch as MetaflowNamespaceMismatch
from flowc.client.errors import NotFoundError as MetaflowNotFound

__all__ = [
    "MetaflowException",
    "MetaflowExceptionWrapper",
    "MetaflowInvalidPathspec",
    "MetaflowNamespaceMismatch",
    "MetaflowNotFound",
]
