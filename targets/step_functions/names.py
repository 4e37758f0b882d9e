"""Names Step Functions accepts: at most 80 characters, shortened with a hash when longer.

A shortened name keeps a readable prefix and ends with a hash of the full name, so two long names
that share a prefix never collide; the state's `Comment` keeps the full name for people.
"""

from __future__ import annotations

import hashlib
import re

from flowc import project_names

MAX_NAME = 80
_HASH_LEN = 10
# State machine names: ASCII letters, digits, '-', '_' and '.' (the dots of `project.branch.Flow`).
# AWS allows more, but names outside this set are not usable with CloudWatch Logs or in an ARN
# people can type; anything else makes the name end in a hash of the original.
_MACHINE_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


def shorten(name: str, limit: int = MAX_NAME) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_LEN]
    return f"{name[: limit - _HASH_LEN - 1]}~{digest}"


def machine_name(name: str) -> str:
    """The state machine (and schedule) name for a deployed name (`flowc.project_names.deployed_name`)."""
    return project_names.fit(name, _MACHINE_UNSAFE, MAX_NAME)


def state(step: str, role: str = "") -> str:
    """The state for `step` (its task), or one of its helper states (`step.role`).

    Step names are Python identifiers, so a '.' can never make a helper collide with a step.
    """
    return shorten(f"{step}.{role}" if role else step)


def helper(role: str) -> str:
    """A state of flowc's own that belongs to no step (e.g. reading the parameters)."""
    return shorten(f"flowc.{role}")
