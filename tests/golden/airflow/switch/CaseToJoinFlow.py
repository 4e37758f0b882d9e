"Airflow DAG 'CaseToJoinFlow' for the flowc flow 'CaseToJoinFlow' (local mode). Generated: do not edit."

from __future__ import annotations

import datetime
import json
import logging
import os
import signal
import subprocess
import sys
import threading

import pendulum

try:  # Airflow 3: the task SDK
    from airflow.sdk import DAG, BaseOperator, Param
except ImportError:  # Airflow 2.7+
    from airflow.models.baseoperator import BaseOperator
    from airflow.models.dag import DAG
    from airflow.models.param import Param
try:
    from airflow.providers.standard.operators.branch import BaseBranchOperator
    from airflow.providers.standard.operators.empty import EmptyOperator
except ImportError:  # Airflow 2 without the standard provider
    from airflow.operators.branch import BaseBranchOperator
    from airflow.operators.empty import EmptyOperator

FLOW = 'CaseToJoinFlow'
PARAMETERS = ['k_case']
MAX_MAP_LENGTH_HINT = "raise Airflow's [core] max_map_length (AIRFLOW__CORE__MAX_MAP_LENGTH)"


def _max_map_length() -> int:
    try:
        from airflow.sdk.configuration import conf
    except ImportError:
        from airflow.configuration import conf
    return conf.getint("core", "max_map_length")


def _flowc_arg(text) -> str:
    """A value as the runner's command carries it: percent-encoded (flowc.runner.command.encode_value)."""
    from urllib.parse import quote

    return quote(str(text), safe="/:@+,=")


def _params_json(params) -> str:
    """The flow's parameters as one JSON object for the start step (a Jinja filter)."""
    return json.dumps({name: params[name] for name in PARAMETERS if name in params}, sort_keys=True)


def _output(outputs):
    """A mapped task's XComs arrive as a sequence; an unmapped one's as a single object."""
    return [outputs] if isinstance(outputs, dict) else list(outputs)


# The runner's exit codes after which no @catch stand-in runs: bad usage (2) and Ctrl-C (130).
_NO_FALLBACK = (2, 130)


def _exit_text(code) -> str:
    """How the runner's process ended, in words (flowc.runner.scheduler.exit_text)."""
    if code == -1:
        return "exit 0 without publishing the task"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit {code}"


class FlowcFanout(BaseOperator):
    """Turns a foreach split's `{"foreach_count": N}` outputs into its children's index paths."""

    template_fields = ("split_outputs", "paths")
    ui_color = "#f4f1de"

    def __init__(self, *, split: str, split_outputs, paths, **kwargs) -> None:
        super().__init__(**kwargs)
        self.split = split
        self.split_outputs = split_outputs
        self.paths = paths

    def execute(self, context):
        children = []
        for path, output in zip(list(self.paths), _output(self.split_outputs)):
            count = int(output["foreach_count"])
            children.extend(f"{path}.{i}" if path else str(i) for i in range(count))
        limit = _max_map_length()
        if len(children) > limit:
            raise RuntimeError(
                f"foreach step {self.split!r} of flow {FLOW!r} needs {len(children)} mapped tasks, "
                f"more than Airflow's [core] max_map_length ({limit}); {MAX_MAP_LENGTH_HINT}"
            )
        return children


class FlowcCase(BaseOperator):
    """For a switch inside a foreach: the index paths whose task chose one case's step."""

    template_fields = ("switch_outputs", "paths")
    ui_color = "#f4f1de"

    def __init__(self, *, switch: str, values, switch_outputs, paths, **kwargs) -> None:
        super().__init__(**kwargs)
        self.switch = switch
        self.values = values
        self.switch_outputs = switch_outputs
        self.paths = paths

    def execute(self, context):
        outputs = _output(self.switch_outputs)
        return [p for p, o in zip(list(self.paths), outputs) if o["switch_case"] in self.values]


class FlowcPaths(BaseOperator):
    """Where ways into a step inside a foreach meet: the index paths of all of them, in order. A way
    whose helper was skipped (no path took it) adds nothing."""

    template_fields = ("sources",)
    ui_color = "#f4f1de"

    def __init__(self, *, step: str, sources, **kwargs) -> None:
        super().__init__(**kwargs)
        self.step = step
        self.sources = sources

    def execute(self, context):
        found = set()
        for paths in self.sources:
            found.update(paths or ())
        return sorted(found, key=lambda path: [int(part) for part in path.split(".")])


class FlowcRoute(BaseBranchOperator):
    """For a switch outside any foreach: follow the case the runner chose, skip the others."""

    template_fields = ("switch_output",)
    ui_color = "#f4f1de"

    def __init__(self, *, switch: str, routes, switch_output, **kwargs) -> None:
        super().__init__(**kwargs)
        self.switch = switch
        self.routes = routes
        self.switch_output = switch_output

    def choose_branch(self, context):
        case = self.switch_output["switch_case"]
        if case not in self.routes:
            raise RuntimeError(f"switch {self.switch!r} chose {case!r}, which is not one of its cases")
        return self.routes[case]


class FlowcStep(BaseOperator):
    """Runs one task of the flow on this worker: the step runner as an argv list, no shell.

    The runner is started with the worker's own Python (`python -m flowc`), so flowc must be installed
    beside Airflow. Its output object is the last line of its stdout and becomes this task's XCom.
    For a step with @catch (`flowc_catch`) whose last attempt's process ended without the runner
    seeing it (killed, crashed), the stand-in task (`flowc step --fallback`) runs next, as under
    `flowc run`: it publishes what @catch would have, and the flow goes on.
    """

    template_fields = ("argv",)
    ui_color = "#dbe9f6"

    def __init__(self, *, argv, env=None, flowc_index: str = "", flowc_catch: bool = False, **kwargs) -> None:
        super().__init__(**kwargs)
        self.argv = argv
        self.env = env or {}
        self.flowc_index = flowc_index
        self.flowc_catch = flowc_catch
        self._process = None

    def execute(self, context):
        argv = list(self.argv)
        code, output = self._run_runner(argv)
        attempt = int(argv[argv.index("--attempt") + 1])
        if code != 0 and self.flowc_catch and code not in _NO_FALLBACK and attempt >= (self.retries or 0):
            how = _exit_text(code)
            self.log.warning("flowc step %r ended (%s) on its last attempt: @catch's stand-in runs", self.task_id, how)
            argv[argv.index("--attempt") + 1] = str(attempt + 1)
            code, output = self._run_runner([*argv, "--fallback", how])
        if code != 0:
            raise RuntimeError(f"flowc step {self.task_id!r} failed ({_exit_text(code)}; see the log above)")
        return output

    def _run_runner(self, argv):
        """Runs the runner once: (its exit code, its output object). Exit 0 without an output object is
        a task that ended before it finished (code -1)."""
        self._process = proc = subprocess.Popen(
            [sys.executable, "-m", "flowc", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **self.env},
            text=True,
            errors="replace",
            # Its own process group: what the task starts ends with it (see on_kill).
            start_new_session=True,
        )
        lines = []
        relay = threading.Thread(target=self._relay, args=(proc.stderr, logging.WARNING), daemon=True)
        relay.start()
        try:
            for line in proc.stdout:
                lines.append(line.rstrip("\n"))
                self.log.info("%s", lines[-1])
            code = proc.wait()
        finally:
            self.on_kill()
            relay.join(timeout=5)
            self._process = None
        if code != 0:
            return code, None
        try:
            output = json.loads(next(line for line in reversed(lines) if line.strip()))
        except (StopIteration, ValueError):
            output = None
        return (0, output) if isinstance(output, dict) else (-1, None)

    def _relay(self, stream, level) -> None:
        for line in stream:
            self.log.log(level, "%s", line.rstrip("\n"))

    def on_kill(self) -> None:
        proc = self._process
        if proc is None:
            return
        if proc.poll() is None:
            self._signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        # The runner has ended: whatever it left in its group (a child never waited for) ends too.
        self._signal_group(proc.pid, signal.SIGKILL)

    @staticmethod
    def _signal_group(pid, sig) -> None:
        try:
            os.killpg(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


with DAG(
    dag_id='CaseToJoinFlow',
    description='flowc flow CaseToJoinFlow',
    doc_md='CaseToJoinFlow\n',
    schedule=None,
    start_date=pendulum.datetime(2024, 1, 1, tz='UTC'),
    catchup=False,
    tags=['flowc'],
    params={'k_case': Param('direct', type='string')},
    user_defined_filters={"flowc_params": _params_json, "flowc_arg": _flowc_arg},
) as dag:
    tasks = {}
    tasks['start'] = FlowcStep(
        task_id='start',
        argv=['step', '--flow', 'CaseToJoinFlow', '--code', '7486ec57806a587e571c', '--step', 'start', '--run-id', '{{ run_id }}', '--datastore', '/srv/flowc/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--params-json', '{{ params | flowc_params | flowc_arg }}', '--print-output'],
    )
    tasks['a'] = FlowcStep(
        task_id='a',
        argv=['step', '--flow', 'CaseToJoinFlow', '--code', '7486ec57806a587e571c', '--step', 'a', '--run-id', '{{ run_id }}', '--datastore', '/srv/flowc/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--print-output'],
    )
    tasks['a-route'] = FlowcRoute(
        task_id='a-route',
        switch='a',
        routes={'direct': 'a-to-join', 'via': 'c'},
        switch_output=tasks['a'].output,
    )
    tasks['a-to-join'] = EmptyOperator(
        task_id='a-to-join',
    )
    tasks['c'] = FlowcStep(
        task_id='c',
        argv=['step', '--flow', 'CaseToJoinFlow', '--code', '7486ec57806a587e571c', '--step', 'c', '--run-id', '{{ run_id }}', '--datastore', '/srv/flowc/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--print-output'],
    )
    tasks['b'] = FlowcStep(
        task_id='b',
        argv=['step', '--flow', 'CaseToJoinFlow', '--code', '7486ec57806a587e571c', '--step', 'b', '--run-id', '{{ run_id }}', '--datastore', '/srv/flowc/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--print-output'],
    )
    tasks['join'] = FlowcStep(
        task_id='join',
        argv=['step', '--flow', 'CaseToJoinFlow', '--code', '7486ec57806a587e571c', '--step', 'join', '--run-id', '{{ run_id }}', '--datastore', '/srv/flowc/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--print-output'],
        trigger_rule='none_failed_min_one_success',
    )
    tasks['end'] = FlowcStep(
        task_id='end',
        argv=['step', '--flow', 'CaseToJoinFlow', '--code', '7486ec57806a587e571c', '--step', 'end', '--run-id', '{{ run_id }}', '--datastore', '/srv/flowc/datastore', '--attempt', '{{ ti.try_number - 1 }}', '--print-output'],
    )

    tasks['a'] >> tasks['a-route']
    tasks['a-route'] >> tasks['a-to-join']
    tasks['start'] >> tasks['a']
    tasks['start'] >> tasks['b']
    tasks['a-to-join'] >> tasks['join']
    tasks['a-route'] >> tasks['c']
    tasks['c'] >> tasks['join']
    tasks['b'] >> tasks['join']
    tasks['join'] >> tasks['end']
