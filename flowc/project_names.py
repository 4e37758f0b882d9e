"""`@project` names: Metaflow's branch rule, in one place for `current`, run tags and deployed names.

    @project(name="fraud")         branch          project_flow_name
    (default)                      user.<user>     fraud.user.<user>.TrainFlow
    --branch exp                   test.exp        fraud.test.exp.TrainFlow
    --production                   prod            fraud.prod.TrainFlow
    --production --branch b2       prod.b2         fraud.prod.b2.TrainFlow

The branch and production choice reach the tasks of a run as `FLOWC_BRANCH` and `FLOWC_PRODUCTION`
("1"), so every task of every engine names itself the same way.

Deploying on the default branch needs to know who deploys (`flowc.identity.username`): as Metaflow
refuses an unknown user, `branch_name` refuses to make one up (two unknown deployers would otherwise
share `user.unknown` and replace each other's deployment). A local run with no known user keeps
running, on `user.unknown`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from flowc import identity

BRANCH_VAR = "FLOWC_BRANCH"
PRODUCTION_VAR = "FLOWC_PRODUCTION"
# Metaflow's limits: other systems that see these names rely on them.
_INVALID = re.compile(r"[^a-z0-9_]")
MAX_NAME_LENGTH = 128


class ProjectError(ValueError):
    """A project or branch name Metaflow's rule refuses."""


@dataclass(frozen=True)
class ProjectNames:
    project_name: str
    branch_name: str
    project_flow_name: str
    is_production: bool
    is_user_branch: bool


def _check(what: str, name: str) -> None:
    if _INVALID.search(name):
        raise ProjectError(f"{what} {name!r}: use only lowercase letters, digits and underscores")
    if len(name) > MAX_NAME_LENGTH:
        raise ProjectError(f"{what} {name[:40]!r}...: at most {MAX_NAME_LENGTH} characters")


def names(
    flow_name: str, project: str, branch: str | None = None, production: bool = False, user: str | None = None
) -> ProjectNames:
    """The branch and the project-qualified flow name. ProjectError for a name the rule refuses."""
    if not project:
        raise ProjectError("@project needs a name: @project(name='some_name')")
    _check("@project name", project)
    if branch:
        _check("branch", branch)
        full = f"prod.{branch}" if production else f"test.{branch}"
    elif production:
        full = "prod"
    else:
        full = f"user.{user or 'unknown'}"
    return ProjectNames(project, full, f"{project}.{full}.{flow_name}", production, not branch and not production)


def from_env(flow_name: str, project: str, env: Mapping[str, str] | None = None) -> ProjectNames:
    """The names for a task: branch and production as the run was started with (`FLOWC_BRANCH`,
    `FLOWC_PRODUCTION`), the user from `flowc.identity`."""
    env = os.environ if env is None else env
    production = env.get(PRODUCTION_VAR, "") not in ("", "0", "false")
    return names(flow_name, project, env.get(BRANCH_VAR) or None, production, identity.username(env))


# -- what deploying needs: the branch of a deployment and the names engines accept -------------------


UNKNOWN_DEPLOYER = (
    "@project deploys on the branch user.<who deploys> unless told otherwise, and who deploys is not known "
    "here (FLOWC_USER, METAFLOW_USER, SUDO_USER, USERNAME and USER are unset or root): set FLOWC_USER=<name>, "
    "or deploy a named branch with --branch NAME or --production"
)


def branch_name(branch: str | None = None, production: bool = False, user: str | None = None) -> str:
    """The branch a deployment runs on (`user.<user>`, `test.<b>`, `prod`, `prod.<b>`); the user is
    `flowc.identity.username()` unless given. ProjectError for a branch the rule refuses, and for the
    default user branch when no user is known (UNKNOWN_DEPLOYER)."""
    user = user or identity.username()
    if not branch and not production and not user:
        raise ProjectError(UNKNOWN_DEPLOYER)
    return names("Flow", "project", branch, production, user).branch_name


def deployed_name(flow_name: str, project: str | None, branch: str | None = None) -> str:
    """`project.branch.Flow` for a flow with @project (`branch` from `branch_name`; None: the default
    user branch), else the flow's own name. ProjectError as `branch_name`."""
    if not project:
        return flow_name
    return f"{project}.{branch if branch is not None else branch_name()}.{flow_name}"


def branch_env(branch: str) -> dict[str, str]:
    """The task environment (`FLOWC_BRANCH`, `FLOWC_PRODUCTION`, `FLOWC_USER`) that `from_env` reads
    back as `branch`: how a deployed task's `flowc step --branch` reaches `current`."""
    kind, _, rest = branch.partition(".")
    if kind == "user" and rest:
        return {"FLOWC_USER": rest}
    if kind == "test" and rest:
        return {BRANCH_VAR: rest}
    if kind == "prod":
        return {PRODUCTION_VAR: "1", **({BRANCH_VAR: rest} if rest else {})}
    raise ProjectError(f"branch {branch!r}: expected user.<name>, test.<branch>, prod or prod.<branch>")


HASH_LENGTH = 8


def short_hash(text: str, length: int = HASH_LENGTH) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def fit(text: str, unsafe: re.Pattern[str], limit: int, fill: str = "-") -> str:
    """`text` as a name an engine accepts: characters `unsafe` matches become `fill`.

    When anything was replaced (`ÄFlow` and `ÖFlow` would both read `-Flow`) or the name is longer
    than `limit`, a readable prefix is kept and a hash of the whole of `text` ends the name, so two
    different names never become the same one.
    """
    safe = unsafe.sub(fill, text)
    if safe == text and len(text) <= limit:
        return text
    digest = short_hash(text)
    prefix = safe[: limit - len(digest) - 1].strip(fill + ".")
    return f"{prefix}{fill}{digest}" if prefix else digest
