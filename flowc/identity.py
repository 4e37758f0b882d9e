"""Who runs a flow, and the tags a run carries: the user, the namespace, system and user tags.

Metaflow's rules, so runs are found the way a Metaflow user expects (`namespace`, `Run.tags`,
`current.namespace`):

- the **user** is the first of `FLOWC_USER`, `METAFLOW_USER`, `SUDO_USER`, `USERNAME`, `USER` that is
  set and is not `root` (a container's root is nobody in particular), else unknown (None);
- a run's **namespace** is `production:<token>` where a production token is set (`FLOWC_PRODUCTION_TOKEN`
  or `METAFLOW_PRODUCTION_TOKEN`, as deployed tasks have), else `user:<user>`, else None;
- a run's **system tags** are its namespace tag, `runtime:<name>` (`dev` for `flowc run`; an
  orchestrator's name where its tasks set `FLOWC_RUNTIME`), `python_version:<x.y.z>`,
  `flowc_version:<v>`, and with `@project`, `project:<name>` and `project_branch:<branch>`;
- **user tags** are those given with `--tag`; `FLOWC_RUN_TAGS` (a JSON list) carries them to the tasks.

Reads the environment only; never prints.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping

USER_VARS = ("FLOWC_USER", "METAFLOW_USER", "SUDO_USER", "USERNAME", "USER")
TOKEN_VARS = ("FLOWC_PRODUCTION_TOKEN", "METAFLOW_PRODUCTION_TOKEN")
RUNTIME_VAR = "FLOWC_RUNTIME"
TAGS_VAR = "FLOWC_RUN_TAGS"
# Metaflow's limits on user tags.
MAX_TAG_LENGTH = 500
MAX_USER_TAGS = 50


class TagError(ValueError):
    """A user tag that cannot be used."""


def username(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    for var in USER_VARS:
        user = env.get(var)
        if user and user != "root":
            return user
    return None


def production_token(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    for var in TOKEN_VARS:
        if env.get(var):
            return env[var]
    return None


def namespace_tag(env: Mapping[str, str] | None = None) -> str | None:
    """`production:<token>`, `user:<name>`, or None when neither is known."""
    token = production_token(env)
    if token:
        return f"production:{token}"
    user = username(env)
    return f"user:{user}" if user else None


def runtime(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return env.get(RUNTIME_VAR) or None


def check_user_tags(tags: Iterable[str]) -> list[str]:
    """The tags, in order and without repeats; TagError for an empty or too long tag, or too many."""
    out: list[str] = []
    for tag in tags:
        if not isinstance(tag, str) or not tag:
            raise TagError(f"tag {tag!r}: a tag is a non-empty string")
        if len(tag) > MAX_TAG_LENGTH:
            raise TagError(f"tag {tag[:40]!r}...: a tag has at most {MAX_TAG_LENGTH} characters")
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_USER_TAGS:
        raise TagError(f"{len(out)} tags: a run has at most {MAX_USER_TAGS}")
    return out


def user_tags(env: Mapping[str, str] | None = None) -> list[str]:
    """The user tags handed to a task in `FLOWC_RUN_TAGS` (none when unset or unreadable)."""
    env = os.environ if env is None else env
    try:
        tags = json.loads(env.get(TAGS_VAR, "[]"))
    except ValueError:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def system_tags(
    env: Mapping[str, str] | None = None, project: str | None = None, branch: str | None = None
) -> list[str]:
    from flowc import __version__

    tags = [t for t in (namespace_tag(env),) if t]
    rt = runtime(env)
    if rt:
        tags.append(f"runtime:{rt}")
    tags.append("python_version:{}.{}.{}".format(*sys.version_info[:3]))
    tags.append(f"flowc_version:{__version__}")
    if project:
        tags.append(f"project:{project}")
        if branch:
            tags.append(f"project_branch:{branch}")
    return sorted(tags)
