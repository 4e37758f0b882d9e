"""IR -> Argo manifests, as plain data: a WorkflowTemplate (and a CronWorkflow for @schedule).

The shape of what is emitted:

- one DAG template per foreach level: `main` for the top, and a `<split>-body` DAG template for each
  foreach body, run by a task with `withSequence` over the count the split's runner wrote, so the
  engine never holds the items themselves (a 100,000-wide foreach is one number);
- container templates shared by every step that differs only in values: a step passes its name (and
  its foreach index path) as arguments, so a 1,000-step flow has a handful of templates, not 1,000;
- edges as `depends` with explicit `.Succeeded`: a bare `depends: x` is also satisfied when `x` was
  skipped, which would run the steps after a switch case that was not taken;
- a switch as `when` on each case's task; the step after the cases depends on any of them succeeding;
- a foreach join depends on its split having succeeded and on the body group (which Argo marks
  Skipped when the count was 0); joins read their inputs from the datastore, never from Argo.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow, JoinKind, Parameter, ParamType, Resources, RetryPolicy, Step, Transition
from flowc.walk import StepVisitor, walk

from . import names
from .settings import Settings

API_VERSION = "argoproj.io/v1alpha1"
ENTRYPOINT = "main"
# Where the runner writes the bare values Argo reads back as output parameters (`--output-values`).
OUTPUT_DIR = "/tmp/flowc-outputs"
FOREACH_COUNT = "foreach_count"
SWITCH_CASE = "switch_case"
RUN_ID = "{{workflow.name}}"
# The runner enforces @timeout itself and fails the task with a clear message; Argo's deadline is a
# backstop for a runner that cannot (a hung download), so it must fire later than the runner's.
DEADLINE_GRACE_SECONDS = 60
ANNOTATION = "flowc.dev"
# A `when` expression compares the case the runner wrote with each case value in quotes; values are
# kept to characters that cannot end the quoted string or change the expression.
SAFE_CASE_VALUE = re.compile(r"^[A-Za-z0-9_.:/+-]+$")
SAFE_PARAM_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Shape:
    """Everything that makes one step's container template differ from another's.

    Steps with equal shapes share one template; what still differs (the step's name, its index)
    goes in as arguments.
    """

    start: bool
    output: str | None
    in_foreach: bool
    image: str
    requests: tuple[tuple[str, str], ...]
    limits: tuple[tuple[str, str], ...]
    env: tuple[tuple[str, str], ...]
    retry: RetryPolicy | None
    timeout: int | None

    def role(self, default_image: str) -> str:
        parts = ["start" if self.start else "step"]
        if self.output == FOREACH_COUNT:
            parts.append("split")
        elif self.output == SWITCH_CASE:
            parts.append("switch")
        if self.in_foreach:
            parts.append("each")
        extra = (self.image if self.image != default_image else "", self.requests, self.limits, self.env)
        if any(extra) or self.retry or self.timeout:
            parts.append(names.short_hash(repr((*extra, self.retry, self.timeout))))
        return "-".join(parts)


def resources_of(res: Resources | None) -> tuple[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]]:
    """@resources as (requests, limits). CPU is requested but not limited (a CPU limit throttles);
    memory and disk are limited at what was asked, so a pod is not killed below its request; GPUs
    are limits only, as Kubernetes requires for extended resources."""
    if res is None:
        return (), ()
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    if res.cpu is not None:
        requests["cpu"] = f"{res.cpu:g}"
    if res.memory is not None:
        requests["memory"] = limits["memory"] = f"{res.memory}Mi"
    if res.disk is not None:
        requests["ephemeral-storage"] = limits["ephemeral-storage"] = f"{res.disk}Mi"
    if res.gpu:
        limits["nvidia.com/gpu"] = str(res.gpu)
    return tuple(sorted(requests.items())), tuple(sorted(limits.items()))


def parameter_text(p: Parameter) -> str | None:
    """A parameter's default as the text `--param name=text` takes, or None without a default."""
    value = p.default
    if value is None:
        return None
    if p.type is ParamType.BOOL:
        return "true" if value else "false"
    if p.type is ParamType.JSON and not isinstance(value, str):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


@dataclass
class Lowered:
    workflow_template: dict[str, Any]
    cron_workflow: dict[str, Any] | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    # Each container template's command, for the command-length check.
    commands: dict[str, list[str]] = field(default_factory=dict)


class _Levels(StepVisitor[None]):
    """Sorts steps into DAG levels (their foreach scopes), keeping the walk's order in each."""

    def __init__(self) -> None:
        self.levels: dict[tuple[str, ...], list[Step]] = {(): []}

    def visit_step(self, step: Step) -> None:
        self.levels.setdefault(step.foreach_scopes, []).append(step)

    def visit_start(self, step: Step) -> None:
        self.visit_step(step)


class Lowering:
    def __init__(self, flow: Flow, settings: Settings, code_id: str) -> None:
        self.flow = flow
        self.settings = settings
        self.code_id = code_id
        self.steps = flow.step_map
        self.diagnostics: list[Diagnostic] = []
        foreach_splits = [s.name for s in flow.steps if s.transition is Transition.FOREACH]
        self.tasks = names.Namer([s.name for s in flow.steps] + [f"{f}/each" for f in foreach_splits])
        self.shapes = {s.name: self._shape(s) for s in flow.steps}
        roles = sorted({shape.role(settings.image) for shape in self.shapes.values()})
        self.templates = names.Namer([ENTRYPOINT, *roles, *(f"{f}/body" for f in foreach_splits)])
        visitor = _Levels()
        walk(flow, visitor)
        self.levels = visitor.levels
        self.commands: dict[str, list[str]] = {}

    # -- diagnostics -------------------------------------------------------------------------------

    def _problem(self, step: Step | None, message: str, hint: str | None = None) -> None:
        span = step.span if step is not None else self.flow.span
        self.diagnostics.append(Diagnostic("FC501", message, self.flow.file, span, hint=hint))

    # -- container templates ---------------------------------------------------------------------

    def _shape(self, step: Step) -> Shape:
        d = step.decorators
        output = {Transition.FOREACH: FOREACH_COUNT, Transition.SWITCH: SWITCH_CASE}.get(step.transition)
        requests, limits = resources_of(d.resources)
        return Shape(
            start=step.name == "start",
            output=output,
            in_foreach=bool(step.foreach_scopes),
            image=d.image or self.settings.image,
            requests=requests,
            limits=limits,
            env=d.environment,
            retry=d.retry if d.retry and d.retry.times > 0 else None,
            timeout=d.timeout_seconds,
        )

    def _container_template(self, shape: Shape) -> dict[str, Any]:
        from flowc.runner.command import step_command

        name = self.templates[shape.role(self.settings.image)]
        params: list[tuple[str, str]] = []
        if shape.start:
            params = [(p.name, f"{{{{workflow.parameters.{p.name}}}}}") for p in self.flow.parameters]
        command = step_command(
            flow=self.flow.name,
            code=self.code_id,
            step="{{inputs.parameters.step}}",
            run_id=RUN_ID,
            datastore=self.settings.datastore,
            index="{{inputs.parameters.index}}" if shape.in_foreach else "",
            # `{{retries}}` exists only in a template with a retryStrategy.
            attempt="{{retries}}" if shape.retry else "0",
            params=params,
            output_values=OUTPUT_DIR if shape.output else None,
            executable=self.settings.executable,
        )
        self.commands[name] = command
        container: dict[str, Any] = {"image": shape.image, "command": command}
        if shape.env:
            container["env"] = [{"name": k, "value": v} for k, v in shape.env]
        if shape.requests or shape.limits:
            container["resources"] = {
                k: dict(v) for k, v in (("requests", shape.requests), ("limits", shape.limits)) if v
            }
        inputs = [{"name": "step"}] + ([{"name": "index"}] if shape.in_foreach else [])
        template: dict[str, Any] = {"name": name, "inputs": {"parameters": inputs}, "container": container}
        if shape.output:
            # The runner writes the file whenever the step succeeds; the default keeps Argo from
            # erroring on a failed pod, whose failure is what gets reported.
            default = "0" if shape.output == FOREACH_COUNT else ""
            template["outputs"] = {
                "parameters": [
                    {"name": shape.output, "valueFrom": {"path": f"{OUTPUT_DIR}/{shape.output}", "default": default}}
                ]
            }
        if shape.retry:
            strategy: dict[str, Any] = {"limit": str(shape.retry.times), "retryPolicy": "Always"}
            if shape.retry.minutes_between_retries:
                strategy["backoff"] = {"duration": f"{shape.retry.minutes_between_retries}m"}
            template["retryStrategy"] = strategy
        if shape.timeout:
            template["activeDeadlineSeconds"] = shape.timeout + DEADLINE_GRACE_SECONDS
        return template

    # -- DAGs ----------------------------------------------------------------------------------------

    def _index_argument(self, level: tuple[str, ...], item: bool) -> list[dict[str, str]]:
        if item:
            value = "{{inputs.parameters.index}}.{{item}}" if level else "{{item}}"
            return [{"name": "index", "value": value}]
        return [{"name": "index", "value": "{{inputs.parameters.index}}"}] if level else []

    def _reference(self, parent: Step, level: tuple[str, ...]) -> str | None:
        """The task at `level` standing for `parent`: itself, the body task of the foreach it sits
        in, or None when the parent is outside this DAG (a body's entry step)."""
        scopes = parent.foreach_scopes
        if scopes == level:
            return self.tasks[parent.name]
        if len(scopes) > len(level) and scopes[: len(level)] == level:
            return self.tasks[f"{scopes[len(level)]}/each"]
        return None

    def _edges(self, step: Step, level: tuple[str, ...]) -> dict[str, str]:
        parents = [self.steps[p] for p in self.flow.parents(step.name)]
        if step.join is JoinKind.FOREACH and step.closes:
            split, each = self.tasks[step.closes], self.tasks[f"{step.closes}/each"]
            return {"depends": f"{split}.Succeeded && ({each}.Succeeded || {each}.Skipped)"}
        refs: list[str] = []
        for p in parents:
            ref = self._reference(p, level)
            if ref is not None and ref not in refs:
                refs.append(ref)
        out: dict[str, str] = {}
        if refs:
            op = " && " if step.join is JoinKind.STATIC else " || "
            out["depends"] = op.join(f"{r}.Succeeded" for r in refs)
        switches = [p for p in parents if p.transition is Transition.SWITCH]
        if switches:
            if len(parents) > 1:
                self._problem(
                    step,
                    f"step {step.name!r} is a case of switch {switches[0].name!r} and is also reached "
                    "another way; Argo cannot express both on one task",
                    hint="give the case its own step that then goes on to this one",
                )
                return out
            out["when"] = self._when(switches[0], step)
        return out

    def _when(self, switch: Step, case_step: Step) -> str:
        source = f"{{{{tasks.{self.tasks[switch.name]}.outputs.parameters.{SWITCH_CASE}}}}}"
        tests = []
        for case in switch.switch_cases:
            if case.step != case_step.name:
                continue
            if not SAFE_CASE_VALUE.match(case.value):
                self._problem(
                    switch,
                    f"switch case value {case.value!r} cannot be compared safely in an Argo `when` expression",
                    hint="use case values made of letters, digits and _ . : / + -",
                )
                continue
            tests.append(f"'{source}' == '{case.value}'")
        return " || ".join(tests) if tests else "false"

    def _dag(self, level: tuple[str, ...]) -> dict[str, Any]:
        tasks: list[dict[str, Any]] = []
        for step in self.levels.get(level, []):
            task: dict[str, Any] = {
                "name": self.tasks[step.name],
                "template": self.templates[self.shapes[step.name].role(self.settings.image)],
                "arguments": {
                    "parameters": [{"name": "step", "value": step.name}, *self._index_argument(level, False)]
                },
            }
            task.update(self._edges(step, level))
            tasks.append(task)
            if step.transition is Transition.FOREACH:
                split = self.tasks[step.name]
                tasks.append(
                    {
                        "name": self.tasks[f"{step.name}/each"],
                        "template": self.templates[f"{step.name}/body"],
                        "depends": f"{split}.Succeeded",
                        "withSequence": {"count": f"{{{{tasks.{split}.outputs.parameters.{FOREACH_COUNT}}}}}"},
                        "arguments": {"parameters": self._index_argument(level, True)},
                    }
                )
        return {"tasks": tasks}

    # -- the manifests ---------------------------------------------------------------------------

    def _arguments(self) -> list[dict[str, str]]:
        out = []
        for p in self.flow.parameters:
            if not SAFE_PARAM_NAME.match(p.name):
                self._problem(
                    None,
                    f"parameter name {p.name!r} cannot be an Argo workflow parameter",
                    hint="use letters, digits, _ and -",
                )
                continue
            arg = {"name": p.name}
            text = parameter_text(p)
            if text is not None:
                arg["value"] = text
            elif not p.required:
                self.diagnostics.append(
                    Diagnostic(
                        "FC501",
                        f"parameter {p.name!r} has no default: on Argo it must be given at every "
                        "submission (`argo submit ... -p {p.name}=...`)",
                        self.flow.file,
                        p.span,
                        hint="give the parameter a default",
                        severity=Severity.WARNING,
                    )
                )
            if p.help:
                arg["description"] = p.help
            out.append(arg)
        return out

    def template_name(self) -> str:
        return names.label(self.settings.name or self.flow.name, names.WORKFLOW_TEMPLATE_MAX)

    def workflow_template(self) -> dict[str, Any]:
        templates: list[dict[str, Any]] = [{"name": self.templates[ENTRYPOINT], "dag": self._dag(())}]
        for level in sorted(self.levels):
            if level:
                templates.append(
                    {
                        "name": self.templates[f"{level[-1]}/body"],
                        "inputs": {"parameters": [{"name": "index"}]},
                        "dag": self._dag(level),
                    }
                )
        for shape in sorted(set(self.shapes.values()), key=lambda s: s.role(self.settings.image)):
            templates.append(self._container_template(shape))
        spec: dict[str, Any] = {"entrypoint": self.templates[ENTRYPOINT], "templates": templates}
        arguments = self._arguments()
        if arguments:
            spec["arguments"] = {"parameters": arguments}
        if self.settings.service_account:
            spec["serviceAccountName"] = self.settings.service_account
        return {
            "apiVersion": API_VERSION,
            "kind": "WorkflowTemplate",
            "metadata": self._metadata(self.template_name(), task_names=True),
            "spec": spec,
        }

    def _metadata(self, name: str, task_names: bool = False) -> dict[str, Any]:
        annotations = {
            f"{ANNOTATION}/flow": self.flow.name,
            f"{ANNOTATION}/code-package": self.code_id,
            f"{ANNOTATION}/datastore": self.settings.datastore,
        }
        if self.flow.project:
            annotations[f"{ANNOTATION}/project"] = self.flow.project
        if self.flow.description:
            annotations["workflows.argoproj.io/description"] = self.flow.description
        renamed = self.tasks.renamed() if task_names else {}
        if renamed:
            # Labels that are not just the step's name lowered: the full names, for people and tools.
            annotations[f"{ANNOTATION}/task-names"] = json.dumps(renamed, sort_keys=True)
        meta: dict[str, Any] = {
            "name": name,
            "annotations": annotations,
            "labels": {f"{ANNOTATION}/flow": names.label(self.flow.name)},
        }
        if self.settings.namespace:
            meta["namespace"] = self.settings.namespace
        return meta

    def cron_workflow(self) -> dict[str, Any] | None:
        schedule = self.flow.schedule
        if schedule is None:
            return None
        spec: dict[str, Any] = {"workflowSpec": {"workflowTemplateRef": {"name": self.template_name()}}}
        if self.settings.cron_uses_schedules:
            spec["schedules"] = [schedule.cron]
        else:
            spec["schedule"] = schedule.cron
        if schedule.timezone:
            spec["timezone"] = schedule.timezone
        name = names.label(self.settings.name or self.flow.name, names.CRON_WORKFLOW_MAX)
        return {"apiVersion": API_VERSION, "kind": "CronWorkflow", "metadata": self._metadata(name), "spec": spec}

    def lower(self) -> Lowered:
        wt = self.workflow_template()
        cron = self.cron_workflow()
        return Lowered(wt, cron, self.diagnostics, self.commands)
