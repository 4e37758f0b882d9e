"""Where everything lives in a datastore, as relative keys (`/`-separated, under the root).

Plain string formatting only, so targets can pass orchestrator expressions as arguments
(`task_prefix("f", "{{workflow.name}}", "train", "{{inputs.parameters.i0}}")`) and get the key an
engine will resolve at run time. This layout is stable: changing it breaks deployed flows.

    <flow>/code/<code_id>.tar.gz                         code packages
    <flow>/data/<sha[:2]>/<sha>                          artifacts (pickles), content-addressed
    <flow>/runs/<run_id>/run.json                        run metadata (parameters, status, owner)
    <flow>/runs/<run_id>/heartbeat.json                  rewritten every few seconds while `flowc run` runs
    <flow>/runs/<run_id>/steps/<step>/<index or _>/      one task:
        manifest.json                                    written last: the task completed
        output.json                                      {"foreach_count": N} / {"switch_case": c} / {}
        foreach-items.json                               [0, 1, ..., N-1] after a foreach split
    <flow>/runs/<run_id>/logs/<step>/<index or _>/attempt-<n>.log   task logs (`flowc run`)
    <flow>/runs/<run_id>/cards/<step>/<index or _>/<type>.html      task cards (`@card`)
"""

from __future__ import annotations

NO_INDEX = "_"


def index_part(index: str) -> str:
    """The path segment of a foreach index path: "" (outside any foreach) becomes "_"."""
    return index if index else NO_INDEX


def runs_prefix(flow: str) -> str:
    return f"{flow}/runs"


def run_prefix(flow: str, run_id: str) -> str:
    return f"{runs_prefix(flow)}/{run_id}"


def steps_prefix(flow: str, run_id: str) -> str:
    return f"{run_prefix(flow, run_id)}/steps"


def run_meta_key(flow: str, run_id: str) -> str:
    return f"{run_prefix(flow, run_id)}/run.json"


def heartbeat_key(flow: str, run_id: str) -> str:
    return f"{run_prefix(flow, run_id)}/heartbeat.json"


def task_prefix(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{steps_prefix(flow, run_id)}/{step}/{index_part(index)}"


def manifest_key(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{task_prefix(flow, run_id, step, index)}/manifest.json"


def task_of_manifest_key(flow: str, run_id: str, key: str) -> tuple[str, str] | None:
    """The inverse of `manifest_key`: `(step, index)` of a run's manifest key, None for any other key."""
    head = f"{steps_prefix(flow, run_id)}/"
    if not key.startswith(head) or not key.endswith("/manifest.json"):
        return None
    parts = key[len(head) : -len("/manifest.json")].split("/")
    if len(parts) != 2 or not all(parts):
        return None
    step, part = parts
    return step, "" if part == NO_INDEX else part


def output_key(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{task_prefix(flow, run_id, step, index)}/output.json"


def foreach_items_key(flow: str, run_id: str, step: str, index: str = "") -> str:
    return f"{task_prefix(flow, run_id, step, index)}/foreach-items.json"


def log_key(flow: str, run_id: str, step: str, index: str = "", attempt: str = "0") -> str:
    return f"{run_prefix(flow, run_id)}/logs/{step}/{index_part(index)}/attempt-{attempt}.log"


def card_key(flow: str, run_id: str, step: str, index: str = "", card_type: str = "default") -> str:
    return f"{run_prefix(flow, run_id)}/cards/{step}/{index_part(index)}/{card_type}.html"


def data_key(flow: str, sha: str) -> str:
    return f"{flow}/data/{sha[:2]}/{sha}"


def code_key(flow: str, code_id: str) -> str:
    return f"{flow}/code/{code_id}.tar.gz"
