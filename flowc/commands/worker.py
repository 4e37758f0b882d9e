"""`flowc worker --queue URL`: run the tasks a worker-mode Step Functions state machine queues."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from typing import Any

HELP = "run Step Functions worker-mode tasks from an SQS queue (polls, runs the runner, answers)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--queue", required=True, metavar="URL", help="the SQS queue URL the state machine sends to")
    p.add_argument("--region", default=None, help="AWS region (default: boto3's configuration)")
    p.add_argument(
        "--endpoint-url",
        default=os.environ.get("FLOWC_AWS_ENDPOINT_URL"),
        help="send SQS and Step Functions calls here (a local emulator); env FLOWC_AWS_ENDPOINT_URL",
    )
    p.add_argument("--concurrency", type=int, default=1, help="tasks run at once (default 1)")
    p.add_argument(
        "--heartbeat-seconds", type=float, default=60.0, help="how often a running task heartbeats (default 60)"
    )
    p.add_argument("--max-tasks", type=int, default=None, help="stop after this many tasks")
    p.add_argument("--idle-exit", type=float, default=None, metavar="SECONDS", help="stop after this long idle")
    p.add_argument(
        "--executable",
        default=None,
        help="command that runs `flowc` for tasks (default: this Python's `-m flowc`)",
    )


def run(args: argparse.Namespace) -> int:
    import boto3

    from flowc.targets.step_functions.worker import WorkerConfig, run_workers

    executable = tuple(shlex.split(args.executable)) if args.executable else (sys.executable, "-m", "flowc")
    config = WorkerConfig(
        queue_url=args.queue,
        heartbeat_seconds=args.heartbeat_seconds,
        max_tasks=args.max_tasks,
        idle_exit=args.idle_exit,
        executable=executable,
    )

    def clients() -> tuple[Any, Any]:
        session = boto3.session.Session(region_name=args.region)
        kw = {"endpoint_url": args.endpoint_url} if args.endpoint_url else {}
        return session.client("sqs", **kw), session.client("stepfunctions", **kw)

    def log(text: str) -> None:
        print(f"flowc worker: {text}", file=sys.stderr, flush=True)

    log(f"polling {args.queue}")
    workers = run_workers(config, clients, args.concurrency, log)
    log(f"stopped after {sum(w.done for w in workers)} task(s)")
    return 0
