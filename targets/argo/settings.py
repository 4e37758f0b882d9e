"""The Argo target's options, checked once and carried through the lowering."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flowc.target_api import TargetOption

ARGO_VERSIONS = ("3.5", "3.6", "3.7", "4")
DEFAULT_IMAGE = "flowc:latest"

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
        "the datastore root every task uses, s3://bucket/prefix (a local path only works when every "
        "pod mounts it at that path)",
        required=True,
        placeholder="s3://flowc-check/datastore",
    ),
    TargetOption(
        "image",
        f"the container image of steps without @image; it must have flowc and the flow's dependencies "
        f"(default {DEFAULT_IMAGE})",
        default=DEFAULT_IMAGE,
    ),
    TargetOption("namespace", "the Kubernetes namespace written into the manifests (default: none)"),
    TargetOption("service-account", "the service account the workflow's pods run as (default: none)"),
    TargetOption("name", "the WorkflowTemplate's name (default: from the flow's name)"),
)


@dataclass(frozen=True)
class Settings:
    argo_version: str = "3.7"
    datastore: str = ""
    image: str = DEFAULT_IMAGE
    namespace: str | None = None
    service_account: str | None = None
    name: str | None = None
    # Not a command-line option: tests run the emitted commands with this interpreter's flowc.
    executable: tuple[str, ...] = ("flowc",)

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
            executable=tuple(get("executable") or ("flowc",)),
        )
        problems: list[str] = []
        if s.argo_version not in ARGO_VERSIONS:
            problems.append(f"--argo-version must be one of {', '.join(ARGO_VERSIONS)}, not {s.argo_version!r}")
        if not s.datastore:
            problems.append(
                "the Argo target needs a datastore that every pod reaches: pass --datastore "
                "s3://bucket/prefix (or set `datastore` under [tool.flowc.argo] in pyproject.toml)"
            )
        return s, problems
