"""The Step Functions target's options, checked once and carried through the lowering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowc.datastore import layout
from flowc.ir import Step
from flowc.target_api import TargetOption

from .values import RUN_ID

MODES = ("batch", "worker")
FOREACH_MODES = ("auto", "inline", "distributed")

OPTIONS: tuple[TargetOption, ...] = (
    TargetOption(
        "mode",
        "how tasks run: 'batch' (AWS Batch, batch:submitJob.sync) or 'worker' (an SQS queue that "
        "`flowc worker` processes, sqs:sendMessage.waitForTaskToken)",
        default="batch",
        choices=MODES,
    ),
    TargetOption(
        "datastore",
        "the S3 datastore root every task uses, s3://bucket/prefix",
        required=True,
        placeholder="s3://flowc-check/datastore",
    ),
    TargetOption("batch-job-queue", "AWS Batch job queue (batch mode)", default="flowc"),
    TargetOption("batch-job-definition", "AWS Batch job definition (batch mode)", default="flowc"),
    TargetOption("queue-url", "SQS queue URL that `flowc worker` polls (worker mode)"),
    TargetOption(
        "foreach",
        "how a foreach fans out: 'distributed' (Distributed Map reading the runner's items file; any "
        "width), 'inline' (inline Map; up to 1,000 items) or 'auto' (distributed for an outermost "
        "foreach, inline inside another foreach)",
        default="auto",
        choices=FOREACH_MODES,
    ),
    TargetOption("max-concurrency", "most foreach iterations running at once (0: no limit)", default=0, type=int),
    TargetOption(
        "heartbeat-seconds",
        "worker mode: fail a task whose worker stops heartbeating for this long, counted from when the "
        "task is queued (0: off)",
        default=600,
        type=int,
    ),
    TargetOption("name", "the state machine's name (default: the flow's name)"),
)


@dataclass(frozen=True)
class Settings:
    mode: str = "batch"
    datastore: str = ""
    job_queue: str = "flowc"
    job_definition: str = "flowc"
    queue_url: str = ""
    foreach: str = "auto"
    max_concurrency: int = 0
    heartbeat_seconds: int = 600
    name: str | None = None
    executable: tuple[str, ...] = ("flowc",)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> tuple[Settings, list[str]]:
        """The settings, and what is wrong with them (as messages for a diagnostic)."""
        problems: list[str] = []
        get = options.get
        heartbeat = get("heartbeat_seconds")
        s = cls(
            mode=str(get("mode") or "batch"),
            datastore=str(get("datastore") or ""),
            job_queue=str(get("batch_job_queue") or "flowc"),
            job_definition=str(get("batch_job_definition") or "flowc"),
            queue_url=str(get("queue_url") or ""),
            foreach=str(get("foreach") or "auto"),
            max_concurrency=int(get("max_concurrency") or 0),
            heartbeat_seconds=600 if heartbeat is None else int(heartbeat),
            name=get("name") or None,
            executable=tuple(get("executable") or ("flowc",)),
        )
        if s.mode not in MODES:
            problems.append(f"unknown mode {s.mode!r}; choose one of {', '.join(MODES)}")
        if s.foreach not in FOREACH_MODES:
            problems.append(f"unknown foreach mode {s.foreach!r}; choose one of {', '.join(FOREACH_MODES)}")
        if not s.datastore.startswith("s3://") or not s.datastore[5:].split("/", 1)[0]:
            problems.append("tasks on Step Functions share an S3 datastore: pass --datastore s3://bucket/prefix")
        if s.mode == "worker" and not s.queue_url:
            problems.append("worker mode needs the SQS queue the workers poll: pass --queue-url URL")
        if s.max_concurrency < 0 or s.heartbeat_seconds < 0:
            problems.append("--max-concurrency and --heartbeat-seconds cannot be negative")
        return s, problems

    # -- the datastore, as the state machine addresses it -----------------------------------------

    @property
    def bucket(self) -> str:
        return self.datastore[5:].split("/", 1)[0]

    @property
    def prefix(self) -> str:
        rest = self.datastore[5:].split("/", 1)
        return rest[1].strip("/") if len(rest) > 1 else ""

    def s3_object(self, key: str) -> tuple[str, str]:
        """(bucket, key) of a datastore key, as S3 sees it."""
        return self.bucket, f"{self.prefix}/{key}" if self.prefix else key

    def output_key(self, flow: str, step: str, index: str) -> str:
        return layout.output_key(flow, RUN_ID.token, step, index)

    def items_key(self, flow: str, step: str, index: str) -> str:
        return layout.foreach_items_key(flow, RUN_ID.token, step, index)

    def distributed(self, step: Step, nested: bool) -> bool:
        if self.foreach == "auto":
            # A Distributed Map handles any width but starts child executions; an inner foreach
            # multiplies those, so it stays inline where the outer map already spreads the load.
            return not nested
        return self.foreach == "distributed"
