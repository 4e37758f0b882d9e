"""Names Step Functions accepts: at most 80 characters, shortened with a hash when longer.

A shortened name keeps a readable prefix and ends with a hash of the full name, so two long names
that share a prefix never collide; the state's `Comment` keeps the full name for people.
"""

from __future__ import annotations

import hashlib
import re

MAX_NAME = 80
_HASH_LEN = 10
# State machine names: letters, digits, '-' and '_' (no spaces or other punctuation).
_MACHINE_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def shorten(name: str, limit: int = MAX_NAME) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:_HASH_LEN]
    return f"{name[: limit - _HASH_LEN - 1]}~{digest}"


def machine_name(name: str) -> str:
    return shorten(_MACHINE_UNSAFE.sub("-", name))


def state(step: str, role: str = "") -> str:
    """The state for `step` (its task), or one of its helper states (`step.role`).

    Step names are Python identifiers, so a '.' can never make a helper collide with a step.
    """
    return shorten(f"{step}.{role}" if role else step)


def helper(role: str) -> str:
    """A state of flowc's own that belongs to no step (e.g. reading the parameters)."""
    return shorten(f"flowc.{role}")
