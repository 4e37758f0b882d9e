"""`flowc delete --target argo`: delete the flow's WorkflowTemplate and CronWorkflow through the
Kubernetes API. Objects whose `flowc.dev/deployment` annotation names another deployment are refused;
workflows already submitted (runs) are kept, as is the datastore. `dry_run` lists what would go."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow

from .cluster import Cluster, offline_reason
from .deploy import DEPLOYMENT
from .trigger import deployed_names


def delete(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    from flowc import project_names

    settings, template, cron = deployed_names(flow, options)
    deployment = project_names.deployed_name(flow.name, flow.project, settings.branch_of(flow))
    dry_run = bool(options.get("dry_run"))
    ns = settings.namespace
    if dry_run:
        why = offline_reason(options)
        if why is not None:
            out.write(f"# offline plan ({why}): what exists on the cluster is not known\n")
            out.write(f"# would delete CronWorkflow {cron} and WorkflowTemplate {template}, if they exist\n")
            out.write("dry run: nothing changed\n")
            return 0
    cluster = Cluster.connect(options)
    found = []
    # The CronWorkflow first: it refers to the template.
    for kind, name in (("CronWorkflow", cron), ("WorkflowTemplate", template)):
        live = cluster.get(kind, name, ns)
        if live is None:
            continue
        owner = live.get("metadata", {}).get("annotations", {}).get(DEPLOYMENT)
        if owner is not None and owner != deployment:
            raise CloudError(f"{kind} {name} belongs to {owner}, not {deployment}: not deleting it", USAGE)
        found.append((kind, name))
    where = f"namespace {cluster.namespace_of(ns)}"
    if not found:
        out.write(f"nothing to delete: no WorkflowTemplate {template} or CronWorkflow {cron} in {where}\n")
        return 0
    for kind, name in found:
        if not dry_run:
            cluster.delete(kind, name, ns)
        out.write(f"{'would delete' if dry_run else 'deleted'} {kind} {name} in {where}\n")
    if dry_run:
        out.write("dry run: nothing changed\n")
    return 0
