"""The oracle: runs one flow with Metaflow itself and writes its canonical dump. Never imported by pytest.

Runs inside `.venv-metaflow` (Metaflow 2.19.39, built by .ci/setup.d/40-metaflow.sh):

    python metaflow_oracle.py FLOW.py WORKDIR DUMP.json [--param NAME=TEXT ...]

It runs `FLOW.py run` as a user would (local datastore and metadata under WORKDIR, no network,
METAFLOW_HOME and USERNAME set by the caller), then reads every task back with Metaflow's client and
writes the dump (see canonical.py). A task's index path is its `_foreach_stack` indexes followed by its
`_iteration_stack` (Metaflow's loop counters), so it names tasks exactly as flowc does.

One documented departure (docs/semantics.md, "join order"): Metaflow gives a static join its inputs
in the order it iterates a `set` of step names, which changes with Python's string hashing from run to
run. Flowc fixes the order: one input per branch of the split, in the split's successor order. The
oracle runs Metaflow with that one choice made the same way (`_order_static_join_inputs`): an order
Metaflow itself may produce, made deterministic, so artifacts that depend on it compare.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import canonical  # noqa: E402  (a sibling file: this script runs outside the test package)


def _order_static_join_inputs() -> None:
    """Patch the runtime so a static join's inputs come in its split's successor order."""
    from metaflow.runtime import NativeRuntime

    original = NativeRuntime._queue_push

    def branch_of(graph: Any, split: Any, step: str) -> int:
        # The branch of `split` a step lies on: the first successor of the split it is reachable from.
        for position, head in enumerate(split.out_funcs):
            seen, todo = set(), [head]
            while todo:
                name = todo.pop()
                if name == step:
                    return position
                if name in seen:
                    continue
                seen.add(name)
                todo.extend(graph[name].out_funcs)
        return len(split.out_funcs)

    def queue_push(self: Any, step: str, task_kwargs: dict[str, Any], index: Any = None) -> Any:
        if task_kwargs.get("join_type") == "linear" and len(task_kwargs.get("input_paths", ())) > 1:
            split = self._graph[self._graph[step].split_parents[-1]]
            paths = list(task_kwargs["input_paths"])
            # An input path is "<run>/<step>/<task id>".
            paths.sort(key=lambda p: branch_of(self._graph, split, p.split("/")[1]))
            task_kwargs = {**task_kwargs, "input_paths": paths}
        return original(self, step, task_kwargs, index)

    NativeRuntime._queue_push = queue_push


def exec_flow(argv: list[str]) -> None:
    """`python metaflow_oracle.py --exec FLOW.py ARGS...`: `python FLOW.py ARGS...`, the runtime patched.

    The flow runs as the `__main__` module with `sys.argv[0]` its own path, so Metaflow imports its CLI
    when the flow does (inside the flow's context: Config options are made from the flow class then)
    and starts every task as `python FLOW.py step ...`, exactly as `python FLOW.py run` would.
    """
    import types

    _order_static_join_inputs()
    path = str(Path(argv[0]).resolve())
    # Metaflow registers some classes on `__main__` when it is imported (ForeachFrame, so pickles name
    # them there): those move to the new module.
    old = sys.modules["__main__"]
    main = types.ModuleType("__main__")
    main.__file__ = path
    for key, value in vars(old).items():
        if isinstance(value, type) and value.__module__ == "__main__":
            setattr(main, key, value)
    sys.modules["__main__"] = main
    sys.argv = [path, *argv[1:]]
    sys.path.insert(0, str(Path(path).parent))
    with open(path) as f:
        source = f.read()
    code = compile(source, path, "exec")
    exec(code, main.__dict__)
    if "__main__" not in source:
        _run_unguarded(main, path)


def _run_unguarded(main: Any, path: str) -> None:
    """Several cases omit Metaflow's `if __name__ == "__main__": TheFlow()`; flowc needs none. Run them
    as if they had it, the most derived flow class of the file, and start their tasks through this
    same entry (a plain `python FLOW.py step` would define the class and do nothing)."""
    from metaflow import FlowSpec, parameters

    flows = [v for v in vars(main).values() if isinstance(v, type) and issubclass(v, FlowSpec)]
    flows = [v for v in flows if v.__module__ == "__main__" and not any(o is not v and issubclass(o, v) for o in flows)]
    if len(flows) != 1:
        return
    cls = flows[0]
    # What FlowSpec.__init__(use_cli=True) does, with the entry point given.
    with parameters.flow_context(cls):
        from metaflow import cli

        cli.main(cls(use_cli=False), entrypoint=[sys.executable, str(Path(__file__).resolve()), "--exec", path])


def _index(task: Any) -> list[int]:
    # Underscore artifacts are hidden from `task.data` but readable by name.
    def artifact(name: str) -> Any:
        return task[name].data if name in task else None

    foreach = [int(frame.index) for frame in (artifact("_foreach_stack") or [])]
    return foreach + [int(i) for i in (artifact("_iteration_stack") or [])]


def dump_run(flow_name: str, run_id: str, ok: bool) -> dict[str, Any]:
    from metaflow import Run, namespace

    namespace(None)
    run = Run(f"{flow_name}/{run_id}")
    tasks: dict[str, Any] = {}
    failed: list[str] = []
    for step in run:
        for task in step:
            # A task @catch caught is finished but not successful (`_success` False): it is a
            # completed task with artifacts, as in flowc. Only an unfinished task failed.
            if not task.finished:
                failed.append(step.id)
                continue
            name = canonical.task_name(step.id, _index(task))
            artifacts = {a.id: a for a in task.artifacts}
            values = {}
            for n in canonical.user_artifacts(list(artifacts)):
                try:
                    value = artifacts[n].data
                except Exception as exc:  # an artifact this process cannot unpickle
                    values[n] = {"unloadable": f"{type(exc).__name__}: {exc}"}
                    continue
                # Metaflow stores the flow's name as the artifact `name`; flowc keeps no such artifact.
                if n == "name" and value == flow_name:
                    continue
                values[n] = canonical.canonical(value)
            if name in tasks:
                raise SystemExit(f"two Metaflow tasks map to {name}: the index mapping is wrong")
            tasks[name] = values
    return {
        "outcome": "ok" if ok else "failed",
        "failed_step": None if ok else (sorted(set(failed)) or [None])[0],
        "tasks": tasks,
    }


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--exec":
        exec_flow(argv[1:])
        return 0
    flow_path, workdir, out = Path(argv[0]).resolve(), Path(argv[1]), Path(argv[2])
    params = [a for a in argv[3:]]
    workdir.mkdir(parents=True, exist_ok=True)
    # Metaflow's local datastore and metadata live under WORKDIR/.metaflow: nothing is shared between
    # flows or with the user's own ~/.metaflow. Read by Metaflow when it is first imported.
    os.environ["METAFLOW_DATASTORE_SYSROOT_LOCAL"] = str(workdir)
    os.environ.setdefault("METAFLOW_HOME", str(workdir / "home"))
    os.environ.setdefault("USERNAME", "conformance")
    run_id_file = workdir / "run-id"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--exec", str(flow_path), "--no-pylint", "run"]
    cmd += ["--run-id-file", str(run_id_file), "--max-workers", "4"]
    for p in params:
        name, _, text = p.partition("=")
        cmd += [f"--{name}", text]
    with (workdir / "metaflow.log").open("w") as log:
        proc = subprocess.run(cmd, cwd=flow_path.parent, stdout=log, stderr=subprocess.STDOUT, check=False)
    if not run_id_file.exists():
        # Metaflow refused the flow before any task ran.
        tail = (workdir / "metaflow.log").read_text()[-3000:]
        out.write_text(json.dumps({"outcome": "refused", "failed_step": None, "tasks": {}, "log": tail}))
        return 0
    flow_name = _flow_name(workdir / "metaflow.log")
    dump = dump_run(flow_name, run_id_file.read_text().strip(), proc.returncode == 0)
    if proc.returncode != 0 and not dump["tasks"] and dump["failed_step"] is None:
        dump["outcome"] = "refused"  # Metaflow stopped before any task ran
    if proc.returncode != 0:
        text = (workdir / "metaflow.log").read_text()
        # A task that failed before it registered is not in the client: its step is in the summary.
        failed = re.findall(r"^\s*Step (\S+) \(task-id \S+\) failed\.", text, re.M)
        if dump["failed_step"] is None and failed:
            dump["failed_step"] = failed[0]
        dump["log"] = text[-3000:]
    out.write_text(json.dumps(dump, sort_keys=True))
    return 0


def _flow_name(log: Path) -> str:
    # Metaflow's first line: "Metaflow 2.19.39 executing <FlowName> for user:<name>".
    for line in log.read_text().splitlines():
        if " executing " in line:
            return line.split(" executing ", 1)[1].split()[0]
    raise SystemExit(f"cannot find the flow's name in {log}")


if __name__ == "__main__":
    os.environ.setdefault("METAFLOW_DEFAULT_DATASTORE", "local")
    os.environ.setdefault("METAFLOW_DEFAULT_METADATA", "local")
    sys.exit(main(sys.argv[1:]))
