"""`--with`: add a decorator to every step at run or compile time, Metaflow's way.

    flowc run flow.py --with retry
    flowc run flow.py --with retry:times=2,minutes_between_retries=0 --with catch
    flowc compile flow.py -t argo --with "resources:cpu=2,memory=8192"
    python flow.py run --with timeout:minutes=30

A spec is `name` or `name:key=value,key=value`; a value is read as JSON when it parses (numbers,
`{"A": "1"}`), else as text, as Metaflow reads it. Each decorator goes to every step that does not
already have it (a step's own decorator wins), checked exactly as the same decorator written in the
source. `kubernetes` and `batch` mean what they mean in source under flowc: resources and an image.
`card` makes every task write its default card (flowc.cards), through the steps' environment
(`FLOWC_CARD=default`), so it holds on every target. An IR -> IR pass: nothing else changes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from flowc.ir import CatchPolicy, Decorators, Flow, Resources, RetryPolicy

SUPPORTED = ("retry", "catch", "timeout", "resources", "kubernetes", "batch", "environment", "image", "card")
# `--with card`: every task writes its default card (flowc.cards); the tasks learn it from this
# variable, which every target and `flowc run` set from the steps' environment.
CARD_ENV = ("FLOWC_CARD", "default")


class DecoSpecError(ValueError):
    """A `--with` value that names no supported decorator or gives it a bad argument."""


@dataclass(frozen=True)
class DecoSpec:
    name: str
    args: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        if not self.args:
            return self.name
        return self.name + ":" + ",".join(f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in self.args)


def _value(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse(spec: str) -> DecoSpec:
    """One `--with` value. DecoSpecError, naming what is allowed, for anything else."""
    from flowc.analyzer.decorators import ARGS, Invalid

    name, _, rest = spec.strip().partition(":")
    name = name.strip()
    if name not in SUPPORTED:
        raise DecoSpecError(f"--with {spec!r}: flowc adds {', '.join(SUPPORTED)} this way")
    args: dict[str, Any] = {}
    if rest.strip():
        # Split on commas that start a new `key=`, so a JSON value may hold commas.
        for part in re.split(r",(?=\s*\w+\s*=)", rest):
            key, eq, raw = part.partition("=")
            key = key.strip()
            if not eq or not key:
                raise DecoSpecError(f"--with {spec!r}: write {name}:key=value,key=value")
            args[key] = _value(raw)
    if name == "card":
        if args.get("type", "default") != "default":
            raise DecoSpecError(f"--with {spec!r}: flowc makes the default card only")
        return DecoSpec(name)
    allowed = ARGS[name]
    checked: dict[str, Any] = {}
    for key, value in args.items():
        if key not in allowed:
            raise DecoSpecError(f"--with {spec!r}: @{name} has no argument {key!r}; it takes: {', '.join(allowed)}")
        try:
            checked[key] = allowed[key](value)
        except Invalid as exc:
            raise DecoSpecError(f"--with {spec!r}: {key} {exc}") from None
    if name == "timeout" and not any(checked.get(k) for k in ("seconds", "minutes", "hours")):
        raise DecoSpecError(f"--with {spec!r}: @timeout needs a duration, e.g. timeout:minutes=30")
    return DecoSpec(name, tuple(sorted(checked.items())))


def parse_all(specs: Iterable[str]) -> list[DecoSpec]:
    return [parse(s) for s in specs]


def _add(decos: Decorators, spec: DecoSpec) -> Decorators:
    a = dict(spec.args)
    if spec.name == "retry" and decos.retry is None:
        return replace(decos, retry=RetryPolicy(a.get("times", 3), a.get("minutes_between_retries", 2)))
    if spec.name == "catch" and decos.catch is None:
        return replace(decos, catch=CatchPolicy(a.get("var"), a.get("print_exception", True)))
    if spec.name == "timeout" and decos.timeout_seconds is None:
        total = a.get("seconds", 0) + 60 * a.get("minutes", 0) + 3600 * a.get("hours", 0)
        return replace(decos, timeout_seconds=total)
    if spec.name in ("resources", "kubernetes", "batch"):
        out = decos
        if decos.resources is None:
            out = replace(out, resources=Resources(a.get("cpu"), a.get("memory"), a.get("gpu"), a.get("disk")))
        if "image" in a and decos.image is None:
            out = replace(out, image=a["image"])
        return out
    if spec.name == "environment" and not decos.environment:
        return replace(decos, environment=tuple(sorted(a.get("vars", {}).items())))
    if spec.name == "image" and decos.image is None and "image" in a:
        return replace(decos, image=a["image"])
    if spec.name == "card" and CARD_ENV[0] not in decos.env:
        return replace(decos, environment=tuple(sorted({**decos.env, CARD_ENV[0]: CARD_ENV[1]}.items())))
    return decos


def apply(flow: Flow, specs: Iterable[DecoSpec]) -> Flow:
    """The flow with each spec's decorator on every step that lacks it."""
    specs = list(specs)
    if not specs:
        return flow
    steps = []
    for step in flow.steps:
        decos = step.decorators
        for spec in specs:
            decos = _add(decos, spec)
        steps.append(step if decos == step.decorators else replace(step, decorators=decos))
    return replace(flow, steps=tuple(steps))
