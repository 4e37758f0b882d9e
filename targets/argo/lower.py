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
  Skipped when the count was 0); joins read their inputs from the datastore, never from Argo;
- a step with `@catch` has a stand-in task (`<step>-fallback`, its own container template running
  `flowc step --fallback`) for when its last attempt's pod fails (dags.py says when it runs).
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from typing import Any

from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow, Parameter, ParamType, Resources, RetryPolicy, Step, Transition

from . import inert, names
from .dags import FOREACH_COUNT, SWITCH_CASE, SWITCH_INDEX, Dags, Frame, Unit, falls_back, frame_of
from .settings import DATASTORE_PARAMETER, Settings

API_VERSION = "argoproj.io/v1alpha1"
ENTRYPOINT = "main"
# Where the runner writes the bare values Argo reads back as output parameters (`--output-values`).
OUTPUT_DIR = "/tmp/flowc-outputs"
GATE = "gate"
# Argo's controller nests templates at most this deep (maxAllowedStackDepth).
ARGO_MAX_STACK_DEPTH = 100
# A unit key in braces inside a `depends` written by `dags` (`{step:train}.Succeeded`).
_KEY = re.compile(r"\{([^{}]+)\}")
RUN_ID = "{{workflow.name}}"
# The runner enforces @timeout itself and fails the task with a clear message; Argo's deadline is a
# backstop for a runner that cannot (a hung download), so it must fire later than the runner's.
DEADLINE_GRACE_SECONDS = 60
ANNOTATION = "flowc.dev"
# What @catch's stand-in task records as the reason (`--fallback`): the step's pod phase, from Argo.
FALLBACK_STATUS = "status"
FALLBACK_REASON = (
    "Argo: its pod ended {{inputs.parameters." + FALLBACK_STATUS + "}}, killed (out of memory, a signal), "
    "crashed or lost with its node"
)
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
    # @catch's stand-in task for the step (`flowc step --fallback`): the attempt number it runs as,
    # one past the step's last retry. None for the step's own task.
    fallback: int | None = None

    def role(self, default_image: str) -> str:
        parts = ["start" if self.start else "step"]
        if self.fallback is not None:
            parts.append(f"fallback{self.fallback}")
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


class Lowering:
    def __init__(self, flow: Flow, settings: Settings, code_id: str, branch: str | None = None) -> None:
        self.flow = flow
        self.settings = settings
        self.code_id = code_id
        self.branch = branch
        self.steps = flow.step_map
        self.diagnostics: list[Diagnostic] = []
        self.dags = Dags(flow)
        # Task names are per DAG template: a task is only ever named by tasks of its own DAG.
        self.tasks = {
            f: names.task_namer([u.original for u in dag.units], settings.argo_version)
            for f, dag in self.dags.dags.items()
        }
        self.shapes = {s.name: self._shape(s) for s in flow.steps}
        self.fallback_shapes = {s.name: self._fallback_shape(s) for s in flow.steps if falls_back(s)}
        all_shapes = [*self.shapes.values(), *self.fallback_shapes.values()]
        roles = sorted({shape.role(settings.image) for shape in all_shapes})
        self.templates = names.Namer(
            [ENTRYPOINT, *roles, *(self._frame_template(f) for f in self.dags.frames if f), GATE]
        )
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
            start=step.name == self.flow.start_step,
            output=output,
            in_foreach=step.index_depth > 0,
            image=d.image or self.settings.image,
            requests=requests,
            limits=limits,
            env=d.environment,
            retry=d.retry if d.retry and d.retry.times > 0 else None,
            timeout=d.timeout_seconds,
        )

    def _fallback_shape(self, step: Step) -> Shape:
        """The stand-in's template: the step's image, resources and environment (it loads the code
        package and the parents' artifacts), one attempt, no deadline of its own."""
        retry = step.decorators.retry
        own = self.shapes[step.name]
        return dataclasses.replace(own, retry=None, timeout=None, fallback=(retry.times if retry else 0) + 1)

    def _container_template(self, shape: Shape) -> dict[str, Any]:
        from flowc.runner.command import Expr, step_command

        name = self.templates[shape.role(self.settings.image)]
        params: list[tuple[str, str]] = []
        if shape.start:
            # The workflow parameters hold the values percent-encoded (see `_workflow_arguments`).
            params = [(p.name, f"{{{{workflow.parameters.{p.name}}}}}") for p in self.flow.parameters]
        command = step_command(
            flow=self.flow.name,
            code=self.code_id,
            step="{{inputs.parameters.step}}",
            run_id=RUN_ID,
            # The workflow parameter holds the datastore already encoded (see `_workflow_arguments`).
            datastore=Expr(f"{{{{workflow.parameters.{DATASTORE_PARAMETER}}}}}"),
            index="{{inputs.parameters.index}}" if shape.in_foreach else "",
            # `{{retries}}` exists only in a template with a retryStrategy.
            attempt=str(shape.fallback) if shape.fallback is not None else "{{retries}}" if shape.retry else "0",
            encoded_params=params,
            output_values=OUTPUT_DIR if shape.output else None,
            branch=self.branch,
            executable=self.settings.executable,
            fallback=FALLBACK_REASON if shape.fallback is not None else None,
        )
        self.commands[name] = command
        container: dict[str, Any] = {"image": shape.image, "command": command}
        env = inert.env_entries(shape.env)
        if env:
            container["env"] = env
        if shape.requests or shape.limits:
            container["resources"] = {
                k: dict(v) for k, v in (("requests", shape.requests), ("limits", shape.limits)) if v
            }
        inputs = [{"name": "step"}] + ([{"name": "index"}] if shape.in_foreach else [])
        if shape.fallback is not None:
            inputs.append({"name": FALLBACK_STATUS})
        template: dict[str, Any] = {"name": name, "inputs": {"parameters": inputs}, "container": container}
        if shape.output:
            # The runner writes the file whenever the step succeeds; the default keeps Argo from
            # erroring on a failed pod, whose failure is what gets reported.
            default = "0" if shape.output == FOREACH_COUNT else ""
            # A switch's case value is shown in Argo's UI; what `when` compares is its position.
            outputs = [shape.output, SWITCH_INDEX] if shape.output == SWITCH_CASE else [shape.output]
            template["outputs"] = {
                "parameters": [
                    {"name": o, "valueFrom": {"path": f"{OUTPUT_DIR}/{o}", "default": default}} for o in outputs
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

    def _frame_template(self, frame: Frame) -> str:
        return f"{frame[-1]}/body" if self.dags.kind(frame) == "foreach" else f"{frame[-1]}/loop"

    def _own_index(self, frame: Frame) -> str:
        """The index path of the tasks of steps directly in `frame`, as Argo fills it in."""
        kind = self.dags.kind(frame)
        if kind == "main":
            return ""
        if kind == "foreach":
            return "{{inputs.parameters.index}}"
        if len(frame) > 1:
            return "{{inputs.parameters.prefix}}.{{inputs.parameters.iteration}}"
        return "{{inputs.parameters.iteration}}"

    def _loop_inputs(self, frame: Frame) -> list[dict[str, str]]:
        return ([{"name": "prefix"}] if len(frame) > 1 else []) + [{"name": "iteration"}]

    def _arguments(self, frame: Frame, unit: Unit) -> list[dict[str, str]]:
        own = self._own_index(frame)
        if unit.kind in ("step", "fallback"):
            args = [{"name": "step", "value": unit.step}] + ([{"name": "index", "value": own}] if own else [])
            if unit.kind == "fallback":
                # The step's own task, which it depends on: Argo gives its phase (Failed or Error).
                task = self.tasks[frame][Unit("step", unit.step).original]
                args.append({"name": FALLBACK_STATUS, "value": f"{{{{tasks.{task}.status}}}}"})
            return args
        if unit.kind == "each":
            return [{"name": "index", "value": f"{own}.{{{{item}}}}" if own else "{{item}}"}]
        if unit.kind == "loop":
            return ([{"name": "prefix", "value": own}] if own else []) + [{"name": "iteration", "value": "0"}]
        if unit.kind == "next":
            prefix = [{"name": "prefix", "value": "{{inputs.parameters.prefix}}"}] if len(frame) > 1 else []
            return [*prefix, {"name": "iteration", "value": "{{=asInt(inputs.parameters.iteration) + 1}}"}]
        return []

    def _template_of(self, frame: Frame, unit: Unit) -> str:
        if unit.kind == "step":
            return self.templates[self.shapes[unit.step].role(self.settings.image)]
        if unit.kind == "fallback":
            return self.templates[self.fallback_shapes[unit.step].role(self.settings.image)]
        if unit.kind == "gate":
            return self.templates[GATE]
        if unit.kind == "next":
            return self.templates[self._frame_template(frame)]
        return self.templates[self._frame_template((*frame, unit.step))]

    def _when(self, frame: Frame, source: Unit, param: str, values: tuple[str, ...]) -> str:
        # `values` are case positions (digits, see dags.SWITCH_INDEX): the user's case values, which
        # may hold quotes or braces, never reach the expression.
        value_of = f"{{{{tasks.{self.tasks[frame][source.original]}.outputs.parameters.{param}}}}}"
        assert all(v.isdigit() for v in values), values
        return " || ".join(f"'{value_of}' == '{value}'" for value in values) if values else "false"

    def _dag(self, frame: Frame) -> dict[str, Any]:
        dag = self.dags.dags[frame]
        named = self.tasks[frame]
        by_key = {u.key: named[u.original] for u in dag.units}
        tasks: list[dict[str, Any]] = []
        for unit in dag.units:
            spec = dag.tasks[unit.key]
            task: dict[str, Any] = {"name": named[unit.original], "template": self._template_of(frame, unit)}
            arguments = self._arguments(frame, unit)
            if arguments:
                task["arguments"] = {"parameters": arguments}
            if spec.depends:
                task["depends"] = _KEY.sub(lambda m: by_key[m.group(1)], spec.depends)
            if spec.when is not None:
                task["when"] = self._when(frame, *spec.when)
            if unit.kind == "each":
                split = by_key[f"step:{unit.step}"]
                task["withSequence"] = {"count": f"{{{{tasks.{split}.outputs.parameters.{FOREACH_COUNT}}}}}"}
            tasks.append(task)
        return {"tasks": tasks}

    def _frame_templates(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for frame in self.dags.frames:
            if not frame:
                continue
            dag = self.dags.dags[frame]
            template: dict[str, Any] = {"name": self.templates[self._frame_template(frame)]}
            if dag.kind == "foreach":
                template["inputs"] = {"parameters": [{"name": "index"}]}
            else:
                template["inputs"] = {"parameters": self._loop_inputs(frame)}
                outputs = self._exit_outputs(frame)
                if outputs:
                    template["outputs"] = {"parameters": outputs}
            template["dag"] = self._dag(frame)
            out.append(template)
        if any(u.kind == "gate" for d in self.dags.dags.values() for u in d.units):
            # A gate is a node without a pod: a suspend that ends at once.
            out.append({"name": self.templates[GATE], "suspend": {"duration": "0"}})
        return out

    def _exit_outputs(self, frame: Frame) -> list[dict[str, Any]]:
        """A loop's exit decisions: the last iteration's, read from the next iteration when it ran."""
        dag = self.dags.dags[frame]
        named = self.tasks[frame]
        nxt = named[Unit("next", frame[-1]).original]
        out = []
        for name, (unit, param) in dag.exits.items():
            here = named[unit.original]
            expression = (
                f"tasks['{nxt}']?.outputs?.parameters?.{name} ?? tasks['{here}']?.outputs?.parameters?.{param} ?? ''"
            )
            out.append({"name": name, "valueFrom": {"expression": expression}})
        return out

    # -- the manifests ---------------------------------------------------------------------------

    def _workflow_arguments(self) -> list[dict[str, str]]:
        from flowc.runner.command import encode_value

        # The datastore first: bound at compile or deploy time, or given at each submission.
        datastore: dict[str, str] = {
            "name": DATASTORE_PARAMETER,
            "description": "flowc: the datastore every task uses, percent-encoded (s3://bucket/prefix as is)",
        }
        if self.settings.datastore:
            datastore["value"] = encode_value(self.settings.datastore)
        out = [datastore]
        for p in self.flow.parameters:
            if p.name == DATASTORE_PARAMETER:
                self._problem(None, f"parameter name {p.name!r} is the one flowc keeps for the datastore", "rename it")
                continue
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
                arg["value"] = inert.param_value(text)
            elif not p.required:
                # No default (None): Argo wants a value for every workflow parameter; this one tells
                # the runner the parameter was not given, so the task sees None as under flowc run.
                from flowc.runner.command import UNSET_PARAM

                arg["value"] = UNSET_PARAM
            if p.help:
                arg["description"] = inert.description(p.help)
            out.append(arg)
        return out

    def template_name(self) -> str:
        return self.settings.template_name(self.flow)

    def workflow_template(self) -> dict[str, Any]:
        templates: list[dict[str, Any]] = [{"name": self.templates[ENTRYPOINT], "dag": self._dag(())}]
        templates.extend(self._frame_templates())
        shapes = {*self.shapes.values(), *self.fallback_shapes.values()}
        for shape in sorted(shapes, key=lambda s: s.role(self.settings.image)):
            templates.append(self._container_template(shape))
        spec: dict[str, Any] = {"entrypoint": self.templates[ENTRYPOINT], "templates": templates}
        arguments = self._workflow_arguments()
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
            # Who this object belongs to: deploy never replaces one that records another deployment.
            f"{ANNOTATION}/deployment": self.settings.deployment(self.flow),
        }
        if self.flow.project:
            annotations[f"{ANNOTATION}/project"] = self.flow.project
            annotations[f"{ANNOTATION}/branch"] = str(self.branch)
        if self.flow.description:
            annotations["workflows.argoproj.io/description"] = inert.description(self.flow.description)
        renamed: dict[str, str] = {}
        if task_names:
            for namer in self.tasks.values():
                renamed.update(namer.renamed())
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
        name = self.settings.cron_name(self.flow)
        return {"apiVersion": API_VERSION, "kind": "CronWorkflow", "metadata": self._metadata(name), "spec": spec}

    def _loop_depth(self) -> None:
        """Warn where a loop can run more iterations than Argo's controller nests templates.

        Each iteration is one more nested template (the `-next` task calls the loop's template), and
        Argo's controller stops at a depth of 100 (`maxAllowedStackDepth`, unless the controller runs
        with DISABLE_MAX_RECURSION=true): past that the node fails with "Maximum recursion depth
        exceeded" instead of flowc's own message about the loop's limit."""
        from flowc.paths import loop_limit

        for s in self.flow.steps:
            if (
                not s.loops
                or s.loops[-1] != s.name
                or any(t.loops[:-1] == s.loops for t in self.flow.steps if len(t.loops) > len(s.loops))
            ):
                continue
            # The innermost loops: the templates above a task of the last allowed iteration.
            depth = 1 + len(frame_of(s)) + sum(loop_limit(self.flow, h) - 1 for h in s.loops) + 1
            if depth < ARGO_MAX_STACK_DEPTH:
                continue
            room = ARGO_MAX_STACK_DEPTH - 2 - len(frame_of(s)) - sum(loop_limit(self.flow, h) - 1 for h in s.loops[:-1])
            self.diagnostics.append(
                Diagnostic(
                    "FC501",
                    f"the loop at {s.name!r} may run {loop_limit(self.flow, s.name)} iterations, but Argo nests one "
                    f"template per iteration and stops at depth {ARGO_MAX_STACK_DEPTH}: past about {max(room, 0)} "
                    "iterations the workflow fails with 'Maximum recursion depth exceeded'",
                    self.flow.file,
                    s.span,
                    hint=f"bound it with @loop(max_iterations={max(room, 1)}) so flowc's own limit fails first, or "
                    "run the Argo controller with DISABLE_MAX_RECURSION=true",
                    severity=Severity.WARNING,
                )
            )

    def lower(self) -> Lowered:
        self._loop_depth()
        wt = self.workflow_template()
        cron = self.cron_workflow()
        return Lowered(wt, cron, self.diagnostics, self.commands)
