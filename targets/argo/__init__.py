"""The Argo Workflows target: a flow becomes a WorkflowTemplate (and a CronWorkflow for @schedule).

Files written (NAME is the WorkflowTemplate's name, from the flow's name by default):

    NAME.workflow-template.yaml   the WorkflowTemplate: one DAG, steps as shared container templates
    NAME.cron-workflow.yaml       for a flow with @schedule: the CronWorkflow that submits it

The lowering lives in `lower`, names in `names`, checks of the emitted manifests in `refs` (names
that refer to each other) and `schema` (Argo's schema, for `flowc check`); deploying in `deploy`.
Compiling makes no network call. See docs/targets/argo.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from flowc import bindings, project_names
from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow
from flowc.target_api import OutputFile, TargetOption, TargetResult

from .lower import Lowered, Lowering
from .settings import OPTIONS, Settings

__all__ = ["MAX_MANIFEST_BYTES", "ArgoTarget", "dump", "load_manifests", "manifest_bytes"]

# Kubernetes keeps an object in etcd, whose default request limit is 1.5 MiB; Argo adds status to
# the same object when it runs, so the template itself must stay well under that.
MAX_MANIFEST_BYTES = 1024 * 1024


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """libyaml's safe dumper when PyYAML has it (4x faster on a large flow), with its own table of
    representers: other libraries patch PyYAML's shared one (Hera, once imported, changes how every
    string is written), and the same manifest must be the same bytes in every process."""


def _str(dumper: Any, data: str) -> Any:
    # Kubernetes and Argo read YAML 1.1, where a plain y, Y, n or N is a boolean; PyYAML (YAML 1.1
    # too, but without those four) would write them plain. A step named `y` must stay a string.
    style = "'" if data in ("y", "Y", "n", "N") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    """The one serialisation of every manifest: sorted keys, block style, stable bytes."""
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=100)
    return text


def manifest_bytes(data: Any) -> int:
    """The size the API server stores: the object as compact JSON."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode())


def load_manifests(result: TargetResult) -> list[dict[str, Any]]:
    """The manifests in a compile result, WorkflowTemplate first."""
    docs = [yaml.safe_load(f.content) for f in sorted(result.files, key=lambda f: f.path)]
    return sorted(docs, key=lambda d: d.get("kind") != "WorkflowTemplate")


def _image_problems(flow: Flow) -> list[Diagnostic]:
    """@image values Argo would read as templates (or that no registry would take), at their step."""
    out = []
    for step in flow.steps:
        problem = bindings.image_problem(step.decorators.image) if step.decorators.image else None
        if problem:
            msg = f"step {step.name!r}: @image {problem}"
            out.append(Diagnostic("FC501", msg, flow.file, step.span or flow.span))
    return out


class ArgoTarget:
    name = "argo"
    description = "Argo Workflows WorkflowTemplate (and CronWorkflow for @schedule), one DAG of runner tasks"
    deploy_module = "flowc.targets.argo.deploy"
    trigger_module = "flowc.targets.argo.trigger"
    status_module = "flowc.targets.argo.status"
    delete_module = "flowc.targets.argo.delete"
    max_manifest_bytes = MAX_MANIFEST_BYTES

    def options(self) -> Sequence[TargetOption]:
        return OPTIONS

    def deploy_options(self) -> Sequence[TargetOption]:
        from .cluster import DEPLOY_OPTIONS

        return DEPLOY_OPTIONS

    def compile(self, flow: Flow, options: Mapping[str, Any]) -> TargetResult:
        settings, problems = Settings.from_options(options)
        branch = None
        try:
            branch = settings.branch_of(flow)
        except project_names.ProjectError as exc:
            problems.append(str(exc))
        images = _image_problems(flow)
        if problems or images:
            diags = [Diagnostic("FC501", p, flow.file, flow.span) for p in problems]
            return TargetResult(diagnostics=(*diags, *images))
        try:
            from flowc.datastore.package import build_code_package

            package = build_code_package(flow, flow.file)
        except OSError as exc:
            msg = f"cannot build the code package from {flow.file}: {exc.strerror or exc}"
            return TargetResult(diagnostics=(Diagnostic("FC501", msg, flow.file, flow.span),))
        lowered = Lowering(flow, settings, package.id, branch).lower()
        diags = list(lowered.diagnostics)
        diags.extend(self._size(flow, lowered))
        if any(d.severity is Severity.ERROR for d in diags):
            return TargetResult(diagnostics=tuple(diags))
        name = lowered.workflow_template["metadata"]["name"]
        files = [OutputFile(f"{name}.workflow-template.yaml", dump(lowered.workflow_template))]
        if lowered.cron_workflow is not None:
            files.append(OutputFile(f"{name}.cron-workflow.yaml", dump(lowered.cron_workflow)))
        return TargetResult(files=tuple(files), diagnostics=tuple(diags))

    def _size(self, flow: Flow, lowered: Lowered) -> list[Diagnostic]:
        size = manifest_bytes(lowered.workflow_template)
        if size <= self.max_manifest_bytes:
            return []
        return [
            Diagnostic(
                "FC501",
                f"the WorkflowTemplate would be {size:,} bytes, over the {self.max_manifest_bytes:,} bytes a "
                "Kubernetes object can safely hold",
                flow.file,
                flow.span,
                hint="split the flow, or move repeated steps into a foreach",
            )
        ]

    def validate(self, flow: Flow, result: TargetResult) -> list[Diagnostic]:
        """Deeper checks of the emitted manifests for `flowc check --target argo`: the references
        between names, then Argo's schema (strict) from the installed Hera package."""
        from . import refs, schema

        docs = load_manifests(result)
        problems = refs.check(docs)
        schema_problems, missing = schema.check_installed(docs)
        problems.extend(schema_problems)
        out = [Diagnostic("FC502", p, flow.file, flow.span) for p in problems]
        if missing:
            out.append(Diagnostic("FC502", missing, flow.file, flow.span, severity=Severity.WARNING))
        return out
