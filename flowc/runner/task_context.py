"""What a task knows about itself and its run: `current`, and the run's tags recorded by the start task.

The start task of every run records the run's user, user tags and system tags in its manifest
(`"run"`), so runs an orchestrator started can be found by namespace and tag as `flowc run`'s can
(`flowc run` also writes them to run.json). See flowc.identity for the rules.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from flowc import identity
from flowc import project_names as project_mod
from flowc.current import current
from flowc.datastore.store import FlowDatastore
from flowc.ir import Flow

ORIGIN_VAR = "FLOWC_ORIGIN_RUN_ID"


def run_record(flow: Flow, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The run's user, user tags and system tags, from the environment the run was started in."""
    env = os.environ if env is None else env
    names = project_names(flow, env)
    return {
        "user": identity.username(env),
        "tags": identity.user_tags(env),
        "system_tags": identity.system_tags(
            env, names.project_name if names else None, names.branch_name if names else None
        ),
    }


def project_names(flow: Flow, env: Mapping[str, str] | None = None) -> project_mod.ProjectNames | None:
    """The @project names of this run (None without @project). ProjectError for a bad name."""
    if not flow.project:
        return None
    return project_mod.from_env(flow.name, flow.project, env)


class _Parameters(Mapping[str, Any]):
    """`current.parameters`: parameter values by name, loaded on first use."""

    def __init__(self, obj: Any, attrs: dict[str, str]) -> None:
        self._obj = obj
        self._attrs = attrs

    def __getitem__(self, name: str) -> Any:
        return getattr(self._obj, self._attrs[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._attrs)

    def __len__(self) -> int:
        return len(self._attrs)


def set_current(
    flow: Flow, *, run_id: str, step: str, index: tuple[int, ...], attempt: int, obj: Any, store: FlowDatastore
) -> None:
    """Fill in `current` for the task about to run (ProjectError for a bad @project name)."""
    index_path = ".".join(str(i) for i in index)
    env = os.environ

    def tags() -> frozenset[str]:
        if identity.TAGS_VAR in env or step == flow.start_step:
            return frozenset(identity.user_tags(env))
        start = store.read_manifest(run_id, flow.start_step)
        record = (start or {}).get("run") or {}
        return frozenset(t for t in record.get("tags", []) if isinstance(t, str))

    current._set(
        lazy={"tags": tags},
        flow_name=flow.name,
        run_id=run_id,
        step_name=step,
        task_id=index_path or "_",
        retry_count=attempt,
        origin_run_id=env.get(ORIGIN_VAR) or None,
        namespace=identity.namespace_tag(env),
        username=identity.username(env),
        # Metaflow counts configs among the parameters here.
        parameter_names=[p.name for p in flow.parameters] + [c.name for c in flow.configs],
        parameters=_Parameters(obj, {p.name: p.attr for p in flow.parameters}),
        index_path=index_path,
        foreach_index=index,
        project=project_names(flow, env),
        datastore=store.storage.root,
        is_running_flow=True,
    )


def local_run_env(
    tags: list[str], branch: str | None = None, production: bool = False, origin_run_id: str | None = None
) -> dict[str, str]:
    """The environment `flowc run` gives its tasks: runtime `dev`, the run's `--tag`s, the @project
    branch choice and, for a resumed run, the run it resumes."""
    env = {identity.RUNTIME_VAR: "dev", identity.TAGS_VAR: json.dumps(tags)}
    if branch:
        env[project_mod.BRANCH_VAR] = branch
    if production:
        env[project_mod.PRODUCTION_VAR] = "1"
    if origin_run_id:
        env[ORIGIN_VAR] = origin_run_id
    return env


def write_card(cls: type, flow: Flow, step: str, index: str, manifest: Mapping[str, Any], store: FlowDatastore) -> None:
    """After the task completed: its default card, when the step has `@card` or the run asked for
    cards. A card that cannot be made is a line in the task's log, never a failed task."""
    from flowc import cards

    if not cards.wanted(getattr(cls, step, None)):
        return
    try:
        cards.write(flow, step, index, manifest, store)
    except Exception as exc:
        sys.stderr.write(
            f"flowc: the card of task {step}/{index or '_'} could not be made: {type(exc).__name__}: {exc}\n"
        )
