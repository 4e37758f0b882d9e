"""Read what runs produced, with Metaflow's client API: `from flowc.client import Flow, Run, namespace`.

    from flowc.client import Flow, Run, Task, namespace

    run = Flow("HyperparamSweepFlow").latest_successful_run     # newest first, in your namespace
    run.data.best_lr                                            # the end task's artifacts
    [t.data.mse for t in run["train"]]                          # a foreach step's tasks, in index order
    run["train"]["2"]["lr"].data                                # one task by id (its index path), one artifact
    Run("HyperparamSweepFlow/20240612T101500-3fa2c1").tags      # by pathspec
    namespace(None)                                             # every user's runs, and deployed ones
    metadata("s3://bucket/flowc")                               # another datastore

With flowc installed and Metaflow not, `from metaflow import Flow, Run, ...` gives these same objects
(docs/metaflow.md). Everything is read through `flowc.datastore`, so a local folder and an S3 prefix
behave the same, and runs of every engine can be read. Artifacts are loaded on first access and kept.
Nothing here writes to the datastore, and importing it loads neither the compiler's dependencies nor
boto3 (that only for an `s3://` datastore).
"""

from flowc.client.base import Metadata
from flowc.client.code import Code
from flowc.client.context import (
    default_metadata,
    default_namespace,
    get_metadata,
    get_namespace,
    metadata,
    namespace,
)
from flowc.client.errors import (
    ArtifactNotFound,
    ClientError,
    FlowNotFound,
    InvalidPathspec,
    NamespaceMismatch,
    NotFoundError,
    RunNotFound,
    StepNotFound,
    TaskNotFound,
)
from flowc.client.runs import Flow, Metaflow, Run
from flowc.client.tasks import DataArtifact, Step, Task, TaskData

__all__ = [
    "ArtifactNotFound",
    "ClientError",
    "Code",
    "DataArtifact",
    "Flow",
    "FlowNotFound",
    "InvalidPathspec",
    "Metadata",
    "Metaflow",
    "NamespaceMismatch",
    "NotFoundError",
    "Run",
    "RunNotFound",
    "Step",
    "StepNotFound",
    "Task",
    "TaskData",
    "TaskNotFound",
    "default_metadata",
    "default_namespace",
    "get_metadata",
    "get_namespace",
    "metadata",
    "namespace",
]
