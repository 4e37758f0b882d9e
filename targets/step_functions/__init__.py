"""The AWS Step Functions target: a flow becomes an ASL state machine (and an EventBridge schedule).

Files written (NAME is the state machine's name: the flow's, or `project.branch.Flow` with @project):

    NAME.asl.json        the state machine definition
    NAME.schedule.json   for a flow with @schedule: the EventBridge Scheduler schedule, minus the ARNs
                         that only exist once deployed
    NAME.deploy.json     what `flowc deploy` needs besides: code package id and key, datastore, mode
    NAME.iam.json        the IAM policies the state machine, the tasks and the scheduler need (`iam`)

Compiled without a datastore (or, in worker mode, a queue), the state machine's first state stops
every execution with a message saying to deploy it with one (`flowc deploy` binds them).

The lowering lives in `lower`, cron translation in `cron`, the limits in `limits`; deploying and
triggering in `deploy` and `trigger` (boto3), never here: compiling makes no network call.
See docs/targets/step-functions.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from flowc import project_names
from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow
from flowc.target_api import OutputFile, TargetOption, TargetResult

from . import iam, limits
from .cron import to_aws
from .lower import Lowering, step_command_for
from .settings import OPTIONS, Settings
from .values import MAX_LOOP_DEPTH

__all__ = ["StepFunctionsTarget", "dump", "statelint_problems"]


def dump(data: Any) -> str:
    """The one serialisation of every file this target writes: sorted keys, stable bytes."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


class StepFunctionsTarget:
    name = "step-functions"
    description = "AWS Step Functions state machine (ASL), tasks on AWS Batch or on `flowc worker`s via SQS"
    deploy_module = "flowc.targets.step_functions.deploy"
    trigger_module = "flowc.targets.step_functions.trigger"
    status_module = "flowc.targets.step_functions.status"
    delete_module = "flowc.targets.step_functions.delete"

    def options(self) -> Sequence[TargetOption]:
        return OPTIONS

    def deploy_options(self) -> Sequence[TargetOption]:
        from .aws import DEPLOY_OPTIONS

        return DEPLOY_OPTIONS

    def compile(self, flow: Flow, options: Mapping[str, Any]) -> TargetResult:
        settings, problems = Settings.from_options(options)
        diags = [Diagnostic("FC501", p, flow.file, flow.span) for p in problems]
        if max((len(s.loops) for s in flow.steps), default=0) > MAX_LOOP_DEPTH:
            diags.append(
                Diagnostic(
                    "FC501",
                    f"loops nest more than {MAX_LOOP_DEPTH} deep; the Step Functions target counts at most "
                    f"{MAX_LOOP_DEPTH} nested iterations",
                    flow.file,
                    flow.span,
                    hint="flatten the innermost loops into one",
                )
            )
        branch, machine = None, ""
        try:
            branch = settings.branch_of(flow)
            machine = settings.machine_name(flow)
        except project_names.ProjectError as exc:
            diags.append(Diagnostic("FC501", str(exc), flow.file, flow.span, hint="e.g. --branch staging"))
        if diags:
            return TargetResult(diagnostics=tuple(diags))
        try:
            from flowc.datastore.package import build_code_package

            package = build_code_package(flow, flow.file)
        except OSError as exc:
            msg = f"cannot build the code package from {flow.file}: {exc.strerror or exc}"
            return TargetResult(diagnostics=(Diagnostic("FC501", msg, flow.file, flow.span),))

        diags.extend(limits.check_flow(flow, settings))
        diags.extend(limits.check_loops(flow, settings))
        lowering = Lowering(flow, settings, step_command_for(flow, settings, package.id, branch))
        definition = lowering.definition()
        if settings.unbound():
            definition = _stop_when_unbound(definition, settings.unbound(), flow.name)
        diags.extend(limits.check_definition(flow, settings, definition))
        diags.extend(limits.check_commands(flow, lowering.commands))
        schedule = self._schedule(flow, machine, diags)
        if any(d.severity is Severity.ERROR for d in diags):
            # No file is written: serialising them (a quarter of the time at 10,000 steps) is skipped.
            return TargetResult(diagnostics=tuple(diags))

        files = [OutputFile(f"{machine}.asl.json", dump(definition))]
        if schedule is not None:
            files.append(OutputFile(f"{machine}.schedule.json", dump(schedule)))
        from flowc.datastore import layout

        bucket, code_key = settings.s3_object(layout.code_key(flow.name, package.id))
        manifest = {
            "branch": branch,
            "code": {"bucket": bucket, "id": package.id, "key": code_key},
            "datastore": settings.datastore if settings.datastore_bound else None,
            "flow": flow.name,
            "mode": settings.mode,
            "project": flow.project,
            "queue_url": settings.queue_url if settings.mode == "worker" and settings.queue_bound else None,
            "state_machine": machine,
        }
        files.append(OutputFile(f"{machine}.deploy.json", dump(manifest)))
        files.append(OutputFile(f"{machine}.iam.json", dump(iam.policies(flow, settings, machine))))
        return TargetResult(files=tuple(files), diagnostics=tuple(diags))

    def _schedule(self, flow: Flow, machine: str, diags: list[Diagnostic]) -> dict[str, Any] | None:
        if flow.schedule is None:
            return None
        aws = to_aws(flow.schedule.cron)
        if aws.expression is None:
            diags.append(
                Diagnostic(
                    "FC501",
                    f"AWS cannot express this schedule: {aws.problem}",
                    flow.file,
                    flow.schedule.span,
                    hint="restrict only one of the two day fields, or schedule twice with two flows",
                )
            )
            return None
        return {
            "Name": machine,
            "ScheduleExpression": aws.expression,
            "ScheduleExpressionTimezone": flow.schedule.timezone or "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "Comment": f"flowc: {flow.schedule.cron}",
            # The execution input: an empty parameters object, so every parameter takes its default.
            "Input": {},
        }

    def validate(self, flow: Flow, result: TargetResult) -> Sequence[Diagnostic]:
        """statelint's findings on the emitted definition, as FC502 (nothing if it is not installed)."""
        try:
            from statelint.linter import Linter
        except ImportError:
            return ()
        out = []
        for f in result.files:
            if f.path.endswith(".asl.json"):
                for problem in statelint_problems(Linter.validate(json.loads(f.content))):
                    out.append(Diagnostic("FC502", f"{f.path}: statelint: {problem}", flow.file, flow.span))
        return out


UNBOUND_STATE = "flowc.unbound"


def _stop_when_unbound(definition: dict[str, Any], missing: list[str], flow: str) -> dict[str, Any]:
    """The definition with a first state that fails every execution, saying which deploy-time value
    the state machine was compiled without (a Choice, so the rest stays reachable for validators)."""
    states = dict(definition["States"])
    stop = f"{UNBOUND_STATE}.stop"
    states[UNBOUND_STATE] = {
        "Type": "Choice",
        "Comment": "Compiled without a deployment's settings: `flowc deploy` binds them.",
        "Choices": [{"Variable": "$$.Execution.Id", "IsPresent": True, "Next": stop}],
        "Default": definition["StartAt"],
    }
    states[stop] = {
        "Type": "Fail",
        "Error": "flowc.Unbound",
        "Cause": f"flow {flow} was compiled without {' and '.join(missing)}: deploy it with "
        f"`flowc deploy --target step-functions {' '.join(m + ' ...' for m in missing)}` (or FLOWC_* variables, "
        "or a profile in flowc.toml)",
    }
    return {**definition, "StartAt": UNBOUND_STATE, "States": states}


# statelint 3.1 predates `ItemReader.ReaderConfig.InputType`, which AWS requires to read a JSON
# array with s3:getObject (and which asl-validator and moto accept). Only that message is dropped.
STATELINT_KNOWN_GAPS = ('Field "InputType" not allowed in ',)


def statelint_problems(problems: Sequence[str]) -> list[str]:
    return [p for p in problems if not (p.startswith(STATELINT_KNOWN_GAPS) and "ReaderConfig" in p)]
