"""Step Functions' and AWS Batch's hard limits, checked at compile time as diagnostics.

A definition that breaks one of these is rejected by AWS at deploy time, or worse, fails in the
middle of a run; finding out here names the step and the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from flowc.diagnostics import Diagnostic, Severity
from flowc.ir import Flow, Transition
from flowc.runner import bootstrap

from .settings import Settings
from .values import ALL, ATTEMPT, BOOT, ERROR_CAUSE, INDEX, ITERATIONS, PARAMS_JSON, RUN_ID

MAX_DEFINITION_BYTES = 1_048_576  # the state machine definition, as sent
MAX_OVERRIDE_CHARS = 8_192  # AWS Batch: containerOverrides of one SubmitJob
MAX_PAYLOAD_BYTES = 262_144  # any state's input or output
MAX_HISTORY_EVENTS = 25_000  # a Standard execution's event history; past it the execution fails
# History events per task state (entered, scheduled, started, submitted, succeeded, exited), one more
# task in batch mode to read its output, and per Choice or Pass state (entered, exited).
_TASK_EVENTS = 6
_STATE_EVENTS = 2
# The longest a run-time value can become: an execution name is at most 80 characters; an index
# component is a decimal below a Distributed Map's 100 million items; a retry count is below 100.
# A loop's iteration is below @loop's largest maximum (one million).
_WORST_CASE = {
    RUN_ID: "r" * 80,
    INDEX: "9" * 9,
    ATTEMPT: "99",
    ERROR_CAUSE: "",
    BOOT: bootstrap.SOURCE,
    **{i: "9" * 7 for i in ITERATIONS},
}


def check_flow(flow: Flow, settings: Settings) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for p in flow.parameters:
        bad = next(_dollar_keys(p.name if p.default is None else {p.name: p.default}), None)
        if bad is not None:
            out.append(
                Diagnostic(
                    "FC501",
                    f"parameter {p.name!r}: a key ending in '.$' ({bad!r}) means a path in ASL",
                    flow.file,
                    p.span,
                    hint="rename the key; Step Functions would read its value as a JSONPath",
                )
            )
    defaults = {p.name: p.default for p in flow.parameters if p.default is not None}
    if len(json.dumps(defaults).encode()) > MAX_PAYLOAD_BYTES // 2:
        out.append(
            Diagnostic(
                "FC501",
                "the parameters' defaults take more than half of Step Functions' 256 KiB state payload",
                flow.file,
                flow.span,
                hint="use IncludeFile or read large values from storage in the start step",
            )
        )
    for step in flow.steps:
        deco = step.decorators
        if deco.image is not None:
            out.append(
                Diagnostic(
                    "FC501",
                    f"step {step.name!r}: @image is not applied on Step Functions; tasks run in the "
                    + ("job definition's image" if settings.mode == "batch" else "worker's environment"),
                    flow.file,
                    step.span,
                    severity=Severity.WARNING,
                    hint="give the step its own job definition with that image, or drop @image",
                )
            )
        if settings.mode == "batch" and deco.resources is not None and deco.resources.disk is not None:
            out.append(
                Diagnostic(
                    "FC501",
                    f"step {step.name!r}: AWS Batch takes no disk size per job; @resources(disk=...) is ignored",
                    flow.file,
                    step.span,
                    severity=Severity.WARNING,
                    hint="size the disk in the job definition or its compute environment's launch template",
                )
            )
    return out


def check_loops(flow: Flow, settings: Settings) -> list[Diagnostic]:
    """Warn where a loop may make the execution's history outgrow 25,000 events: every iteration adds
    its tasks' events (a Standard workflow's history is capped; the execution fails past it)."""
    from flowc.paths import loop_limit

    out = []
    for header in flow.steps:
        if not header.loops or header.loops[-1] != header.name:
            continue
        body = [s for s in flow.steps if header.name in s.loops]
        per_task = _TASK_EVENTS * (2 if settings.mode == "batch" else 1)
        # Each task, each switch's Choice, and the Pass that counts the iteration.
        per_iteration = (
            sum(per_task + (_STATE_EVENTS if s.transition is Transition.SWITCH else 0) for s in body) + _STATE_EVENTS
        )
        iterations = 1
        for h in header.loops:
            iterations *= loop_limit(flow, h)
        events = per_iteration * iterations
        if events <= MAX_HISTORY_EVENTS:
            continue
        room = max(1, MAX_HISTORY_EVENTS * loop_limit(flow, header.name) // events)
        out.append(
            Diagnostic(
                "FC501",
                f"the loop at {header.name!r} may run {iterations:,} iterations of {len(body)} step(s), about "
                f"{events:,} history events; a Step Functions execution fails past {MAX_HISTORY_EVENTS:,}",
                flow.file,
                header.span,
                hint=f"bound it with @loop(max_iterations={room}) so flowc's own limit fails first with "
                "its message, or move the repeated work into fewer steps",
                severity=Severity.WARNING,
            )
        )
    return out


def check_definition(flow: Flow, settings: Settings, definition: dict[str, Any]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    size = len(json.dumps(definition, separators=(",", ":"), ensure_ascii=False).encode())
    if size >= MAX_DEFINITION_BYTES:
        out.append(
            Diagnostic(
                "FC501",
                f"the state machine definition is {size:,} bytes; Step Functions takes under {MAX_DEFINITION_BYTES:,}",
                flow.file,
                flow.span,
                hint="split the flow, or move a repeated part into a foreach",
            )
        )
    return out


def check_commands(flow: Flow, commands: dict[str, dict[str, Any]]) -> list[Diagnostic]:
    """`commands`: each task's payload (argv and environment, with run-time tokens), by step name, or
    `step (role)` for a step's other tasks."""
    defaults = {p.name: p.default for p in flow.parameters if p.default is not None}
    worst = {**_WORST_CASE, PARAMS_JSON: json.dumps(defaults)}
    # Each token as it appears inside a JSON string, and its worst case likewise (the same for every step).
    swaps = {json.dumps(dyn.token)[1:-1]: json.dumps(worst[dyn])[1:-1] for dyn in ALL}
    # One pass over each payload for every token (each holds an escaped NUL, `\u0000`).
    tokens = re.compile("|".join(re.escape(t) for t in swaps))
    out: list[Diagnostic] = []
    for name, payload in commands.items():
        text = json.dumps(payload, separators=(",", ":"))
        size = len(text)
        if "\\u0000" in text:
            size += sum(len(swaps[m]) - len(m) for m in tokens.findall(text))
        if size > MAX_OVERRIDE_CHARS:
            out.append(
                Diagnostic(
                    "FC501",
                    f"step {name!r}: its task command can reach {size:,} characters; AWS Batch "
                    f"takes at most {MAX_OVERRIDE_CHARS:,} in container overrides",
                    flow.file,
                    flow.step(name.split(" ", 1)[0]).span,
                    hint="shorten environment values or parameter defaults",
                )
            )
    return out


def _dollar_keys(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if str(k).endswith(".$"):
                yield str(k)
            yield from _dollar_keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _dollar_keys(v)
