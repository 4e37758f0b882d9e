"""`flowc trigger --target argo`: submit a Workflow from the deployed WorkflowTemplate, through the
Kubernetes API (as `argo submit --from workflowtemplate/NAME` does); print its name, the run id.

Parameters (`--param name=value`) are typed and checked against the flow, then sent as the workflow's
arguments percent-encoded, as the runner's `--param-encoded` reads them: Argo's `{{...}}` and
Kubernetes' `$(VAR)` and `$$` cannot touch them on the way (targets/argo/inert.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import IO, Any

from flowc.cloud import USAGE, CloudError
from flowc.ir import Flow
from flowc.lifecycle import typed_parameters

from . import dump, inert
from .cluster import API_VERSION, TEMPLATE_LABEL, Cluster
from .lower import parameter_text
from .settings import Settings


def deployed_names(flow: Flow, options: Mapping[str, Any]) -> tuple[Settings, str, str]:
    """(settings, WorkflowTemplate name, CronWorkflow name) as compiling names them."""
    from flowc import project_names

    settings, _ = Settings.from_options(options)
    try:
        return settings, settings.template_name(flow), settings.cron_name(flow)
    except project_names.ProjectError as exc:
        raise CloudError(str(exc), USAGE) from None


def arguments(flow: Flow, assignments: list[str]) -> list[dict[str, str]]:
    """The workflow's arguments for `--param` values. Raises ParamError."""
    typed = typed_parameters(flow, assignments)
    out = []
    for name, value in typed.items():
        text = parameter_text(dataclasses.replace(flow.parameter(name), default=value))
        assert text is not None
        out.append({"name": name, "value": inert.param_value(text)})
    return out


def trigger(flow: Flow, options: Mapping[str, Any], out: IO[str]) -> int:
    settings, template, _ = deployed_names(flow, options)
    params = arguments(flow, list(options.get("params") or []))
    dry_run = bool(options.get("dry_run"))
    ns = settings.namespace
    if not dry_run:
        cluster = Cluster.connect(options)
        if cluster.get("WorkflowTemplate", template, ns) is None:
            raise CloudError(
                f"no WorkflowTemplate {template} in namespace {cluster.namespace_of(ns)}: deploy the flow first "
                "(flowc deploy)"
            )
    metadata: dict[str, Any] = {"labels": {TEMPLATE_LABEL: template}}
    if options.get("run_name"):
        metadata["name"] = options["run_name"]
    else:
        metadata["generateName"] = f"{template}-"
    spec: dict[str, Any] = {"workflowTemplateRef": {"name": template}}
    if params:
        spec["arguments"] = {"parameters": params}
    workflow = {"apiVersion": API_VERSION, "kind": "Workflow", "metadata": metadata, "spec": spec}
    if dry_run:
        # Offline: the cluster is not asked whether the template exists.
        where = ns or "the kubeconfig's namespace"
        out.write(f"# would create this Workflow in {where}\n{dump(workflow)}dry run: nothing started\n")
        return 0
    made = cluster.create(workflow, ns)
    out.write(f"{made['metadata']['name']}\n")
    return 0
