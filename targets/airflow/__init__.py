"""The Airflow target: one DAG `.py` file per flow, rendered from `templates/airflow_dag.py.j2`.

`lower.plan_dag` decides the tasks and their dependencies; this module gives each task its operator
arguments (the runner's command from `flowc.runner.command`, retries, timeouts, pod settings) and
renders the file. Deploying lives in `deploy.py`. See docs/targets/airflow.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from flowc.targets.airflow.literals import Code, jinja_inert, k8s_inert, py_literal
from flowc.targets.airflow.lower import DagPlan, Task, nested_foreach_warnings, plan_dag
from flowc.targets.airflow.render import render_dag

from flowc import bindings, project_names
from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow, ParamType, Step, Transition
from flowc.runner import bootstrap
from flowc.runner.command import Expr, step_command
from flowc.target_api import OutputFile, TargetOption, TargetResult, refuse_loops

MODES = ("kubernetes", "local")
# Where tasks find the datastore when the DAG was compiled without one: an Airflow Variable, so the
# same file serves every Airflow installation that sets it (the filter percent-encodes it).
DATASTORE_VARIABLE = "flowc_datastore"
UNBOUND_DATASTORE = Expr(f"{{{{ var.value.{DATASTORE_VARIABLE} | flowc_arg }}}}")
# dag_id: Airflow allows letters, digits, '_', '.' and '-' (and 250 characters).
_DAG_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
MAX_DAG_ID = 250
# Airflow's own Jinja expressions for the values only known at run time.
RUN_ID = "{{ run_id }}"
ATTEMPT = "{{ ti.try_number - 1 }}"
INDEX = "{{ task.flowc_index }}"
# Trigger-time values pass Jinja once, as data; in a pod Kubernetes would still expand `$(VAR)` and
# collapse `$$` in them, so the JSON travels percent-encoded (it starts with %7B; the runner decodes).
PARAMS_JSON = "{{ params | flowc_params | flowc_arg }}"
# Where KubernetesPodOperator's sidecar reads a task's XCom from.
POD_XCOM_PATH = "/airflow/xcom/return.json"
# Airflow's timeout is a backstop a little after the runner's own, so the runner's clear message
# (and @catch) normally wins the race.
TIMEOUT_GRACE_SECONDS = 60
START_DATE = (2024, 1, 1)

_PARAM_TYPES = {
    ParamType.STR: "string",
    ParamType.INT: "integer",
    ParamType.FLOAT: "number",
    ParamType.BOOL: "boolean",
}


class AirflowTarget:
    name = "airflow"
    description = "an Airflow DAG file (Airflow 2.7+ and 3.x): KubernetesPodOperator or local tasks"
    deploy_module = "flowc.targets.airflow.deploy"
    trigger_module = "flowc.targets.airflow.trigger"
    status_module = "flowc.targets.airflow.status"
    delete_module = "flowc.targets.airflow.delete"

    def options(self) -> Sequence[TargetOption]:
        return (
            TargetOption(
                "mode",
                "how tasks run: a KubernetesPodOperator per task, or the step runner as a "
                "subprocess of the Airflow worker (local)",
                default="kubernetes",
                choices=MODES,
            ),
            TargetOption(
                "datastore",
                "where tasks keep artifacts: s3://bucket/prefix, or an absolute folder the workers share (local "
                f"mode); none: the Airflow Variable {DATASTORE_VARIABLE} at run time",
                environment=True,
            ),
            bindings.image_option("task pods (kubernetes mode)"),
            TargetOption("namespace", "Kubernetes namespace of the task pods", default="default", environment=True),
            TargetOption("service-account", "Kubernetes service account of the task pods", environment=True),
            *bindings.PROJECT_OPTIONS,
        )

    def deploy_options(self) -> Sequence[TargetOption]:
        from .api import DEPLOY_OPTIONS

        return DEPLOY_OPTIONS

    def compile(self, flow: Flow, options: Mapping[str, Any]) -> TargetResult:
        from flowc.datastore.package import build_code_package

        opts = _Options.read(options)
        diagnostics = list(opts.problems(flow))
        loops = refuse_loops(
            flow,
            "an Airflow DAG run cannot run a task again, so it cannot loop",
            "run the flow with `flowc run`, or compile it for step-functions or argo, which run loops; "
            "on Airflow, unroll the loop into steps or trigger the DAG again from its last task",
        )
        if loops:
            return TargetResult(diagnostics=tuple(diagnostics + loops))
        try:
            branch = opts.branch_of(flow)
        except project_names.ProjectError as exc:
            diagnostics.append(Diagnostic("FC501", str(exc), flow.file, flow.span, hint="e.g. --branch staging"))
            return TargetResult(diagnostics=tuple(diagnostics))
        plan = plan_dag(flow)
        diagnostics += plan.diagnostics
        diagnostics += nested_foreach_warnings(flow)
        if flow.schedule is not None:
            diagnostics += [
                Diagnostic(
                    "FC501",
                    f"parameter {p.name!r} has no default, but a scheduled Airflow DAG cannot ask for it",
                    flow.file,
                    p.span,
                    hint="give it a default, or remove @schedule",
                )
                for p in flow.parameters
                if _required(p.required, p.default)
            ]
        if any(d.severity is Severity.ERROR for d in diagnostics):
            return TargetResult(diagnostics=tuple(diagnostics))
        code_id = build_code_package(flow, flow.file).id
        the_dag_id = dag_id(flow, branch)
        content = render_dag(
            flow=flow,
            dag_id=the_dag_id,
            mode=opts.mode,
            dag_args=_dag_args(flow, the_dag_id),
            tasks=[_task_args(flow, t, plan, opts, code_id, branch) for t in plan.tasks],
            edges=plan.edges,
        )
        return TargetResult(files=(OutputFile(f"{the_dag_id}.py", content),), diagnostics=tuple(diagnostics))

    def validate(self, flow: Flow, result: TargetResult) -> Sequence[Diagnostic]:
        """The DAG file must at least be valid Python; importing it needs Airflow (see the tests)."""
        out = []
        for f in result.files:
            try:
                compile(f.content, f.path, "exec")
            except SyntaxError as exc:
                out.append(Diagnostic("FC502", f"{f.path} is not valid Python: {exc}", flow.file))
        return out


class _Options:
    def __init__(self, options: Mapping[str, Any]) -> None:
        self.mode = str(options.get("mode") or "kubernetes")
        self.datastore: str | None = options.get("datastore") or None
        self.image = str(options.get("image") or bindings.DEFAULT_IMAGE)
        self.namespace = str(options.get("namespace") or "default")
        self.service_account: str | None = options.get("service_account") or None
        self.branch: str | None = options.get("branch") or None
        self.production = bool(options.get("production"))
        # Not a command-line option: tests run pods' commands with this interpreter's flowc.
        executable = options.get("executable")
        self.executable: tuple[str, ...] = tuple(executable) if executable else bootstrap.command()

    @classmethod
    def read(cls, options: Mapping[str, Any]) -> _Options:
        return cls(options)

    def branch_of(self, flow: Flow) -> str | None:
        return project_names.branch_name(self.branch, self.production) if flow.project else None

    def problems(self, flow: Flow) -> list[Diagnostic]:
        found: list[str | None] = []
        if self.mode not in MODES:
            found.append(f"unknown Airflow mode {self.mode!r}")
        if self.datastore:
            found.append(bindings.datastore_problem(self.datastore, local_ok=self.mode == "local"))
        if self.mode == "kubernetes":
            found += [
                bindings.image_problem(self.image),
                bindings.dns_label_problem("--namespace", self.namespace),
                bindings.dns_subdomain_problem("--service-account", self.service_account)
                if self.service_account
                else None,
            ]
            found += [
                f"step {s.name!r}: @image {bindings.image_problem(s.decorators.image)}"
                for s in flow.steps
                if s.decorators.image and bindings.image_problem(s.decorators.image)
            ]
        return [Diagnostic("FC501", p, flow.file, flow.span) for p in found if p]


def dag_id(flow: Flow, branch: str | None = None) -> str:
    """The deployed name (`project.branch.Flow` with @project, else the flow's name) as a dag_id:
    characters Airflow refuses make it end in a hash of the name, so two flows never share one."""
    if flow.project and branch is None:
        branch = project_names.branch_name()
    return project_names.fit(project_names.deployed_name(flow.name, flow.project, branch), _DAG_ID_UNSAFE, MAX_DAG_ID)


def dag_file_name(flow: Flow, branch: str | None = None) -> str:
    # The dag_id itself: it is unique, and Airflow imports a DAG file under a name of its own making.
    return f"{dag_id(flow, branch)}.py"


def _required(required: bool, default: Any) -> bool:
    return required and default is None


def _dag_args(flow: Flow, the_dag_id: str) -> list[tuple[str, Any]]:
    doc = flow.description.strip()
    tz = flow.schedule.timezone if flow.schedule and flow.schedule.timezone else "UTC"
    schedule = None
    if flow.schedule is not None:
        schedule = f"@{flow.schedule.preset}" if flow.schedule.preset else flow.schedule.cron
    y, m, d = START_DATE
    args: list[tuple[str, Any]] = [
        ("dag_id", the_dag_id),
        ("description", doc.splitlines()[0] if doc else f"flowc flow {flow.name}"),
        # A doc_md ending in ".md" is read by Airflow as a template file name; a newline prevents it.
        ("doc_md", (doc or flow.name) + "\n"),
        ("schedule", schedule),
        ("start_date", Code(f"pendulum.datetime({y}, {m}, {d}, tz={tz!r})")),
        ("catchup", False),
        ("tags", ["flowc", *([flow.project] if flow.project else [])]),
        ("params", Code(_params_code(flow))),
    ]
    return args


def _params_code(flow: Flow) -> str:
    entries = []
    for p in flow.parameters:
        kwargs: list[str] = []
        if not _required(p.required, p.default):
            kwargs.append(py_literal(p.default))
        json_type = _PARAM_TYPES.get(p.type)
        if json_type is not None:
            nullable = p.default is None and not p.required
            kwargs.append(f"type={py_literal(['null', json_type] if nullable else json_type)}")
        if p.help:
            kwargs.append(f"description={py_literal(p.help)}")
        entries.append(f"{py_literal(p.name)}: Param({', '.join(kwargs)})")
    return "{" + ", ".join(entries) + "}"


def _task_args(
    flow: Flow, task: Task, plan: DagPlan, opts: _Options, code_id: str, branch: str | None
) -> dict[str, Any]:
    if task.role == "fanout":
        return _helper(
            task,
            "FlowcFanout",
            [("split", task.step), ("split_outputs", _output_of(task.step)), ("paths", _paths(task.paths_from))],
        )
    if task.role == "case":
        return _helper(
            task,
            "FlowcCase",
            [
                ("switch", task.step),
                ("values", list(task.case_values)),
                ("switch_outputs", _output_of(task.step)),
                ("paths", _paths(task.paths_from)),
            ],
        )
    if task.role == "gate":
        # The route follows or skips it; it stands for the case's edge into a step shared with others.
        return _helper(task, "EmptyOperator", [])
    if task.role == "paths":
        sources = Code("[" + ", ".join(f"tasks[{py_literal(s)}].output" for s in task.sources) + "]")
        return _helper(task, "FlowcPaths", [("step", task.step), ("sources", sources), ("trigger_rule", "none_failed")])
    if task.role == "route":
        return _helper(
            task,
            "FlowcRoute",
            [("switch", task.step), ("routes", dict(task.routes)), ("switch_output", _output_of(task.step))],
        )
    return _step_task(flow, flow.step(task.step), task, opts, code_id, branch)


def _helper(task: Task, cls: str, kwargs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {"id": task.task_id, "cls": cls, "expand": None, "kwargs": [("task_id", task.task_id), *kwargs]}


def _output_of(task_id: str) -> Code:
    return Code(f"tasks[{py_literal(task_id)}].output")


def _paths(source: str | None) -> Any:
    return [""] if source is None else _output_of(source)


def _step_task(flow: Flow, step: Step, task: Task, opts: _Options, code_id: str, branch: str | None) -> dict[str, Any]:
    kubernetes = opts.mode == "kubernetes"
    needs_output = step.transition in (Transition.FOREACH, Transition.SWITCH)
    argv = step_command(
        flow=flow.name,
        code=code_id,
        step=step.name,
        run_id=RUN_ID,
        # Percent-encoded by step_command (or by the flowc_arg filter): no `{` for Jinja, no `$` for
        # Kubernetes.
        datastore=opts.datastore or UNBOUND_DATASTORE,
        index=INDEX if task.source is not None else "",
        attempt=ATTEMPT,
        params_json=PARAMS_JSON if step.name == flow.start_step and flow.parameters else None,
        output_json=POD_XCOM_PATH if kubernetes and needs_output else None,
        print_output=not kubernetes,
        branch=branch,
        executable=opts.executable if kubernetes else (),
    )
    kwargs: list[tuple[str, Any]] = [("task_id", step.name)]
    decos = step.decorators
    if kubernetes:
        kwargs += _pod_args(step, argv, opts, needs_output)
    else:
        kwargs.append(("argv", argv))
        if decos.environment:
            kwargs.append(("env", dict(decos.environment)))
        if decos.catch is not None:
            # A last attempt that ends unseen (killed, crashed) runs @catch's stand-in (docs/semantics.md).
            kwargs.append(("flowc_catch", True))
    if decos.retry is not None:
        kwargs.append(("retries", decos.retry.times))
        kwargs.append(("retry_delay", _timedelta(decos.retry.minutes_between_retries * 60)))
    if decos.timeout_seconds is not None:
        kwargs.append(("execution_timeout", _timedelta(decos.timeout_seconds + TIMEOUT_GRACE_SECONDS)))
    if task.trigger_rule is not None:
        kwargs.append(("trigger_rule", task.trigger_rule))
    if step.description.strip():
        kwargs.append(("doc_md", step.description.strip()))
    return {
        "id": task.task_id,
        "cls": "FlowcPodStep" if kubernetes else "FlowcStep",
        "expand": task.source,
        "kwargs": kwargs,
    }


def _pod_args(step: Step, argv: list[str], opts: _Options, needs_output: bool) -> list[tuple[str, Any]]:
    decos = step.decorators
    image = decos.image or opts.image
    out: list[tuple[str, Any]] = [
        ("name", step.name.replace("_", "-").lower()),
        ("namespace", jinja_inert(opts.namespace)),
        ("image", jinja_inert(image)),
        ("cmds", argv[:1]),
        ("arguments", argv[1:]),
    ]
    if decos.environment:
        env = {k: jinja_inert(k8s_inert(v)) for k, v in decos.environment}
        out.append(("env_vars", env))
    res = decos.resources
    if res is not None:
        quantities: dict[str, str] = {}
        if res.cpu is not None:
            quantities["cpu"] = f"{res.cpu:g}"
        if res.memory is not None:
            quantities["memory"] = f"{res.memory}Mi"
        if res.disk is not None:
            quantities["ephemeral-storage"] = f"{res.disk}Mi"
        limits = dict(quantities)
        if res.gpu:
            limits["nvidia.com/gpu"] = str(res.gpu)
        resources = f"k8s.V1ResourceRequirements(requests={py_literal(quantities)}, limits={py_literal(limits)})"
        out.append(("container_resources", Code(resources)))
    if opts.service_account:
        out.append(("service_account_name", jinja_inert(opts.service_account)))
    out += [("get_logs", True), ("do_xcom_push", needs_output), ("on_finish_action", "delete_pod")]
    return out


def _timedelta(seconds: int) -> Code:
    return Code(f"datetime.timedelta(seconds={int(seconds)})")


__all__ = ["AirflowTarget", "dag_file_name", "dag_id"]
