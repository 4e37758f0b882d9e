"""Run by Metaflow's own Python (never imports flowc): every task's artifacts of a flow's latest run,
as JSON, keyed by step and index path, for tools/measure_metaflow_compat.py to compare with flowc's.

    python tools/metaflow_dump.py FLOW_NAME     (in the folder whose .metaflow holds the run)
"""

import json
import sys

from metaflow import Flow, namespace


def plain(value):
    if type(value).__name__ == "MetaflowExceptionWrapper":
        # @catch's wrapper: its type and message (the tracebacks name each tool's own files, as does the
        # stack listing a @timeout's message ends with).
        message = str(getattr(value, "exception", "")).partition("\nStack when the timeout was raised:\n")[0]
        return {"caught": str(getattr(value, "type", "")), "message": message}
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError):
        return {"repr": repr(value)[:500]}


def index_path(task):
    # flowc's task identity: foreach indexes, then loop iterations (Metaflow's _iteration_stack).
    parts = []
    for name in ("_foreach_stack", "_iteration_stack"):
        try:
            stack = task[name].data
        except KeyError:
            continue
        parts += [str(getattr(frame, "index", frame)) for frame in stack]
    return ".".join(parts)


def main(name):
    namespace(None)
    run = Flow(name).latest_run
    out = {"run": run.id, "successful": run.successful, "tasks": {}}
    for step in run:
        for task in step:
            if not task.finished:
                continue
            # Metaflow stores the flow's name as an artifact `name` in every task (unless a step set it).
            arts = {a.id: plain(a.data) for a in task if not a.id.startswith("_")}
            if arts.get("name") == name:
                del arts["name"]
            out["tasks"][f"{step.id}/{index_path(task)}"] = arts
    json.dump(out, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
