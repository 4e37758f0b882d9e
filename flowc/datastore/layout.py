"""Where everything lives in a datastore, as relative keys (`/`-separated, under the root).

Plain string formatting only, so targets can pass orchestrator expressions as arguments
(`task_prefix("f", "{{workflow.name}}", "train", "{{inputs.parameters.i0}}")`) and get the key an
engine will resolve at run time. This layout is stable: changing it breaks deployed flows.

    <flow>/code/<code_id>.tar.gz                         code packages
    <flow>/data/<sha[:2]>/<sha>                          artifacts (pickles), content-addressed
    <flow>/runs/<run_id>/run.json                        run metadata (parameters, status)
    <flow>/runs/<run_id>/steps/<step>/<index or _>/      one task:
        manifest.json                                    written last: the task completed
        output.json                                      {"foreach_count": N} / {"switch_case": c} / {}
        foreach-items.json                               [0, 1, ..., N-1] after a foreach split
    <flow>/runs/<run_id>/logs/<step>/<index or _>/attempt-<n>.log   task logs (`flowc run`)
"""

from __future__ import annotations

NO_INDEX = "_"


def index_part(index: str) -> str:
    """The path segment of a foreach index path: "" (outside any foreach) becomes "_"."""
    return index if index else NO_INDEX


def run_prefix(flow: str, run_id: str) -> str:
    return f"{flow}/runs/{run_id}"


def run_meta_key(flow: str, run_id: str) -> str:
    return f"{run_prefix(flow, run_id)}/run.json"


def task_prefix(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{run_prefix(flow, run_id)}/steps/{step}/{index_part(index)}"


def manifest_key(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{task_prefix(flow, run_id, step, index)}/manifest.json"


def output_key(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{task_prefix(flow, run_id, step, index)}/output.json"


def foreach_items_key(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{task_prefix(flow, run_id, step, index)}/foreach-items.json"


def log_key(flow: str, run_id: str, step: str, index: str = "", attempt: str = "0") -> str:
    return f"{run_prefix(flow, run_id)}/logs/{step}/{index_part(index)}/attempt-{attempt}.log"


def data_key(flow: str, sha: str) -> str:
    return f"{flow}/data/{sha[:2]}/{sha}"


def code_key(flow: str, code_id: str) -> str:
    return f"{flow}/code/{code_id}.tar.gz"
