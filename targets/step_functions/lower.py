"""Lower a checked flow to an Amazon States Language definition, as a dict.

Shape of the state machine (JSONPath query language):

    flowc.input (Pass)        execution input -> {"given", "defaults", "run_id"}
    flowc.parameters (Pass)   -> {"params": defaults merged with the input, "run_id"}
    start ... end             one Task per step; helpers named `<step>.<role>`

- A static branch is the split's task, then a `Parallel` (`<split>.parallel`) whose branches run up
  to the join; the join's task follows it.
- A foreach is the split's task, then a `Map` (`<split>.map`) over the indexes: inline, over
  `States.ArrayRange` built from the runner's `foreach_count`, or distributed, reading the runner's
  `foreach-items.json` from S3 with an `ItemReader`. Each iteration's input is `{"run_id", "index"}`.
- A switch is the task, then a `Choice` (`<switch>.choose`) on the runner's `switch_case`; its cases
  go to any state of the region, so cases of any length meet wherever the flow says.
- A loop (a switch case that goes back) counts its iterations in the state's data: entering it goes
  through `<header>.enter` (a `Pass` that sets `$.flowc_loop<depth>.n` to 0), the case that goes back
  through `<header>.again` (`States.MathAdd(..., 1)`), and the tasks inside pass the iteration as the
  last part of their index. Leaving the loop needs nothing: the steps after it do not read the count.
- An inline foreach over nothing skips its `Map` (`<split>.any`, a `Choice` on the count) and goes
  straight to the join, which then has no inputs.
- Every task's failure goes, after its retries, to `<step>.failed`, a `Fail` whose cause names the step.
  A step with `@catch` (not a foreach or switch) goes first to `<step>.fallback`: the stand-in task
  (`flowc step --fallback`) that publishes what `@catch` would have when the last attempt's process
  ended without publishing the task (killed, crashed); only the stand-in's own failure is `<step>.failed`.
- `@timeout` is the runner's (it stops the step itself, so `@catch` sees it); the engine's timeout is
  only a backstop with margin: Batch's attempt duration (counted from the job's start), or in worker
  mode the state's `TimeoutSeconds`, which also covers the time the message may wait in the queue.

Region bookkeeping: every step lives in exactly one list of states (the top level, one branch of a
`Parallel`, or a `Map`'s processor). A step's region is its parent's, plus one level when the parent
is a split, minus one when the step is the join that closes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from flowc.ir import Flow, Step, Transition
from flowc.walk import StepVisitor, walk

from . import names
from .settings import Settings
from .values import (
    ATTEMPT,
    BOOT,
    ERROR_CAUSE,
    INDEX,
    ITERATIONS,
    LOOP_FIELDS,
    PARAMS_JSON,
    RUN_ID,
    expression,
    list_field,
    string_field,
)

State = dict[str, Any]
# A region: the chain of (split, first step of the branch) pairs that encloses a step.
RegionKey = tuple[tuple[str, str], ...]

# Where the runner's output object lands in the state's data, after a foreach split or a switch.
OUTPUT_PATH = "$.flowc"
ITEMS_PATH = "$.flowc_items"
# The engine's timeout (a backstop) fires this long after the runner's @timeout, so the runner's own
# timeout, which `@catch` can catch, always comes first (the runner's grace before it ends the process
# itself is 10 s; flowc.runner.task).
TIMEOUT_GRACE_SECONDS = 60
# The reason @catch's stand-in task records when the task state timed out (worker mode).
_TIMED_OUT_REASON = (
    "the task timed out on Step Functions (its worker stopped heartbeating, or it ran past the "
    "TimeoutSeconds of its task state)"
)
# AWS Batch's smallest attempt duration.
MIN_BATCH_TIMEOUT_SECONDS = 60


@dataclass
class Region:
    start: str
    states: dict[str, State] = field(default_factory=dict)
    # The state the region starts at, when not its first step's task (a loop's `enter`).
    start_state: str | None = None

    def as_asl(self) -> dict[str, Any]:
        return {"StartAt": self.start_state or names.state(self.start), "States": self.states}


@dataclass(frozen=True)
class TaskCommand:
    """What the lowering asks of the runner for one step: its argv (with dynamic tokens)."""

    argv: list[str]


class CommandBuilder(Protocol):
    """The command of a step's task, given its index path (with run-time tokens); with `fallback` (a
    reason) and a fixed `attempt`, the command of its `@catch` stand-in task."""

    def __call__(
        self, step: Step, index: str, *, fallback: str | None = None, attempt: str | None = None
    ) -> TaskCommand: ...


def regions_of(flow: Flow) -> dict[str, RegionKey]:
    smap = flow.step_map
    region: dict[str, RegionKey] = {}
    for s in flow.walk():
        parents = [p for p in flow.parents(s.name) if p in region]
        if not parents:
            region[s.name] = ()
            continue
        parent = smap[parents[0]]
        key = region[parent.name]
        if parent.is_split and s.join is None:
            key = (*key, (parent.name, s.name))
        if s.join is not None:
            splits = [split for split, _ in key]
            if s.closes in splits:
                key = key[: splits.index(s.closes)]
        region[s.name] = key
    return region


class Lowering(StepVisitor[None]):
    def __init__(self, flow: Flow, settings: Settings, command: CommandBuilder) -> None:
        self.flow = flow
        self.settings = settings
        self.command = command
        self.smap = flow.step_map
        self.region_key = regions_of(flow)
        start = next(flow.walk()).name
        self.regions: dict[RegionKey, Region] = {(): Region(start)}
        # Each task's payload with run-time tokens, for the limit checks: by step name, and by
        # `step (role)` for a step's other tasks (@catch's stand-in).
        self.commands: dict[str, dict[str, Any]] = {}

    # -- entry -------------------------------------------------------------------------------------

    def definition(self) -> dict[str, Any]:
        walk(self.flow, self)
        top = self.regions[()]
        first = top.start
        params_state = names.helper("parameters")
        top.states[names.helper("input")] = {
            "Type": "Pass",
            "Comment": "The execution input is the parameters object; defaults fill in what it omits.",
            "Parameters": {"given.$": "$", "defaults": self._defaults(), "run_id.$": "$$.Execution.Name"},
            "Next": params_state,
        }
        top.states[params_state] = {
            "Type": "Pass",
            "Parameters": {
                "params.$": "States.JsonMerge($.defaults, $.given, false)",
                "run_id.$": "$.run_id",
                **self._carried_constants(),
            },
            "Next": names.state(first),
        }
        body = top.as_asl()
        body["StartAt"] = names.helper("input")
        return {
            "Comment": self._comment(),
            **body,
        }

    def _comment(self) -> str:
        text = f"flowc: flow {self.flow.name}"
        if self.flow.description:
            text += f": {self.flow.description.strip().splitlines()[0]}"
        return text

    def _carried_constants(self) -> dict[str, Any]:
        """Constants every task reads from the state data rather than its own command (the bootstrap)."""
        return {BOOT.key: self.settings.bootstrap_source} if self.settings.bootstrap_source else {}

    @staticmethod
    def _carried(constants: dict[str, Any]) -> dict[str, str]:
        return {f"{key}.$": f"$.{key}" for key in constants}

    def _defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.flow.parameters if p.default is not None}

    # -- regions and transitions -------------------------------------------------------------------

    def _region(self, step: Step) -> Region:
        return self.regions[self.region_key[step.name]]

    def _child(self, split: Step, first: str) -> Region:
        key = (*self.region_key[split.name], (split.name, first))
        region = self.regions.get(key)
        if region is None:
            region = self.regions[key] = Region(first)
            region.start_state = self._start_of(first)
        return region

    def _goto(self, step: Step, target: str) -> State:
        """`Next` to `target` when it is in `step`'s region; otherwise the branch ends here. Into a
        loop from outside goes through its `enter` state, and back to its header through `again`."""
        if self.region_key[target] != self.region_key[step.name]:
            return {"End": True}
        header = self.smap[target]
        if self.flow.is_back_edge(step.name, target):
            return {"Next": self._loop_state(header, "again")}
        if header.loops and header.loops[-1] == target and target not in step.loops:
            return {"Next": self._loop_state(header, "enter")}
        return {"Next": names.state(target)}

    def _loop_state(self, header: Step, role: str) -> str:
        """The `Pass` that starts a loop's count at 0 (`enter`) or adds one (`again`), then goes on to
        the loop's header; made once per loop, in the header's region."""
        name = names.state(header.name, role)
        region = self._region(header)
        if name not in region.states:
            field = LOOP_FIELDS[len(header.loops) - 1]
            state: State = {"Type": "Pass", "ResultPath": field, "Next": names.state(header.name)}
            if role == "enter":
                state["Result"] = {"n": 0}
            else:
                state["Parameters"] = {"n.$": f"States.MathAdd({field}.n, 1)"}
            region.states[name] = state
        return name

    def _start_of(self, first: str) -> str:
        """The first state of a region that starts at step `first` (its loop's `enter` if it heads one)."""
        step = self.smap[first]
        if step.loops and step.loops[-1] == first:
            return self._loop_state(step, "enter")
        return names.state(first)

    def _in_foreach(self, step: Step) -> bool:
        return any(self.smap[split].transition is Transition.FOREACH for split, _ in self.region_key[step.name])

    def _index(self, step: Step) -> str:
        """The step's task index as text with run-time tokens: the foreach index path, then one
        iteration per enclosing loop."""
        parts = [INDEX.token] if self._in_foreach(step) else []
        parts += [ITERATIONS[d].token for d in range(len(step.loops))]
        return ".".join(parts)

    # -- the task of a step ------------------------------------------------------------------------

    def _task(self, step: Step, after: State, keep_output: bool) -> None:
        """The step's Task state (and in Batch mode, the state that reads its output back)."""
        region = self._region(step)
        argv = self.command(step, self._index(step)).argv
        self.commands[step.name] = {"command": argv, "environment": step.decorators.env}
        reads_output = keep_output and self.settings.mode == "batch"
        state = self._task_state(step, argv)
        if keep_output and not reads_output:
            state["ResultSelector"] = {"output.$": "$"}
            state["ResultPath"] = OUTPUT_PATH
        else:
            state["ResultPath"] = None
        deco = step.decorators
        if deco.retry is not None and deco.retry.times > 0:
            state["Retry"] = [
                {
                    "ErrorEquals": ["States.ALL"],
                    "MaxAttempts": deco.retry.times,
                    # ASL's smallest interval is one second; @retry(minutes_between_retries=0) gets it.
                    "IntervalSeconds": max(1, deco.retry.minutes_between_retries * 60),
                    "BackoffRate": 1.0,
                }
            ]
        failed = self._failed_state(step)
        state["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": failed, "ResultPath": "$.error"}]
        if deco.catch is not None and step.transition not in (Transition.FOREACH, Transition.SWITCH):
            state["Catch"] = self._fallback(step, after)
        if names.state(step.name) != step.name:
            state["Comment"] = f"step {step.name}"
        if reads_output:
            reader = names.state(step.name, "read-output")
            state["Next"] = reader
            region.states[reader] = self._read_output(step, after)
        else:
            state.update(after)
        region.states[names.state(step.name)] = state

    def _task_state(self, step: Step, argv: list[str]) -> State:
        """A Task state that runs `argv` for `step`, with the step's engine timeout (a backstop)."""
        state: State = {"Type": "Task"}
        if self.settings.mode == "batch":
            state.update(self._batch_task(step, argv))
        else:
            state.update(self._worker_task(step, argv))
        seconds = step.decorators.timeout_seconds
        if seconds is not None:
            if self.settings.mode == "batch":
                # Counted from when the job starts running, not from when it was queued.
                duration = max(MIN_BATCH_TIMEOUT_SECONDS, seconds + TIMEOUT_GRACE_SECONDS)
                state["Parameters"]["Timeout"] = {"AttemptDurationSeconds": duration}
            else:
                # Counted from when the message is sent: the task may wait in the queue as long as
                # HeartbeatSeconds lets it, so that time is added. This also keeps TimeoutSeconds above
                # HeartbeatSeconds, as CreateStateMachine requires.
                state["TimeoutSeconds"] = seconds + TIMEOUT_GRACE_SECONDS + self.settings.heartbeat_seconds
        return state

    def _failed_state(self, step: Step) -> str:
        failed = names.state(step.name, "failed")
        self._region(step).states[failed] = {
            "Type": "Fail",
            "ErrorPath": "$.error.Error",
            "CausePath": expression(f"step {step.name} failed: {ERROR_CAUSE.token}"),
        }
        return failed

    def _fallback(self, step: Step, after: State) -> list[State]:
        """The Catch of a step with `@catch`: its last attempt failed without publishing the task (the
        runner applies @catch itself to anything the step raised, so the process was killed, crashed or
        timed out on the engine), so the stand-in task (`flowc step --fallback REASON`, one attempt
        higher) publishes what @catch would have, as `flowc run` does. In worker mode the reason is the
        worker's cause (how the process ended and its last output); an engine timeout, and Batch (whose
        cause is the job's description), get a fixed one."""
        region = self._region(step)
        retry = step.decorators.retry
        attempt = str((retry.times if retry else 0) + 1)
        index = self._index(step)
        if self.settings.mode == "worker":
            reasons = [
                (["States.Timeout"], "fallback-timeout", _TIMED_OUT_REASON),
                (["States.ALL"], "fallback", ERROR_CAUSE.token),
            ]
        else:  # a Batch state has no engine timeout of its own (Batch's attempt duration fails the job)
            reasons = [
                (["States.ALL"], "fallback", "its AWS Batch job failed (the job status is in the execution history)")
            ]
        catchers: list[State] = []
        failed = names.state(step.name, "failed")
        for errors, role, reason in reasons:
            argv = self.command(step, index, fallback=reason, attempt=attempt).argv
            self.commands[f"{step.name} ({role})"] = {"command": argv, "environment": step.decorators.env}
            stand_in = self._task_state(step, argv)
            stand_in["Comment"] = f"step {step.name}: @catch's stand-in task for a last attempt that ended unseen"
            stand_in["ResultPath"] = None
            stand_in["Catch"] = [{"ErrorEquals": ["States.ALL"], "Next": failed, "ResultPath": "$.error"}]
            stand_in.update(after)
            name = names.state(step.name, role)
            region.states[name] = stand_in
            catchers.append({"ErrorEquals": errors, "Next": name, "ResultPath": "$.error"})
        return catchers

    def _worker_task(self, step: Step, argv: list[str]) -> State:
        key, value = list_field("argv", argv)
        body: dict[str, Any] = {key: value, "step": step.name, "task_token.$": "$$.Task.Token"}
        if step.decorators.environment:
            body["env"] = step.decorators.env
        state: State = {
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": self.settings.queue_url, "MessageBody": body},
        }
        if self.settings.heartbeat_seconds:
            state["HeartbeatSeconds"] = self.settings.heartbeat_seconds
        return state

    def _batch_task(self, step: Step, argv: list[str]) -> State:
        key, value = list_field("Command", argv)
        overrides: dict[str, Any] = {key: value}
        if step.decorators.environment:
            overrides["Environment"] = [{"Name": k, "Value": v} for k, v in step.decorators.environment]
        requirements = resource_requirements(step)
        if requirements:
            overrides["ResourceRequirements"] = requirements
        return {
            "Resource": "arn:aws:states:::batch:submitJob.sync",
            "Parameters": {
                "JobName": step.name[:128],
                "JobQueue": self.settings.job_queue,
                "JobDefinition": self.settings.job_definition,
                "ContainerOverrides": overrides,
            },
        }

    def _read_output(self, step: Step, after: State) -> State:
        """Batch mode: read the output object the runner wrote to S3 (Batch returns no task output)."""
        bucket, key = self.settings.s3_object(self.settings.output_key(self.flow.name, step.name, self._index(step)))
        k, v = string_field("Key", key)
        return {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": bucket, k: v},
            "ResultSelector": {"output.$": "States.StringToJson($.Body)"},
            "ResultPath": OUTPUT_PATH,
            **after,
        }

    # -- hooks, one per kind of step ---------------------------------------------------------------

    def visit_linear(self, step: Step) -> None:
        self._task(step, self._goto(step, step.successors[0]), keep_output=False)

    def visit_join(self, step: Step) -> None:
        self._by_transition(step)

    def visit_end(self, step: Step) -> None:
        self._task(step, {"End": True}, keep_output=False)

    def visit_branch(self, step: Step) -> None:
        join = self._join_of(step)
        parallel = names.state(step.name, "parallel")
        self._task(step, {"Next": parallel}, keep_output=False)
        branches = [self._child(step, s) for s in step.successors]
        self._region(step).states[parallel] = {
            "Type": "Parallel",
            # Built from the Region objects, which later hooks fill in: the dicts are shared.
            "Branches": [b.as_asl() for b in branches],
            "ResultPath": None,
            **self._goto(step, join),
        }

    def visit_foreach(self, step: Step) -> None:
        join = self._join_of(step)
        body = self._child(step, step.successors[0])
        items = names.state(step.name, "items")
        distributed = self.settings.distributed(step, nested=self._in_foreach(step))
        # Inline, a foreach over nothing goes straight to its join: `States.ArrayRange(0, -1, 1)` is
        # an error, and a join with no inputs is what an empty foreach means.
        first = items if distributed else names.state(step.name, "any")
        self._task(step, {"Next": first}, keep_output=not distributed)
        region = self._region(step)
        if not distributed:
            region.states[first] = {
                "Type": "Choice",
                "Choices": [
                    {"Variable": f"{OUTPUT_PATH}.output.foreach_count", "NumericEquals": 0, **self._goto(step, join)}
                ],
                "Default": items,
            }
        if distributed:
            bucket, key = self.settings.s3_object(self.settings.items_key(self.flow.name, step.name, self._index(step)))
            k, v = string_field("key", key)
            region.states[items] = {
                "Type": "Pass",
                "Parameters": {k: v},
                "ResultPath": ITEMS_PATH,
                "Next": names.state(step.name, "map"),
            }
            reader: State = {
                "ItemReader": {
                    "Resource": "arn:aws:states:::s3:getObject",
                    "ReaderConfig": {"InputType": "JSON"},
                    "Parameters": {"Bucket": bucket, "Key.$": f"{ITEMS_PATH}.key"},
                }
            }
            processor = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
        else:
            count = f"{OUTPUT_PATH}.output.foreach_count"
            region.states[items] = {
                "Type": "Pass",
                "Parameters": {"items.$": f"States.ArrayRange(0, States.MathAdd({count}, -1), 1)"},
                "ResultPath": ITEMS_PATH,
                "Next": names.state(step.name, "map"),
            }
            reader = {"ItemsPath": f"{ITEMS_PATH}.items"}
            processor = {"Mode": "INLINE"}
        index = (
            "States.Format('{}.{}', $.index, $$.Map.Item.Value)"
            if self._in_foreach(step)
            else "States.Format('{}', $$.Map.Item.Value)"
        )
        region.states[names.state(step.name, "map")] = {
            "Type": "Map",
            **reader,
            "ItemSelector": {"run_id.$": "$.run_id", "index.$": index, **self._carried(self._carried_constants())},
            # The region's States dict is shared: the walk keeps filling it after this call.
            "ItemProcessor": {"ProcessorConfig": processor, **body.as_asl()},
            "MaxConcurrency": self.settings.max_concurrency,
            "ResultPath": None,
            **self._goto(step, join),
        }

    def visit_switch(self, step: Step) -> None:
        choose = names.state(step.name, "choose")
        self._task(step, {"Next": choose}, keep_output=True)
        region = self._region(step)
        choices = []
        for case in step.switch_cases:
            nxt = self._goto(step, case.step)
            if "End" in nxt:
                # A Choice cannot end a branch; a Pass that does stands in.
                done = names.state(step.name, "done")
                region.states[done] = {"Type": "Pass", "End": True}
                nxt = {"Next": done}
            choices.append({"Variable": f"{OUTPUT_PATH}.output.switch_case", "StringEquals": case.value, **nxt})
        region.states[choose] = {"Type": "Choice", "Choices": choices}

    def _join_of(self, split: Step) -> str:
        for s in self.flow.steps:
            if s.closes == split.name:
                return s.name
        raise ValueError(f"split {split.name!r} has no join")  # the checks guarantee one


def resource_requirements(step: Step) -> list[dict[str, str]]:
    res = step.decorators.resources
    if res is None:
        return []
    out = []
    if res.cpu is not None:
        out.append({"Type": "VCPU", "Value": _number(res.cpu)})
    if res.memory is not None:
        out.append({"Type": "MEMORY", "Value": str(res.memory)})
    if res.gpu:
        out.append({"Type": "GPU", "Value": str(res.gpu)})
    return out


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def step_command_for(flow: Flow, settings: Settings, code_id: str, branch: str | None = None) -> CommandBuilder:
    """The runner's command for a step, with Step Functions' run-time values as tokens."""
    from flowc.runner.command import step_command

    def build(step: Step, index: str, *, fallback: str | None = None, attempt: str | None = None) -> TaskCommand:
        argv = step_command(
            flow=flow.name,
            code=code_id,
            step=step.name,
            run_id=RUN_ID.token,
            datastore=settings.datastore,
            index=index,
            attempt=ATTEMPT.token if attempt is None else attempt,
            params_json=PARAMS_JSON.token if step.name == flow.start_step else None,
            print_output=settings.mode == "worker",
            fallback=fallback,
            branch=branch,
            executable=settings.task_executable,
        )
        return TaskCommand(argv)

    return build
