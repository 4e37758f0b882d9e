"""Kubernetes and Argo names for a flow's objects: DNS-1123 labels, readable and stable.

Argo turns names into pod names and label values, so every name here is a DNS-1123 label: lowercase
alphanumerics and '-', starting and ending with an alphanumeric. Names that are too long, or that
would collide once lowered, keep a readable prefix and end in a short hash of the original, so the
same flow always gets the same names. The original names travel in annotations and arguments.
"""

from __future__ import annotations

import hashlib
import re

LABEL_MAX = 63
# Argo names a workflow submitted from a template `<template>-xxxxx` (5 random characters) and uses it
# as a label value, so a template name leaves room for that suffix.
WORKFLOW_TEMPLATE_MAX = LABEL_MAX - 6
# A CronWorkflow's workflows are named `<cron>-<unix time>`: past 52 characters they never start.
CRON_WORKFLOW_MAX = 52
HASH_LENGTH = 6

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_LABEL = re.compile(r"[^a-z0-9]+")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
# Characters whose loss the readable form can afford: case and separators. Anything else (`Ä`, `ö`,
# `@`) vanishes from it, so such a name always ends in a hash (`ÄFlow` and `ÖFlow` stay apart).
_PLAIN = re.compile(r"^[A-Za-z0-9_./-]*$")


# Words Argo's expression language (expr) reads as something other than a task name in `depends`
# (where each '-' becomes '_'): its operators and literals, in every version.
_KEYWORDS = "not in and or matches contains startsWith endsWith let if else true false nil"
EXPR_KEYWORDS = frozenset(_KEYWORDS.split())
# The builtin functions of expr 1.15 (Argo 3.5.0-3.5.4), which shadowed a task of the same name, so
# that `depends: split` failed to parse (Argo issue 12037; fixed by expr 1.16 in Argo 3.5.5).
_BUILTINS_115 = (
    "all none any one filter map find findIndex findLast findLastIndex count groupBy reduce len type abs "
    "ceil floor round int float string trim trimPrefix trimSuffix upper lower split splitAfter replace "
    "repeat join indexOf lastIndexOf hasPrefix hasSuffix max min sum mean median toJSON fromJSON now "
    "duration date first last get take keys values toPairs fromPairs sort sortBy"
)
EXPR_115_BUILTINS = frozenset(_BUILTINS_115.split())


def short_hash(text: str, length: int = HASH_LENGTH) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:length]


def is_label(name: str, limit: int = LABEL_MAX) -> bool:
    return len(name) <= limit and bool(_LABEL.match(name))


def readable(text: str) -> str:
    """`DailySalesETL` -> `daily-sales-etl`, `clean_orders` -> `clean-orders` (maybe empty)."""
    return _NOT_LABEL.sub("-", _CAMEL.sub("-", text).lower()).strip("-")


def label(text: str, limit: int = LABEL_MAX, force_hash: bool = False) -> str:
    """A DNS-1123 label for `text`, at most `limit` characters.

    The readable form is kept whole when it fits; otherwise (or with `force_hash`) a prefix of it is
    followed by a hash of `text` itself, so distinct inputs stay distinct.
    """
    base = readable(text)
    if base and len(base) <= limit and not force_hash and _PLAIN.match(text):
        return base
    digest = short_hash(text)
    prefix = base[: limit - HASH_LENGTH - 1].rstrip("-")
    return f"{prefix}-{digest}" if prefix else f"x{digest}"


class Namer:
    """Gives each original name a distinct label within one namespace (tasks, or templates).

    Collisions (`a_b` and `a__b` both read `a-b`) are resolved by hashing every name involved in one,
    not just the later one, so a name does not change with the order names are asked for.
    """

    def __init__(
        self,
        originals: list[str],
        limit: int = LABEL_MAX,
        reserved: tuple[str, ...] = (),
        avoid: frozenset[str] = frozenset(),
    ) -> None:
        wanted = {o: label(o, limit) for o in originals}
        counts: dict[str, int] = {}
        for name in [*wanted.values(), *reserved]:
            counts[name] = counts.get(name, 0) + 1
        self.names = {}
        for o, n in wanted.items():
            if counts[n] > 1 or _avoided(n, avoid):
                n = label(o, limit, force_hash=True)
                if avoid and n[:1].isdigit():
                    n = "x" + n[: limit - 1]
            self.names[o] = n

    def __getitem__(self, original: str) -> str:
        return self.names[original]

    def __contains__(self, original: object) -> bool:
        return original in self.names

    def renamed(self) -> dict[str, str]:
        """Originals whose label is not just their readable form: what an annotation should record."""
        return {n: o for o, n in sorted(self.names.items()) if n != readable(o)}


def _avoided(name: str, avoid: frozenset[str]) -> bool:
    # Compared as `depends` reads it: a label's '-' is '_' there, and a leading digit starts a number.
    return name.replace("-", "_") in avoid or (bool(avoid) and name[:1].isdigit())


def task_namer(originals: list[str], argo_version: str) -> Namer:
    """Names for the tasks of one DAG: labels that `depends` reads as task names on `argo_version`
    (a task named like a word of the expression language gets a hash: `split` -> `split-<hash>`)."""
    avoid = EXPR_KEYWORDS | (EXPR_115_BUILTINS if argo_version == "3.5" else frozenset())
    return Namer(originals, avoid=avoid)
