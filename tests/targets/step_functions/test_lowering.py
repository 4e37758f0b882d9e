"""The shape of the state machines: which ASL construct each kind of step becomes."""

from __future__ import annotations

import json

from flowc.targets.step_functions import values

from .helpers import QUEUE, SHAPES, SWITCH_SHAPES, WORKER, compile_sf, definition, state, states


def test_linear_steps_chain_tasks_after_reading_the_parameters() -> None:
    sm = definition(SHAPES / "linear.py")
    assert sm["StartAt"] == "flowc.input"
    assert state(sm, "flowc.parameters")["Next"] == "start"
    assert state(sm, "start")["Next"] == "double"
    assert state(sm, "end")["End"] is True


def test_batch_task_runs_the_runner_with_run_id_and_attempt_from_the_execution() -> None:
    sm = definition(SHAPES / "linear.py")
    task = state(sm, "double")
    assert task["Resource"] == "arn:aws:states:::batch:submitJob.sync"
    params = task["Parameters"]
    assert params["JobQueue"] == "flowc" and params["JobDefinition"] == "flowc"
    command = params["ContainerOverrides"]["Command.$"]
    # The task bootstraps on a stock image; the program is carried once in the state data.
    assert command.startswith("States.Array('python3', '-c', $.boot, 'step',")
    assert "$.run_id" in command
    assert "$$.State.RetryCount" in command


def test_start_task_alone_receives_the_parameters() -> None:
    sm = definition(SHAPES / "parameters.py")
    assert "States.JsonToString($.params)" in state(sm, "start")["Parameters"]["ContainerOverrides"]["Command.$"]
    assert "$.params" not in state(sm, "end")["Parameters"]["ContainerOverrides"]["Command.$"]
    defaults = state(sm, "flowc.input")["Parameters"]["defaults"]
    assert defaults["count"] == 3 and defaults["who"] == "world"


def test_static_branch_becomes_parallel_then_join() -> None:
    sm = definition(SHAPES / "branch.py")
    split = next(name for name, s in states(sm) if s["Type"] == "Parallel")
    parallel = state(sm, split)
    assert len(parallel["Branches"]) >= 2
    assert parallel["ResultPath"] is None
    join = parallel["Next"]
    assert state(sm, join)["Type"] == "Task"
    for branch in parallel["Branches"]:
        ends = [s for s in branch["States"].values() if s.get("End")]
        assert ends, "each branch ends before the join"


def test_outer_foreach_is_a_distributed_map_reading_the_runners_items_file() -> None:
    sm = definition(SHAPES / "foreach.py")
    (name, m) = next((n, s) for n, s in states(sm) if s["Type"] == "Map")
    assert m["ItemProcessor"]["ProcessorConfig"]["Mode"] == "DISTRIBUTED"
    reader = m["ItemReader"]
    assert reader["Resource"] == "arn:aws:states:::s3:getObject"
    assert reader["Parameters"]["Bucket"] == "flowc-bucket"
    items = state(sm, name.replace(".map", ".items"))
    assert items["Parameters"]["key.$"].endswith(
        "'flowc/ForeachFlow/runs/{}/steps/start/_/foreach-items.json', $.run_id)"
    )
    assert m["ItemSelector"]["index.$"] == "States.Format('{}', $$.Map.Item.Value)"


def test_inline_foreach_maps_over_a_range_of_the_runners_count() -> None:
    sm = definition(SHAPES / "foreach.py", foreach="inline")
    m = next(s for _, s in states(sm) if s["Type"] == "Map")
    assert m["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE"
    assert m["ItemsPath"] == "$.flowc_items.items"
    # Batch returns no output: the split's output object is read back from S3.
    reader = state(sm, "start.read-output")
    assert reader["Resource"] == "arn:aws:states:::aws-sdk:s3:getObject"
    assert reader["ResultSelector"] == {"output.$": "States.StringToJson($.Body)"}


def test_nested_foreach_is_a_map_inside_a_map_with_a_dotted_index() -> None:
    sm = definition(SHAPES / "nested_foreach.py")
    outer = next(s for _, s in states(sm) if s["Type"] == "Map")
    inner = [s for _, s in states(outer["ItemProcessor"]) if s["Type"] == "Map"]
    assert len(inner) == 1
    assert inner[0]["ItemProcessor"]["ProcessorConfig"]["Mode"] == "INLINE"
    assert inner[0]["ItemSelector"]["index.$"] == "States.Format('{}.{}', $.index, $$.Map.Item.Value)"


def test_switch_is_a_choice_on_the_runners_case() -> None:
    sm = definition(SHAPES / "switch.py", **WORKER)
    choice = next(s for _, s in states(sm) if s["Type"] == "Choice")
    cases = {c["StringEquals"]: c["Next"] for c in choice["Choices"]}
    assert set(cases) >= {"small"}
    assert all(c["Variable"] == "$.flowc.output.switch_case" for c in choice["Choices"])


def test_worker_task_sends_the_command_and_token_to_the_queue() -> None:
    sm = definition(SHAPES / "linear.py", **WORKER)
    task = state(sm, "double")
    assert task["Resource"] == "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    assert task["Parameters"]["QueueUrl"] == QUEUE
    body = task["Parameters"]["MessageBody"]
    assert body["task_token.$"] == "$$.Task.Token"
    assert body["step"] == "double"
    assert "'--print-output'" in body["argv.$"]
    assert task["HeartbeatSeconds"] == 600


def test_retry_and_timeout_become_retry_and_timeout_seconds() -> None:
    sm = definition(SHAPES / "retries.py")
    (retry,) = state(sm, "flaky")["Retry"]
    assert retry["MaxAttempts"] == 2
    assert retry["IntervalSeconds"] == 1  # 0 minutes: ASL's smallest interval


TIMEOUT_AND_CATCH = """
from flowc import FlowSpec, catch, retry, step, timeout


class GuardedFlow(FlowSpec):
    @step
    def start(self):
        self.items = [1, 2]
        self.next(self.slow)

    @catch(var="error")
    @retry(times=2, minutes_between_retries=2)
    @timeout(seconds=30)
    @step
    def slow(self):
        self.next(self.fan_out)

    @catch(var="error")
    @step
    def fan_out(self):
        self.next(self.fan, foreach="items")

    @step
    def fan(self):
        self.next(self.join)

    @step
    def join(self, inputs):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def test_the_engine_timeout_is_a_backstop_after_the_runners_own(write_flow) -> None:
    path = write_flow(TIMEOUT_AND_CATCH)
    # Worker mode: counted from when the message is sent, so the time it may wait in the queue (as
    # long as HeartbeatSeconds lets it) is added to the runner's timeout and its margin.
    task = state(definition(path, **WORKER), "slow")
    assert task["TimeoutSeconds"] == 30 + 60 + 600 > task["HeartbeatSeconds"] == 600
    no_heartbeat = state(definition(path, **WORKER, heartbeat_seconds=0), "slow")
    assert no_heartbeat["TimeoutSeconds"] == 30 + 60 and "HeartbeatSeconds" not in no_heartbeat
    # Batch mode: the job's own attempt duration, counted from when it starts running (not queued).
    task = state(definition(path), "slow")
    assert "TimeoutSeconds" not in task
    assert task["Parameters"]["Timeout"] == {"AttemptDurationSeconds": 90}
    # The delay a user deploys is Metaflow's: minutes_between_retries, in seconds.
    assert task["Retry"][0]["IntervalSeconds"] == 120


def test_a_catch_step_falls_back_to_its_stand_in_task_when_the_last_attempt_ends_unseen(write_flow) -> None:
    path = write_flow(TIMEOUT_AND_CATCH)
    sm = definition(path, **WORKER)
    task = state(sm, "slow")
    timed_out, other = task["Catch"]
    assert timed_out == {"ErrorEquals": ["States.Timeout"], "Next": "slow.fallback-timeout", "ResultPath": "$.error"}
    assert other == {"ErrorEquals": ["States.ALL"], "Next": "slow.fallback", "ResultPath": "$.error"}
    stand_in = state(sm, "slow.fallback")
    argv = stand_in["Parameters"]["MessageBody"]["argv.$"]
    # One attempt past the last retry, the worker's cause (how the process ended) as the reason.
    assert "'--attempt', '3'" in argv and "'--fallback', $.error.Cause" in argv
    assert stand_in["Next"] == task["Next"] == "fan_out"
    assert stand_in["Catch"] == [{"ErrorEquals": ["States.ALL"], "Next": "slow.failed", "ResultPath": "$.error"}]
    assert "Retry" not in stand_in and stand_in["TimeoutSeconds"] == task["TimeoutSeconds"]
    timed_out_argv = state(sm, "slow.fallback-timeout")["Parameters"]["MessageBody"]["argv.$"]
    assert "'--fallback', 'the task timed out" in timed_out_argv
    # A foreach (or switch) step cannot fall back: the flow would not know where to go.
    assert [c["Next"] for c in state(sm, "fan_out")["Catch"]] == ["fan_out.failed"]
    assert not any(name.startswith("fan_out.fallback") for name, _ in states(sm))
    # Batch mode: one stand-in with a fixed reason (Batch's cause is the job's description).
    batch = definition(path)
    assert [c["Next"] for c in state(batch, "slow")["Catch"]] == ["slow.fallback"]
    command = state(batch, "slow.fallback")["Parameters"]["ContainerOverrides"]["Command.$"]
    assert "'--fallback', 'its AWS Batch job failed" in command and "'--attempt', '3'" in command


def test_every_task_fails_the_execution_with_its_step_name_in_the_cause() -> None:
    sm = definition(SHAPES / "failing.py")
    catch = state(sm, "boom")["Catch"]
    assert catch == [{"ErrorEquals": ["States.ALL"], "Next": "boom.failed", "ResultPath": "$.error"}]
    fail = state(sm, "boom.failed")
    assert fail["CausePath"] == "States.Format('step boom failed: {}', $.error.Cause)"


def test_resources_and_environment_become_batch_overrides(write_flow) -> None:
    path = write_flow(
        "from flowc import FlowSpec, step, resources, environment\n"
        "class R(FlowSpec):\n"
        "    @resources(cpu=2, memory=4096, gpu=1)\n"
        "    @environment(vars={'B': '2', 'A': '1'})\n"
        "    @step\n"
        "    def start(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    overrides = state(definition(path), "start")["Parameters"]["ContainerOverrides"]
    assert overrides["ResourceRequirements"] == [
        {"Type": "VCPU", "Value": "2"},
        {"Type": "MEMORY", "Value": "4096"},
        {"Type": "GPU", "Value": "1"},
    ]
    assert overrides["Environment"] == [{"Name": "A", "Value": "1"}, {"Name": "B", "Value": "2"}]


def test_output_is_byte_identical_across_compiles() -> None:
    a = compile_sf(SHAPES / "switch_in_foreach.py", **WORKER)
    b = compile_sf(SHAPES / "switch_in_foreach.py", **WORKER)
    assert [(f.path, f.content) for f in a.files] == [(f.path, f.content) for f in b.files]


def test_long_step_names_are_shortened_with_a_hash_and_kept_in_a_comment(write_flow) -> None:
    long = "s" * 100
    path = write_flow(
        "from flowc import FlowSpec, step\n"
        "class L(FlowSpec):\n"
        "    @step\n"
        "    def start(self):\n"
        f"        self.next(self.{long})\n"
        "    @step\n"
        f"    def {long}(self):\n"
        "        self.next(self.end)\n"
        "    @step\n"
        "    def end(self):\n"
        "        pass\n"
    )
    sm = definition(path)
    found = dict(states(sm))
    assert all(len(n) <= 80 for n in found)
    (short,) = [n for n, s in found.items() if n.startswith("sss") and s["Type"] == "Task"]
    assert state(sm, short)["Comment"] == f"step {long}"


def test_intrinsic_literals_escape_quotes_braces_and_backslashes() -> None:
    assert values.quote("it's {x} \\ y") == "'it\\'s \\{x\\} \\\\ y'"
    expr = values.expression("a{b}'" + values.RUN_ID.token + "c")
    assert expr == "States.Format('a\\{b\\}\\'{}c', $.run_id)"
    assert json.loads(json.dumps(expr)) == expr


def test_a_loop_counts_its_iterations_in_the_state_data() -> None:
    sm = definition(SWITCH_SHAPES / "loop_in_foreach.py")
    (map_state,) = [s for _, s in states(sm) if s["Type"] == "Map"]
    # Entering the loop sets its count to 0.
    assert map_state["ItemProcessor"]["StartAt"] == "body"
    assert state(sm, "body")["Next"] == "poll.enter"
    assert state(sm, "poll.enter") == {
        "Type": "Pass",
        "Result": {"n": 0},
        "ResultPath": "$.flowc_loop0",
        "Next": "poll",
    }
    assert state(sm, "poll.again") == {
        "Type": "Pass",
        "Parameters": {"n.$": "States.MathAdd($.flowc_loop0.n, 1)"},
        "ResultPath": "$.flowc_loop0",
        "Next": "poll",
    }
    choices = {c["StringEquals"]: c["Next"] for c in state(sm, "poll.choose")["Choices"]}
    assert choices == {"again": "poll.again", "done": "after"}
    # The task's index is the item's position, then the iteration, as text.
    command = state(sm, "poll")["Parameters"]["ContainerOverrides"]["Command.$"]
    assert "'--index', States.Format('{}.{}', $.index, States.Format('{}', $.flowc_loop0.n))" in command
    assert "flowc_loop" not in state(sm, "after")["Parameters"]["ContainerOverrides"]["Command.$"]


def test_nested_loops_count_in_a_field_each() -> None:
    sm = definition(SWITCH_SHAPES / "loop_nested.py")
    assert state(sm, "start")["Next"] == "outer.enter"
    assert state(sm, "outer.enter")["ResultPath"] == "$.flowc_loop0"
    assert state(sm, "inner.enter")["ResultPath"] == "$.flowc_loop1"
    assert state(sm, "outer")["Next"] == "inner.enter"
    inner = state(sm, "inner")["Parameters"]["ContainerOverrides"]["Command.$"]
    assert "States.Format('{}.{}', States.Format('{}', $.flowc_loop0.n), States.Format('{}', $.flowc_loop1.n))" in inner
    choices = {c["StringEquals"]: c["Next"] for c in state(sm, "tally.choose")["Choices"]}
    assert choices == {"again": "outer.again", "done": "after"}


def test_an_inline_foreach_over_nothing_goes_straight_to_its_join() -> None:
    sm = definition(SHAPES / "foreach.py", foreach="inline", mode="worker", queue_url=QUEUE)
    (name,) = [n for n, s in states(sm) if n.endswith(".any")]
    split = name.removesuffix(".any")
    assert state(sm, split)["Next"] == name
    (empty,) = state(sm, name)["Choices"]
    assert empty["NumericEquals"] == 0 and empty["Variable"] == "$.flowc.output.foreach_count"
    join = empty["Next"]
    assert state(sm, f"{split}.map")["Next"] == join
    assert state(sm, name)["Default"] == f"{split}.items"


def test_a_deployed_retry_waits_metaflows_two_minutes_by_default() -> None:
    # The conformance suite shortens this delay in its own copy (executors.shorten_retry_delays, a
    # test-only knob); what a user compiles and deploys keeps it.
    flow = SHAPES.parent / "conformance" / "flows" / "metaflow-compat" / "14_retry_waits_two_minutes_locally.py"
    for options in ({}, WORKER):
        (retry,) = state(definition(flow, **options), "start")["Retry"]
        assert (retry["MaxAttempts"], retry["IntervalSeconds"]) == (1, 120)
