"""`current`: what a running task knows about itself, with Metaflow's attribute names.

The runner fills it in before a step runs (`current._set(...)`). Outside a task every attribute is
None and `is_running_flow` is False, as in Metaflow. Attributes Metaflow documents that have no
meaning under flowc (`current.card`, `current.parallel`, ...) raise `UnsupportedAttribute`, an
AttributeError naming the attribute, so `hasattr(current, "card")` is False and a step that uses one
fails saying why rather than with a bare AttributeError. `@project` attributes exist only for a flow
with `@project`, as in Metaflow.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

# Metaflow attributes flowc does not provide, with what to do instead.
UNSUPPORTED: Mapping[str, str] = {
    "card": "flowc writes a default card per task for @card (flowc card view); custom card content is not supported",
    "parallel": "@parallel (multi-node steps) is not supported",
    "trigger": "event triggers (@trigger, @trigger_on_finish) are not supported",
    "graph": "read the flow's graph with `flowc show --format json`",
    "checkpoint": "@checkpoint is not supported",
    "model": "@model is not supported",
    "is_user_branch_deploy": "not supported",
    "spin": "`spin` is not supported",
}
_PROJECT = ("project_name", "branch_name", "project_flow_name", "is_production", "is_user_branch")


class UnsupportedAttribute(AttributeError):
    """A Metaflow `current` attribute flowc does not provide."""


class Current:
    """`current`. See the module docstring; docs/metaflow.md lists every attribute."""

    def __init__(self) -> None:
        self._info: dict[str, Any] = {}
        self._lazy: dict[str, Callable[[], Any]] = {}

    def _set(self, lazy: Mapping[str, Callable[[], Any]] | None = None, **info: Any) -> None:
        """Called by the runner: `info` values as they are, `lazy` ones computed on first read."""
        self._info = dict(info)
        self._lazy = dict(lazy or {})

    def _get(self, name: str) -> Any:
        if name in self._lazy:
            self._info[name] = self._lazy.pop(name)()
        return self._info.get(name)

    # -- the task --------------------------------------------------------------------------------

    @property
    def is_running_flow(self) -> bool:
        return bool(self._info.get("is_running_flow", False))

    @property
    def flow_name(self) -> str | None:
        return self._get("flow_name")

    @property
    def run_id(self) -> str | None:
        return self._get("run_id")

    @property
    def step_name(self) -> str | None:
        return self._get("step_name")

    @property
    def task_id(self) -> str | None:
        """The task's id within its step: its index path (`3`, `2.1`), or `_` outside any foreach."""
        return self._get("task_id")

    @property
    def pathspec(self) -> str | None:
        """`Flow/run_id/step/task_id`."""
        parts = (self.flow_name, self.run_id, self.step_name, self.task_id)
        return None if any(p is None for p in parts) else "/".join(str(p) for p in parts)

    @property
    def retry_count(self) -> int | None:
        return self._get("retry_count")

    @property
    def origin_run_id(self) -> str | None:
        """The run this run was resumed from (`flowc resume`), else None."""
        return self._get("origin_run_id")

    @property
    def namespace(self) -> str | None:
        """`user:<name>` or `production:<token>` (docs/metaflow.md, "Namespaces")."""
        return self._get("namespace")

    @property
    def username(self) -> str | None:
        return self._get("username")

    @property
    def tags(self) -> frozenset[str] | None:
        """The run's user tags (`--tag`); the system tags are on `current.run.system_tags`."""
        return self._get("tags")

    @property
    def parameter_names(self) -> list[str] | None:
        return self._get("parameter_names")

    @property
    def parameters(self) -> Mapping[str, Any] | None:
        """flowc's own: parameter values by name."""
        return self._get("parameters")

    @property
    def index_path(self) -> str | None:
        """flowc's own: the task's index path, dot-joined ("" outside any foreach or loop)."""
        return self._get("index_path")

    @property
    def foreach_index(self) -> tuple[int, ...] | None:
        """flowc's own: the task's index path as a tuple."""
        return self._get("foreach_index")

    @property
    def tempdir(self) -> str | None:
        """A folder for temporary files (`FLOWC_TEMPDIR`, else the working directory, as Metaflow's default)."""
        return os.environ.get("FLOWC_TEMPDIR", ".") if self.is_running_flow else None

    @property
    def task(self) -> Any:
        """The running task as a client object (`flowc.client.Task`)."""
        if self.pathspec is None:
            return None
        from flowc.client import Task

        return Task(self.pathspec, _namespace_check=False, datastore=self._info.get("datastore"))

    @property
    def run(self) -> Any:
        """The running run as a client object (`flowc.client.Run`)."""
        if self.flow_name is None or self.run_id is None:
            return None
        from flowc.client import Run

        return Run(f"{self.flow_name}/{self.run_id}", _namespace_check=False, datastore=self._info.get("datastore"))

    # -- @project --------------------------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Only reached for names that are not properties above.
        if name.startswith("__"):
            raise AttributeError(name)
        if name in _PROJECT:
            project = self.__dict__.get("_info", {}).get("project")
            if project is None:
                running = self.__dict__.get("_info", {}).get("is_running_flow")
                why = "the flow has no @project" if running else "no flow is running"
                raise AttributeError(f"current.{name}: {why}")
            return getattr(project, name)
        if name in UNSUPPORTED:
            raise UnsupportedAttribute(f"current.{name} is not supported by flowc: {UNSUPPORTED[name]}")
        raise AttributeError(f"current has no attribute {name!r}")

    def __contains__(self, name: str) -> bool:
        return getattr(self, name, None) is not None

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self, name, default)

    def __repr__(self) -> str:
        return f"<current {self.pathspec or '(not in a task)'}>"


current = Current()
