"""boto3 sessions, the options that reach AWS, and lookups shared by deploy, trigger, status and delete.

Never imported by the compiler. Whether AWS can be reached is decided before any call
(`Aws.offline_reason`: no region, no credentials), so a dry run without them plans offline instead of
failing, and a real command fails with one line saying what to give.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow
from flowc.target_api import TargetOption, TargetResult

DEPLOY_OPTIONS: tuple[TargetOption, ...] = (
    TargetOption("region", "AWS region (default: boto3's own: AWS_DEFAULT_REGION, ~/.aws/config)", environment=True),
    TargetOption("aws-endpoint-url", "send every AWS call here, e.g. a local emulator", environment=True),
    TargetOption(
        "role-arn",
        "IAM role the state machine runs as (deploy; its policy is `state_machine` in NAME.iam.json)",
        environment=True,
    ),
    TargetOption(
        "schedule-role-arn",
        "IAM role EventBridge Scheduler starts runs with, for a flow with @schedule (`scheduler` in NAME.iam.json)",
        environment=True,
    ),
)

# Tags flowc puts on what it creates: which flow and deployment a state machine belongs to, so a
# deploy never replaces another flow's state machine that happens to have the same name.
TAG_FLOW = "flowc:flow"
TAG_DEPLOYMENT = "flowc:deployment"


@dataclass
class Aws:
    """Clients for one command, built on first use from the resolved options."""

    region: str | None = None
    endpoint_url: str | None = None
    _session: Any = field(default=None, repr=False)
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> Aws:
        return cls(region=options.get("region") or None, endpoint_url=options.get("aws_endpoint_url") or None)

    @property
    def session(self) -> Any:
        if self._session is None:
            import boto3

            self._session = boto3.session.Session(region_name=self.region)
        return self._session

    def client(self, service: str) -> Any:
        if service not in self._clients:
            kwargs = {"endpoint_url": self.endpoint_url} if self.endpoint_url else {}
            self._clients[service] = self.session.client(service, **kwargs)
        return self._clients[service]

    def offline_reason(self) -> str | None:
        """Why AWS cannot be asked anything (no region, no credentials), or None."""
        if not self.session.region_name:
            return "no AWS region (--region, AWS_DEFAULT_REGION)"
        if self.session.get_credentials() is None:
            return "no AWS credentials"
        return None

    def require(self) -> None:
        """Raise a one-line CloudError unless AWS can be reached with what is configured."""
        reason = self.offline_reason()
        if reason is not None:
            import botocore.exceptions

            from flowc.cloud import explain

            raise explain(
                botocore.exceptions.NoRegionError() if "region" in reason else botocore.exceptions.NoCredentialsError()
            )

    @property
    def region_name(self) -> str:
        return str(self.session.region_name or "<region>")


def find_state_machine(sfn: Any, name: str) -> str | None:
    """The ARN of the state machine called `name`, or None."""
    for page in sfn.get_paginator("list_state_machines").paginate():
        for sm in page["stateMachines"]:
            if sm["name"] == name:
                return str(sm["stateMachineArn"])
    return None


def tags_of(sfn: Any, arn: str) -> dict[str, str]:
    return {t["key"]: t["value"] for t in sfn.list_tags_for_resource(resourceArn=arn).get("tags", [])}


def check_owner(sfn: Any, arn: str, name: str, deployment: str) -> None:
    """Refuse to touch a state machine that another flow (or another deployment) put there."""
    owner = tags_of(sfn, arn).get(TAG_DEPLOYMENT)
    if owner is not None and owner != deployment:
        raise CloudError(
            f"state machine {name} belongs to {owner}, not {deployment}; give this one another --name", USAGE
        )


def error_code(exc: Exception) -> str:
    return str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))


@dataclass(frozen=True)
class Compiled:
    """The compiled files, read back: what deploy applies."""

    definition: str  # compact JSON, as sent
    schedule: dict[str, Any] | None
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.manifest["state_machine"])

    @property
    def deployment(self) -> str:
        """The full deployed name, `project.branch.Flow` or the flow's name: what the tags record."""
        m = self.manifest
        return f"{m['project']}.{m['branch']}.{m['flow']}" if m.get("project") else str(m["flow"])

    @classmethod
    def read(cls, result: TargetResult) -> Compiled:
        by_suffix: dict[str, str] = {}
        for f in result.files:
            for suffix in (".asl.json", ".schedule.json", ".deploy.json"):
                if f.path.endswith(suffix):
                    by_suffix[suffix] = f.content
        definition = json.dumps(json.loads(by_suffix[".asl.json"]), separators=(",", ":"), sort_keys=True)
        schedule = json.loads(by_suffix[".schedule.json"]) if ".schedule.json" in by_suffix else None
        return cls(definition, schedule, json.loads(by_suffix[".deploy.json"]))


def deployed_machine(flow: Flow, options: Mapping[str, Any]) -> tuple[Aws, Any, str, str]:
    """(clients, stepfunctions client, ARN, name) of the flow's deployed state machine. Raises a
    CloudError when AWS cannot be reached or the flow is not deployed."""
    name, _ = machine_of(flow, options)
    aws = Aws.from_options(options)
    aws.require()
    sfn = aws.client("stepfunctions")
    arn = find_state_machine(sfn, name)
    if arn is None:
        raise CloudError(f"no state machine named {name} in {aws.region_name}: deploy the flow first (flowc deploy)")
    return aws, sfn, arn, name


def machine_of(flow: Flow, options: Mapping[str, Any]) -> tuple[str, str]:
    """(state machine name, deployment name) of `flow` under these options, as compiling names them.
    Raises CloudError for a bad --branch."""
    from flowc import project_names

    from .settings import Settings

    settings, _ = Settings.from_options(options)
    try:
        branch = settings.branch_of(flow)
        return settings.machine_name(flow), project_names.deployed_name(flow.name, flow.project, branch)
    except project_names.ProjectError as exc:
        raise CloudError(str(exc), USAGE) from None
