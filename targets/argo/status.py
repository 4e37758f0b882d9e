"""`flowc status --target argo`: a run (a Workflow submitted from the flow's WorkflowTemplate): its
phase, and the steps whose pods failed, read from the Workflow's status through the Kubernetes API.

The run is `--run NAME`, else the newest Workflow labelled with the template's name (the label Argo's
server and `flowc trigger` put on workflows submitted from a template; a CronWorkflow's workflows
carry it too).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from flowc.cloud import CloudError
from flowc.ir import Flow

from .cluster import TEMPLATE_LABEL, Cluster
from .trigger import deployed_names

FAILED = ("Failed", "Error")


def failed_steps(workflow: dict[str, Any]) -> list[str]:
    """`step` (or `step[index]`) of every failed pod, in the order they started."""
    nodes = sorted(
        (workflow.get("status", {}).get("nodes") or {}).values(), key=lambda n: str(n.get("startedAt") or "")
    )
    out: list[str] = []
    for node in nodes:
        if node.get("type") != "Pod" or node.get("phase") not in FAILED:
            continue
        params = {p.get("name"): p.get("value") for p in (node.get("inputs") or {}).get("parameters", [])}
        step = str(params.get("step") or node.get("displayName") or node.get("name"))
        index = params.get("index")
        label = f"{step}[{index}]" if index else step
        if label not in out:
            out.append(label)
    return out


def status(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    settings, template, _ = deployed_names(flow, options)
    cluster = Cluster.connect(options)
    ns = settings.namespace
    run = options.get("run_id")
    if run:
        workflow = cluster.get("Workflow", run, ns)
        if workflow is None:
            raise CloudError(f"no Workflow {run} in namespace {cluster.namespace_of(ns)}")
    else:
        runs = cluster.list("Workflow", ns, f"{TEMPLATE_LABEL}={template}")
        if not runs:
            out.write(f"WorkflowTemplate {template}: no runs in namespace {cluster.namespace_of(ns)}\n")
            return 0
        workflow = max(runs, key=lambda w: (w["metadata"].get("creationTimestamp") or "", w["metadata"]["name"]))
    st = workflow.get("status") or {}
    phase = st.get("phase") or "Pending"
    out.write(f"run {workflow['metadata']['name']}: {phase}\n")
    if st.get("startedAt"):
        out.write(
            f"  started {st['startedAt']}" + (f", finished {st['finishedAt']}" if st.get("finishedAt") else "") + "\n"
        )
    steps = failed_steps(workflow)
    if steps:
        out.write(f"  failed steps: {', '.join(steps)}\n")
    if st.get("message") and phase in FAILED:
        out.write(f"  message: {str(st['message']).splitlines()[0][:300]}\n")
    return 0
