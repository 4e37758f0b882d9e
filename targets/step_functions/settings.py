"""The Step Functions target's options, checked once and carried through the lowering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowc import bindings, project_names
from flowc.datastore import layout
from flowc.ir import Flow, Step
from flowc.runner import bootstrap
from flowc.target_api import TargetOption

from . import names
from .values import BOOT, RUN_ID

MODES = ("batch", "worker")
FOREACH_MODES = ("auto", "inline", "distributed")
# What a state machine compiled without a datastore carries in its place: not a valid bucket name, so
# it can never reach anyone's bucket, and the state machine stops at its first state saying so.
UNBOUND_DATASTORE = "s3://UNBOUND-DATASTORE"
UNBOUND_QUEUE = "https://sqs.invalid/UNBOUND-QUEUE"

OPTIONS: tuple[TargetOption, ...] = (
    TargetOption(
        "mode",
        "how tasks run: 'batch' (AWS Batch, batch:submitJob.sync) or 'worker' (an SQS queue that "
        "`flowc worker` processes, sqs:sendMessage.waitForTaskToken)",
        default="batch",
        choices=MODES,
    ),
    bindings.DATASTORE,
    TargetOption("batch-job-queue", "AWS Batch job queue (batch mode)", default="flowc", environment=True),
    TargetOption(
        "batch-job-definition",
        "AWS Batch job definition (batch mode); its image needs only Python 3.10+ (tasks bootstrap)",
        default="flowc",
        environment=True,
    ),
    TargetOption("queue-url", "SQS queue URL that `flowc worker` polls (worker mode)", environment=True),
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
    TargetOption("name", "the state machine's name (default: the flow's name, with its @project branch)"),
    *bindings.PROJECT_OPTIONS,
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
    branch: str | None = None
    production: bool = False
    # The task's command prefix; None: the bootstrap (batch mode) or the worker's flowc (worker mode).
    # Not a command-line option: tests run the emitted commands with this interpreter's flowc.
    executable: tuple[str, ...] | None = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> tuple[Settings, list[str]]:
        """The settings, and what is wrong with them (as messages for a diagnostic)."""
        problems: list[str] = []
        get = options.get
        heartbeat = get("heartbeat_seconds")
        executable = get("executable")
        s = cls(
            mode=str(get("mode") or "batch"),
            datastore=str(get("datastore") or UNBOUND_DATASTORE),
            job_queue=str(get("batch_job_queue") or "flowc"),
            job_definition=str(get("batch_job_definition") or "flowc"),
            queue_url=str(get("queue_url") or UNBOUND_QUEUE),
            foreach=str(get("foreach") or "auto"),
            max_concurrency=int(get("max_concurrency") or 0),
            heartbeat_seconds=600 if heartbeat is None else int(heartbeat),
            name=get("name") or None,
            branch=get("branch") or None,
            production=bool(get("production")),
            executable=tuple(executable) if executable else None,
        )
        if s.mode not in MODES:
            problems.append(f"unknown mode {s.mode!r}; choose one of {', '.join(MODES)}")
        if s.foreach not in FOREACH_MODES:
            problems.append(f"unknown foreach mode {s.foreach!r}; choose one of {', '.join(FOREACH_MODES)}")
        if s.datastore_bound:
            problem = bindings.datastore_problem(s.datastore)
            if problem:
                problems.append(f"tasks on Step Functions share an S3 datastore: {problem}")
        if s.mode == "batch":
            for what, value in (("--batch-job-queue", s.job_queue), ("--batch-job-definition", s.job_definition)):
                problem = bindings.aws_name_problem(what, value)
                if problem:
                    problems.append(problem)
        if s.mode == "worker" and s.queue_bound:
            problem = bindings.url_problem("--queue-url", s.queue_url)
            if problem:
                problems.append(problem)
        if s.max_concurrency < 0 or s.heartbeat_seconds < 0:
            problems.append("--max-concurrency and --heartbeat-seconds cannot be negative")
        return s, problems

    @property
    def datastore_bound(self) -> bool:
        return self.datastore != UNBOUND_DATASTORE

    @property
    def queue_bound(self) -> bool:
        return self.queue_url != UNBOUND_QUEUE

    def unbound(self) -> list[str]:
        """The options a deployable state machine still needs, as flags."""
        missing = [] if self.datastore_bound else ["--datastore"]
        if self.mode == "worker" and not self.queue_bound:
            missing.append("--queue-url")
        return missing

    @property
    def task_executable(self) -> tuple[str, ...]:
        if self.executable is not None:
            return self.executable
        # A Batch job runs on a stock Python image and bootstraps (the program comes from the state
        # data, `$.boot`); a worker runs its own flowc.
        if self.mode == "batch":
            return (bootstrap.PYTHON, "-c", BOOT.token)
        return ("flowc",)

    @property
    def bootstrap_source(self) -> str | None:
        """The bootstrap program the state data carries, when tasks bootstrap."""
        return bootstrap.SOURCE if self.executable is None and self.mode == "batch" else None

    def branch_of(self, flow: Flow) -> str | None:
        """The @project branch tasks run on, None for a flow without @project. Raises ProjectError."""
        if not flow.project:
            return None
        return project_names.branch_name(self.branch, self.production)

    def machine_name(self, flow: Flow) -> str:
        """The state machine's name: --name, else the deployed name (`project.branch.Flow`), made safe.
        Raises ProjectError for a bad --branch."""
        deployed = project_names.deployed_name(flow.name, flow.project, self.branch_of(flow))
        return names.machine_name(self.name or deployed)

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
