"""The IAM policies one flow needs on Step Functions, least privilege, as data (`NAME.iam.json`).

Compiling knows every resource a flow touches except the account and region, which are `*` in the
ARNs (AWS has no other way to leave them open). Four roles, each with its trust policy and its
permissions:

- `state_machine`: what the state machine runs as (`flowc deploy --role-arn`): submit the Batch jobs
  (or send SQS messages in worker mode), read the runner's output objects and foreach items under
  the flow's runs, start its own child executions for a distributed foreach;
- `task`: what tasks run as (the Batch job role, or the machine `flowc worker` runs on): read and
  write the flow's part of the datastore; in worker mode also receive from the queue and answer
  Step Functions;
- `scheduler`, for a flow with @schedule: start executions of this state machine;
- `deployer`: what `flowc deploy`, `trigger`, `status` and `delete` need.

docs/targets/step-functions.md shows how to create the roles from this file.
"""

from __future__ import annotations

from typing import Any

from flowc.ir import Flow, Transition

from .settings import Settings

VERSION = "2012-10-17"
BATCH_EVENTS_RULE = "arn:aws:events:*:*:rule/StepFunctionsGetEventsForBatchJobsRule"


def _trust(service: str) -> dict[str, Any]:
    return {
        "Version": VERSION,
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    }


def _policy(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": statements}


def _allow(sid: str, actions: list[str], resources: list[str], **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources, **extra}


def queue_arn(url: str) -> str:
    """`https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` -> its ARN (`*` for what the URL does not say)."""
    parts = url.rstrip("/").split("/")
    name = parts[-1] if parts else "*"
    account = parts[-2] if len(parts) >= 2 and parts[-2].isdigit() else "*"
    host = parts[2] if len(parts) > 2 else ""
    region = host.split(".")[1] if host.startswith("sqs.") and host.count(".") >= 3 else "*"
    return f"arn:aws:sqs:{region}:{account}:{name}"


def _batch_arn(kind: str, name: str) -> list[str]:
    if name.startswith("arn:"):
        return [name, f"{name.rsplit(':', 1)[0]}:*"] if kind == "job-definition" else [name]
    if kind == "job-definition":
        return [f"arn:aws:batch:*:*:job-definition/{name}", f"arn:aws:batch:*:*:job-definition/{name}:*"]
    return [f"arn:aws:batch:*:*:job-queue/{name}"]


def policies(flow: Flow, settings: Settings, machine: str) -> dict[str, Any]:
    bucket = settings.bucket
    flow_root = f"{settings.prefix}/{flow.name}" if settings.prefix else flow.name
    objects = f"arn:aws:s3:::{bucket}/{flow_root}/*"
    runs = f"arn:aws:s3:::{bucket}/{flow_root}/runs/*"
    machine_arn = f"arn:aws:states:*:*:stateMachine:{machine}"
    # Executions are `execution:NAME:RUN`; a distributed Map's children `execution:NAME/MAPRUN:ID`.
    executions = f"arn:aws:states:*:*:execution:{machine}:*"
    children = f"arn:aws:states:*:*:execution:{machine}/*"
    foreach = any(s.transition is Transition.FOREACH for s in flow.steps)
    reads_output = settings.mode == "batch" and any(
        s.transition in (Transition.FOREACH, Transition.SWITCH) for s in flow.steps
    )

    machine_statements: list[dict[str, Any]] = []
    if settings.mode == "batch":
        machine_statements.append(
            _allow(
                "SubmitBatchJobs",
                ["batch:SubmitJob"],
                _batch_arn("job-queue", settings.job_queue) + _batch_arn("job-definition", settings.job_definition),
            )
        )
        machine_statements.append(_allow("FollowBatchJobs", ["batch:DescribeJobs", "batch:TerminateJob"], ["*"]))
        machine_statements.append(
            _allow(
                "BatchJobEvents", ["events:DescribeRule", "events:PutRule", "events:PutTargets"], [BATCH_EVENTS_RULE]
            )
        )
    else:
        machine_statements.append(_allow("SendTasks", ["sqs:SendMessage"], [queue_arn(settings.queue_url)]))
    if reads_output or foreach:
        machine_statements.append(_allow("ReadRunnerOutputs", ["s3:GetObject"], [runs]))
    if foreach:
        # A distributed Map starts child executions of this state machine.
        machine_statements.append(_allow("StartChildExecutions", ["states:StartExecution"], [machine_arn]))
        machine_statements.append(
            _allow("FollowChildExecutions", ["states:DescribeExecution", "states:StopExecution"], [children])
        )

    datastore = [
        _allow("ReadWriteFlowData", ["s3:GetObject", "s3:PutObject"], [objects]),
        _allow(
            "ListFlowData",
            ["s3:ListBucket"],
            [f"arn:aws:s3:::{bucket}"],
            Condition={"StringLike": {"s3:prefix": [f"{flow_root}/*"]}},
        ),
    ]
    out: dict[str, Any] = {
        "Comment": f"IAM for flow {flow.name}, state machine {machine} ({settings.mode} mode); "
        "account and region are * until you narrow them",
        "state_machine": {"trust": _trust("states.amazonaws.com"), "policy": _policy(machine_statements)},
    }
    if settings.mode == "batch":
        out["task"] = {
            "Comment": "the Batch job role (jobRoleArn of the job definition)",
            "trust": _trust("ecs-tasks.amazonaws.com"),
            "policy": _policy(datastore),
        }
    else:
        worker = [
            *datastore,
            _allow(
                "ReceiveTasks",
                ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"],
                [queue_arn(settings.queue_url)],
            ),
            # Task tokens are not resources IAM can name.
            _allow(
                "AnswerTasks", ["states:SendTaskFailure", "states:SendTaskHeartbeat", "states:SendTaskSuccess"], ["*"]
            ),
        ]
        out["task"] = {
            "Comment": "the identity `flowc worker` runs as (an instance profile, a task role, ...)",
            "trust": _trust("ec2.amazonaws.com"),
            "policy": _policy(worker),
        }
    if flow.schedule is not None:
        out["scheduler"] = {
            "trust": _trust("scheduler.amazonaws.com"),
            "policy": _policy([_allow("StartScheduledRuns", ["states:StartExecution"], [machine_arn])]),
        }
    deployer = [
        _allow(
            "ManageStateMachine",
            [
                "states:CreateStateMachine",
                "states:DeleteStateMachine",
                "states:DescribeStateMachine",
                "states:ListTagsForResource",
                "states:TagResource",
                "states:UpdateStateMachine",
            ],
            [machine_arn],
        ),
        _allow("FindStateMachines", ["states:ListStateMachines"], ["*"]),
        _allow(
            "RunAndWatch",
            ["states:DescribeExecution", "states:GetExecutionHistory", "states:StartExecution"],
            [machine_arn, executions],
        ),
        _allow("ListRuns", ["states:ListExecutions"], [machine_arn]),
        _allow("UploadCode", ["s3:GetObject", "s3:PutObject"], [f"arn:aws:s3:::{bucket}/{flow_root}/code/*"]),
        _allow(
            "PassRoles",
            ["iam:PassRole"],
            ["*"],
            Condition={"StringEquals": {"iam:PassedToService": ["states.amazonaws.com", "scheduler.amazonaws.com"]}},
        ),
    ]
    if flow.schedule is not None:
        deployer.append(
            _allow(
                "ManageSchedule",
                [
                    "scheduler:CreateSchedule",
                    "scheduler:DeleteSchedule",
                    "scheduler:GetSchedule",
                    "scheduler:UpdateSchedule",
                ],
                [f"arn:aws:scheduler:*:*:schedule/default/{machine}"],
            )
        )
    out["deployer"] = {"Comment": "who runs flowc deploy / trigger / status / delete", "policy": _policy(deployer)}
    return out
