"""The Argo target's options, checked once and carried through the lowering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowc import bindings, project_names
from flowc.ir import Flow
from flowc.runner import bootstrap
from flowc.target_api import TargetOption

from . import names

ARGO_VERSIONS = ("3.5", "3.6", "3.7", "4")
DEFAULT_IMAGE = bindings.DEFAULT_IMAGE
# The workflow parameter that holds the datastore (percent-encoded, flowc.runner.command): its value
# is what deploy bound, and a submission may give another (`argo submit ... -p flowc-datastore=...`).
DATASTORE_PARAMETER = "flowc-datastore"

OPTIONS: tuple[TargetOption, ...] = (
    TargetOption(
        "argo-version",
        "the Argo Workflows version the manifests are for: 3.5 writes a CronWorkflow's `schedule`, "
        "3.6 and later `schedules`",
        default="3.7",
        choices=ARGO_VERSIONS,
    ),
    TargetOption(
        "datastore",
        "where tasks keep artifacts and code packages, s3://bucket/prefix (or a folder every pod mounts at "
        f"that path); the default of the workflow parameter {DATASTORE_PARAMETER} (none: given at submission)",
        environment=True,
    ),
    bindings.image_option("steps"),
    TargetOption(
        "namespace",
        "the Kubernetes namespace written into the manifests (default: none, the current one)",
        environment=True,
    ),
    TargetOption("service-account", "the service account the workflow's pods run as (default: none)", environment=True),
    TargetOption("name", "the WorkflowTemplate's name (default: from the flow's name, with its @project branch)"),
    *bindings.PROJECT_OPTIONS,
)


@dataclass(frozen=True)
class Settings:
    argo_version: str = "3.7"
    datastore: str = ""
    image: str = DEFAULT_IMAGE
    namespace: str | None = None
    service_account: str | None = None
    name: str | None = None
    branch: str | None = None
    production: bool = False
    # Not a command-line option: tests run the emitted commands with this interpreter's flowc.
    # Default: the bootstrap, so tasks run on a stock Python image.
    executable: tuple[str, ...] = bootstrap.command()

    @property
    def cron_uses_schedules(self) -> bool:
        """Argo 3.6 added `schedules` (a list); 4.x removes the single `schedule`."""
        return self.argo_version != "3.5"

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> tuple[Settings, list[str]]:
        """The settings, and what is wrong with them (as messages for a diagnostic)."""
        get = options.get
        s = cls(
            argo_version=str(get("argo_version") or "3.7"),
            datastore=str(get("datastore") or ""),
            image=str(get("image") or DEFAULT_IMAGE),
            namespace=get("namespace") or None,
            service_account=get("service_account") or None,
            name=get("name") or None,
            branch=get("branch") or None,
            production=bool(get("production")),
            executable=tuple(get("executable") or bootstrap.command()),
        )
        problems: list[str] = []
        if s.argo_version not in ARGO_VERSIONS:
            problems.append(f"--argo-version must be one of {', '.join(ARGO_VERSIONS)}, not {s.argo_version!r}")
        checks = [
            bindings.datastore_problem(s.datastore, local_ok=True) if s.datastore else None,
            bindings.image_problem(s.image),
            bindings.dns_label_problem("--namespace", s.namespace) if s.namespace else None,
            bindings.dns_subdomain_problem("--service-account", s.service_account) if s.service_account else None,
        ]
        problems += [p for p in checks if p]
        return s, problems

    def branch_of(self, flow: Flow) -> str | None:
        """The @project branch tasks run on, None for a flow without @project. Raises ProjectError."""
        if not flow.project:
            return None
        return project_names.branch_name(self.branch, self.production)

    def deployment(self, flow: Flow) -> str:
        """The full deployed name, `project.branch.Flow` or the flow's. Raises ProjectError."""
        return project_names.deployed_name(flow.name, flow.project, self.branch_of(flow))

    def template_name(self, flow: Flow) -> str:
        return names.label(self.name or self.deployment(flow), names.WORKFLOW_TEMPLATE_MAX)

    def cron_name(self, flow: Flow) -> str:
        return names.label(self.name or self.deployment(flow), names.CRON_WORKFLOW_MAX)
