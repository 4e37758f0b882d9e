"""Running one task: the heart of `flowc step`.

Given a task's identity (flow, code package, step, run id, foreach index path, attempt) the runner
loads the IR from the code package, rebuilds the step's namespace from its parents' manifests, runs
the user's method (with @timeout and @catch applied), checks the transition against the compiled
graph, and publishes the task: artifacts, output, manifest last. See docs/runner.md.
"""

from __future__ import annotations

import os
import pickle
import signal
import threading
import time
import traceback
import types
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import flowc
from flowc import api, paths, user_configs
from flowc.datastore.storage import StorageError
from flowc.datastore.store import ArtifactError, FlowDatastore
from flowc.ir import Flow, Step, Transition
from flowc.paths import Index, fmt_index, task_name
from flowc.project_names import ProjectError
from flowc.runner import attributes, process, task_context
from flowc.runner import code as code_mod
from flowc.runner import configs as configs_mod
from flowc.runner import params as params_mod
from flowc.runner.namespace import ArtifactReader, ForeachPlace, Inputs, InputView, SplitRecord, TaskNamespace

EXIT_OK = 0
EXIT_STEP_FAILED = 1  # the step's code raised (the traceback is the user's)
EXIT_USAGE = 2  # bad flags or parameter values
EXIT_TASK_ERROR = 3  # the task cannot run or contradicts the compiled flow
EXIT_TIMEOUT = 4  # @timeout expired
EXIT_INTERRUPTED = 130

# The type @catch records for a task whose process ended without the runner seeing an exception.
PROCESS_ENDED = "TaskProcessEnded"

_FLOWC_DIR = str(Path(flowc.__file__).resolve().parent)


class TaskError(Exception):
    """A task that cannot run, or whose result contradicts the compiled flow. Not the user's traceback."""

    def __init__(self, message: str, exit_code: int = EXIT_TASK_ERROR) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class StepFailed(Exception):
    """The step's own code raised. `user_traceback` is trimmed of the runner's frames."""

    def __init__(self, task: str, exc: BaseException, code_dir: Path | None = None, reason: str = "") -> None:
        self.timed_out = isinstance(exc, api.StepTimeout)
        # Why, when the traceback's last line does not say it (a step that called sys.exit).
        self.reason = reason
        super().__init__(f"step {task} failed: {reason or f'{type(exc).__name__}: {exc}'}")
        self.exc = exc
        self.user_traceback = user_traceback(exc, code_dir)
        self.exit_code = EXIT_TIMEOUT if self.timed_out else EXIT_STEP_FAILED


@dataclass(frozen=True)
class TaskSpec:
    flow: str
    code: str
    step: str
    run_id: str
    datastore: str
    index: str = ""
    attempt: int = 0
    params: tuple[tuple[str, str], ...] = ()
    params_json: Mapping[str, Any] | None = None
    # Set when the step's last attempt ended without the runner seeing why (its process was killed, or
    # called os._exit): publish the task as @catch would have, without running the step (`fallback`).
    fallback: str | None = None

    @property
    def task_id(self) -> str:
        return f"{self.step}/{self.index}" if self.index else self.step


@dataclass(frozen=True)
class TaskResult:
    output: dict[str, Any]
    caught: api.StepException | None = None
    # A switch's chosen case as its 0-based position among the IR's cases: what an engine compares
    # when a case value cannot be written safely into its expressions (Argo's `when`).
    case_index: int | None = None


def user_traceback(exc: BaseException, code_dir: Path | None = None) -> str:
    """The traceback from the first frame outside flowc: what the user's code did.

    Files of the code package are shown where the user keeps them: under `FLOWC_SOURCE_DIR` when set
    (`flowc run` sets it to the flow's folder), else relative to the package.
    """
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename.startswith(_FLOWC_DIR):
        tb = tb.tb_next
    text = "".join(traceback.format_exception(type(exc), exc, tb or exc.__traceback__))
    if code_dir is not None:
        source = os.environ.get("FLOWC_SOURCE_DIR")
        text = text.replace(f'File "{code_dir}{os.sep}', f'File "{source}{os.sep}' if source else 'File "')
    return text


def parse_index(text: str) -> Index:
    try:
        return paths.parse_index(text)
    except ValueError:
        raise TaskError(
            f"--index {text!r}: expected dot-joined integers from 0, such as 3 or 2.1", EXIT_USAGE
        ) from None


# -- finding inputs --------------------------------------------------------------------------------


def _places(flow: Flow, tasks: paths.RunTasks, step: Step, index: Index) -> tuple[ForeachPlace, ...]:
    """Where the task (step, index) sits in each enclosing foreach, outermost first. Nothing is read
    until the step asks for an item (`self.input`, `foreach_stack()`)."""
    out = []
    for depth, name in enumerate(step.foreach_scopes):
        sidx = paths.split_index(flow, step, index, name)
        out.append(ForeachPlace(name, index[depth], partial(_split_record, flow, tasks, name, sidx)))
    return tuple(out)


def _split_record(flow: Flow, tasks: paths.RunTasks, split: str, index: Index) -> SplitRecord:
    m = tasks.manifest(split, index)
    if m is None:
        raise TaskError(
            f"the foreach split task {task_name(split, index)} of run {tasks.run_id} has not completed "
            f"(no manifest at {tasks.url(split, index)})"
        )
    fixed = m.get("foreach")
    if fixed is not None:
        return SplitRecord(items=fixed["items"], count=int(fixed["count"]))
    # Written before splits stored their items: the foreach variable itself, indexed by position.
    var = flow.step(split).foreach_var
    return SplitRecord(items=m["artifacts"].get(var or ""), count=int(m["output"].get("foreach_count", 0)))


def _foreach_items(step: Step, obj: Any, task: str) -> list[Any]:
    """The split's items, materialised once, in order (a set's in sorted order), for every body task
    to read by position. An iterator (a generator, say) is consumed: its artifact becomes the list."""
    var = step.foreach_var
    assert var is not None
    try:
        value = getattr(obj, var)
    except AttributeError:
        raise TaskError(f"foreach step {task} did not set self.{var}") from None
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError as exc:
            raise TaskError(
                f"foreach step {task}: self.{var} is a {type(value).__name__} whose items cannot be sorted "
                f"({exc}); a set has no order of its own, so flowc sorts it to give every task the same "
                f"item in every process. Give foreach a list in the order you want"
            ) from None
    try:
        iterator = iter(value)
    except TypeError:
        raise TaskError(
            f"foreach step {task}: self.{var} ({type(value).__name__}) is not iterable; give foreach a list"
        ) from None
    items = list(iterator)
    if iterator is value:
        obj.__dict__[var] = items
    return items


def _save_items(store: FlowDatastore, step: Step, items: list[Any], task: str) -> dict[str, Any]:
    try:
        return store.save_value(f"foreach items of self.{step.foreach_var}", items)
    except ArtifactError:
        for k, item in enumerate(items):
            try:
                pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                raise TaskError(
                    f"foreach step {task}: item {k} of self.{step.foreach_var} ({type(item).__name__}) cannot "
                    f"be stored ({exc}); every item is stored once by the split and read by its task"
                ) from None
        raise


def _inputs(flow: Flow, tasks: paths.RunTasks, step: Step, index: Index) -> list[paths.ParentTask]:
    try:
        return paths.resolve_inputs(flow, step.name, index, tasks)
    except paths.PathError as exc:
        raise TaskError(str(exc)) from None


# -- running ---------------------------------------------------------------------------------------


def _timeout_grace() -> float:
    return float(os.environ.get("FLOWC_TIMEOUT_GRACE_SECONDS", "10"))


@contextmanager
def time_limit(seconds: int | None, task: str) -> Iterator[None]:
    """Raise StepTimeout in the step's code after `seconds`; if the code does not stop within a grace
    period (it swallowed the exception, or it sleeps in C), end the process."""
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise api.StepTimeout(f"step {task} exceeded its @timeout of {seconds} s")

    def kill() -> None:
        msg = f"flowc: step {task} exceeded its @timeout of {seconds} s and did not stop; killed\n"
        os.write(2, msg.encode())
        process.REAL_EXIT(EXIT_TIMEOUT)

    previous = signal.signal(signal.SIGALRM, on_alarm)
    watchdog = threading.Timer(seconds + _timeout_grace(), kill)
    watchdog.daemon = True
    signal.setitimer(signal.ITIMER_REAL, seconds)
    watchdog.start()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        watchdog.cancel()


# The class Metaflow's @timeout raises, as its @catch wrapper names it.
METAFLOW_TIMEOUT = "metaflow.plugins.timeout_decorator.TimeoutException"


def _metaflow_timeout(exc: api.StepTimeout, step: Step, method: Any, code_dir: Path) -> api.MetaflowExceptionWrapper:
    """@catch of a @timeout in a flow written `from metaflow import ...`: Metaflow's wrapper of its
    TimeoutException, whose message is "Step <name> timed out after <h> hours, <m> minutes, <s>
    seconds" (the decorator's arguments as written) and the stack the timeout interrupted, each line
    after ">  "; the stack trace ends with that class and message."""
    given = getattr(method, api.DECOS_ATTR, {}).get("timeout", {})
    parts = [given.get(k, 0) for k in ("hours", "minutes", "seconds")]
    if not all(type(p) is int for p in parts):  # e.g. from a config_expr: the total, split
        minutes, seconds = divmod(step.decorators.timeout_seconds or 0, 60)
        parts = [*divmod(minutes, 60), seconds]
    headline = f"Step {step.name} timed out after {parts[0]} hours, {parts[1]} minutes, {parts[2]} seconds"
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not f.filename.startswith(_FLOWC_DIR)]
    listing = "".join(traceback.format_list(frames))
    source = os.environ.get("FLOWC_SOURCE_DIR")
    listing = listing.replace(f'File "{code_dir}{os.sep}', f'File "{source}{os.sep}' if source else 'File "')
    stack = "\n".join(f">  {line}" for line in listing.splitlines())
    message = f"{headline}\nStack when the timeout was raised:\n{stack}"
    trace = f"Traceback (most recent call last):\n{listing}{METAFLOW_TIMEOUT}: {message}\n"
    return api.MetaflowExceptionWrapper(METAFLOW_TIMEOUT, message, trace)


def _caught_value(exc: BaseException, caught: api.StepException, flow: Flow, module: str) -> Any:
    """What @catch stores. For a flow written `from metaflow import ...`, Metaflow's wrapper
    (`.type`, `.exception`, `.stacktrace`). Else the exception itself when it can be stored (so
    `isinstance` works later), else a StepException with its type, message and traceback as text."""
    if flow.dialect == "metaflow":
        cls = type(exc)
        # Metaflow runs the flow's file as __main__: a class of its own has that module there.
        own = cls.__module__ == module
        stack = caught.traceback
        if own:  # Python names a class of __main__ without its module in a traceback's last line
            prefix = f"{module}.{cls.__qualname__}"
            stack = "\n".join(
                cls.__qualname__ + ln[len(prefix) :] if ln.startswith(prefix) else ln for ln in stack.split("\n")
            )
        where = "__main__" if own else cls.__module__
        return api.MetaflowExceptionWrapper(f"{where}.{cls.__qualname__}", caught.message, stack)
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return caught
    exc.__traceback__ = None
    return exc


def _run_step(
    spec: TaskSpec,
    code: code_mod.LoadedCode,
    step: Step,
    index: Index,
    ns: TaskNamespace,
    inputs: Inputs | None,
    assigned: dict[str, Any],
    store: FlowDatastore,
) -> tuple[type[Any], Any, api.StepException | None, list[str]]:
    """Import the flow and run the step's code: (class, instance, what @catch caught, constants stored)."""
    flow = code.flow
    task = task_name(step.name, index)
    decos = step.decorators
    last_attempt = spec.attempt >= (decos.retry.times if decos.retry else 0)
    caught: api.StepException | None = None
    with process.task_process(task, decos.env):
        user_configs.set_loaded(configs_mod.known_values(flow))
        try:
            cls = code_mod.import_flow_class(code)
        except code_mod.CodeError as exc:
            raise TaskError(str(exc)) from None
        except SystemExit as exc:
            raise StepFailed(task, exc, code.code_dir, process.ended_by(exc)) from None
        except Exception as exc:  # the user's module failed at import: their traceback
            raise StepFailed(task, exc, code.code_dir) from None
        try:
            config_values = configs_mod.values(cls, flow)
        except user_configs.ConfigError as exc:
            raise TaskError(str(exc)) from None
        except Exception as exc:  # the flow's own parser raised: its traceback
            raise StepFailed(task, exc, code.code_dir) from None
        obj: Any = object.__new__(cls)  # no __init__: a flow's state is its artifacts
        names = attributes.constant_names(cls, flow)
        configs_mod.install(cls, config_values)
        if step.name == flow.start_step:
            stored = attributes.storable_constants(cls, names)
            constants = sorted(stored)
            assigned = {**stored, **config_values, **assigned}
        else:
            constants = [n for n in names if n in ns.refs]
            # Every task has the configs among its artifacts, joins included, as in Metaflow.
            assigned = {**config_values, **assigned}
        attributes.install(cls, flow, constants)
        obj.__dict__["_flowc_ns"] = ns
        obj.__dict__["name"] = flow.name  # as Metaflow: every task starts with the flow's name
        obj.__dict__.update(assigned)
        try:
            task_context.set_current(
                flow, run_id=spec.run_id, step=step.name, index=index, attempt=spec.attempt, obj=obj, store=store
            )
        except ProjectError as exc:
            raise TaskError(str(exc), EXIT_USAGE) from None
        try:
            method = getattr(obj, step.name)
            with time_limit(decos.timeout_seconds, task):
                if step.takes_inputs:
                    method(inputs)
                else:
                    method()
        except (Exception, api.StepTimeout, SystemExit) as exc:
            # sys.exit() in a step is a failure like an exception, whatever its code (never a success).
            reason = process.ended_by(exc) if isinstance(exc, SystemExit) else ""
            if decos.catch is None or not last_attempt:
                raise StepFailed(task, exc, code.code_dir, reason) from None
            message = reason or str(exc)
            caught = api.StepException(type(exc).__name__, message, user_traceback(exc, code.code_dir))
            if decos.catch.var and flow.dialect == "metaflow" and isinstance(exc, api.StepTimeout):
                obj.__dict__[decos.catch.var] = _metaflow_timeout(exc, step, method, code.code_dir)
            elif decos.catch.var:
                obj.__dict__[decos.catch.var] = _caught_value(exc, caught, flow, code.flow_file.stem)
        else:
            if decos.catch is not None and decos.catch.var:
                obj.__dict__[decos.catch.var] = None
            _check_transition(step, obj, task)
    return cls, obj, caught, constants


def _fallback(
    flow: Flow, step: Step, task: str, ns: TaskNamespace, assigned: dict[str, Any], why: str
) -> tuple[Any, api.StepException]:
    """The task of a step whose last attempt's process ended unseen (`flowc step --fallback`): what
    @catch would have published, without running the step. The step's own artifacts are gone with its
    process; the task has its parents' artifacts, the error in @catch's variable, and goes on along
    the compiled graph (Metaflow's @catch does the same with a stand-in task)."""
    if step.decorators.catch is None:
        raise TaskError(f"step {task} has no @catch: there is nothing to fall back to")
    if step.transition in (Transition.FOREACH, Transition.SWITCH):
        raise TaskError(
            f"step {task} is a {step.transition.value} step whose process ended before it set "
            f"self.{step.foreach_var or step.switch_condition}: @catch cannot tell where the flow goes"
        )
    message = f"the step's process ended before the task finished, on its last attempt ({why})"
    caught = api.StepException(PROCESS_ENDED, message, message + "\n")
    obj = types.SimpleNamespace(**assigned)
    obj.__dict__["name"] = flow.name
    if step.decorators.catch.var:
        wrapped = api.MetaflowExceptionWrapper(PROCESS_ENDED, message, None)
        obj.__dict__[step.decorators.catch.var] = wrapped if flow.dialect == "metaflow" else caught
    return obj, caught


def _target_name(target: Any) -> str:
    return str(getattr(target, "__name__", target))


def _check_transition(step: Step, obj: Any, task: str) -> None:
    recorded = obj.__dict__.get("_flowc_transition")
    if step.transition is Transition.END:
        if recorded is not None:
            raise TaskError(f"step {task} is the end step but called self.next(...)")
        return
    if recorded is None:
        raise TaskError(f"step {task} returned without calling self.next(...); the compiled flow expects it")
    targets, foreach, condition = recorded
    if step.transition is Transition.SWITCH:
        ok = len(targets) == 1 and isinstance(targets[0], dict) and condition == step.switch_condition
        if ok:
            got = {str(k): _target_name(v) for k, v in targets[0].items()}
            ok = got == {c.value: c.step for c in step.switch_cases}
        if not ok:
            raise TaskError(
                f"step {task}: self.next(...) does not match the compiled switch on {step.switch_condition!r}"
            )
        return
    names = tuple(_target_name(t) for t in targets)
    want_foreach = step.foreach_var if step.transition is Transition.FOREACH else None
    if names != step.successors or foreach != want_foreach or condition is not None:
        raise TaskError(
            f"step {task} called self.next({', '.join(names)}"
            f"{f', foreach={foreach!r}' if foreach else ''}) but the compiled flow says "
            f"self.next({', '.join(step.successors)}{f', foreach={want_foreach!r}' if want_foreach else ''}); "
            f"self.next must be the same on every run"
        )


def _output(step: Step, obj: Any, task: str, items: list[Any] | None) -> dict[str, Any]:
    if step.transition is Transition.FOREACH:
        assert items is not None
        return {"foreach_count": len(items), "task": task}
    if step.transition is Transition.SWITCH:
        assert step.switch_condition is not None
        try:
            value = getattr(obj, step.switch_condition)
        except AttributeError:
            raise TaskError(f"switch step {task} did not set self.{step.switch_condition}") from None
        cases = [c.value for c in step.switch_cases]
        case = value if value in cases else str(value)
        if case not in cases:
            raise TaskError(
                f"switch step {task}: self.{step.switch_condition} is {value!r}, which is none of the "
                f"cases: {', '.join(repr(c) for c in cases)}"
            )
        return {"switch_case": case, "task": task}
    return {"task": task}


def _setup_namespace(
    spec: TaskSpec, flow: Flow, step: Step, index: Index, store: FlowDatastore, search: list[Path]
) -> tuple[TaskNamespace, Inputs | None, dict[str, Any]]:
    """The task's namespace, its join inputs, and (start only) the parameter values by attribute."""
    reader = ArtifactReader(store)
    tasks = paths.RunTasks(store, spec.run_id)
    task = task_name(step.name, index)
    assigned: dict[str, Any] = {}
    inputs: Inputs | None = None
    refs: dict[str, dict[str, Any]] = {}
    if step.name == flow.start_step:
        try:
            values = params_mod.resolve(flow, spec.params, spec.params_json)
            values = params_mod.read_include_files(flow, values, search)
        except params_mod.ParamError as exc:
            raise TaskError(str(exc), EXIT_USAGE) from None
        assigned = {flow.parameter(n).attr: v for n, v in values.items()}
    elif step.join is not None:
        views = []
        for parent in _inputs(flow, tasks, step, index):
            m = parent.manifest
            store.mark_known({r["sha"] for r in m["artifacts"].values()})
            places = _places(flow, tasks, parent.step, parent.index)
            place = places[-1] if places else None
            views.append(InputView(reader, parent.step.name, fmt_index(parent.index), m, place))
        inputs = Inputs(views)
        # Parameters are part of every task's namespace; a join takes them from the start task.
        start = tasks.manifest(flow.start_step, ())
        if start is None:
            raise TaskError(
                f"join {task} reads the parameters: task {flow.start_step} of run {spec.run_id} has not completed"
            )
        # So are class-level constants, which the start task stored (Metaflow passes both down).
        shared = [p.attr for p in flow.parameters] + list(start.get("constants", ()))
        refs = {name: start["artifacts"][name] for name in shared if name in start["artifacts"]}
    else:
        (parent,) = _inputs(flow, tasks, step, index)
        refs = parent.manifest["artifacts"]
        store.mark_known({r["sha"] for r in refs.values()})
    ns = TaskNamespace(reader, step.name, refs, _places(flow, tasks, step, index), step.join is not None)
    return ns, inputs, assigned


def run_task(spec: TaskSpec) -> TaskResult:
    """Run one task and publish it. Raises StepFailed (the user's code failed) or TaskError."""
    started = time.time()
    try:
        store = FlowDatastore.open(spec.datastore, spec.flow)
        code = code_mod.fetch(store, spec.code)
    except (code_mod.CodeError, ValueError) as exc:
        raise TaskError(str(exc)) from None
    with code_mod.flow_modules(code.flow.dialect):
        try:
            return _run_loaded(spec, store, code, started)
        except StorageError as exc:  # the datastore refused a write: one line, not flowc's traceback
            raise TaskError(str(exc)) from None


def _run_loaded(spec: TaskSpec, store: FlowDatastore, code: code_mod.LoadedCode, started: float) -> TaskResult:
    flow = code.flow
    if flow.name != spec.flow:
        raise TaskError(f"code package {spec.code} holds flow {flow.name}, not {spec.flow}")
    try:
        step = flow.step(spec.step)
    except KeyError:
        raise TaskError(
            f"flow {flow.name} has no step {spec.step!r}; its steps: {', '.join(s.name for s in flow.steps)}",
            EXIT_USAGE,
        ) from None
    index = parse_index(spec.index)
    if len(index) != step.index_depth:
        where = f"{len(step.foreach_scopes)} foreach loop(s)"
        if step.loops:
            where += f" and {len(step.loops)} loop(s) ({', '.join(step.loops)})"
        raise TaskError(
            f"step {step.name} runs inside {where}, so its --index has {step.index_depth} part(s); got {spec.index!r}",
            EXIT_USAGE,
        )
    task = task_name(step.name, index)
    try:
        paths.check_loop_limits(flow, step.name, index)
    except paths.PathError as exc:
        raise TaskError(f"task {task}: {exc}") from None
    ns, inputs, assigned = _setup_namespace(spec, flow, step, index, store, [code.code_dir])
    cls: type[Any] | None = None
    caught: api.StepException | None
    constants: list[str] = []
    if spec.fallback is not None:
        obj, caught = _fallback(flow, step, task, ns, assigned, spec.fallback)
    else:
        cls, obj, caught, constants = _run_step(spec, code, step, index, ns, inputs, assigned, store)

    items = None
    if step.transition is Transition.FOREACH:
        try:
            items = _foreach_items(step, obj, task)
        except TaskError:
            raise
        except Exception as exc:  # the user's iterable raised while it was read
            raise StepFailed(task, exc, code.code_dir) from None
    output = _output(step, obj, task, items)
    try:
        paths.check_transition_limits(flow, step.name, index, output)
    except paths.PathError as exc:
        raise TaskError(str(exc)) from None
    # A foreach split's items, fixed once: every body task reads its item by position from this list.
    fixed = None if items is None else {"count": len(items), "items": _save_items(store, step, items, task)}
    try:
        artifacts = ns.collect(obj)
    except ArtifactError as exc:
        raise TaskError(f"step {task}: {exc}") from None
    manifest = {
        "format": 1,
        "flow": flow.name,
        "run_id": spec.run_id,
        "step": step.name,
        "index": fmt_index(index),
        "task": task,
        "attempt": spec.attempt,
        "code": spec.code,
        "artifacts": artifacts,
        "output": output,
        "caught": None if caught is None else {"type": caught.type, "message": caught.message},
        **({"foreach": fixed} if fixed is not None else {}),
        **({"constants": constants} if step.name == flow.start_step else {}),
        "started_at": round(started, 3),
        "finished_at": round(time.time(), 3),
    }
    if step.name == flow.start_step:
        manifest["run"] = task_context.run_record(flow)
    store.write_task(spec.run_id, step.name, fmt_index(index), manifest, output)
    if cls is not None:
        task_context.write_card(cls, flow, step.name, fmt_index(index), manifest, store)
    case_index = None
    if "switch_case" in output:
        case_index = [c.value for c in step.switch_cases].index(output["switch_case"])
    return TaskResult(output=output, caught=caught, case_index=case_index)
