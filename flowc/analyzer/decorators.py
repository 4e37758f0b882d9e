"""Decorators on steps and on the flow class, normalised into the IR's `Decorators`/`Schedule`.

Each supported decorator lists its arguments with a converter that checks type and range, so a
misspelt argument, a non-static value or an absurd number is reported where it was written.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flowc.analyzer.context import MISSING, Context
from flowc.analyzer.not_applied import NOT_APPLIED
from flowc.analyzer.positions import Argument
from flowc.diagnostics import Severity
from flowc.ir import CatchPolicy, Decorators, Resources, RetryPolicy, Schedule, Span

STEP_DECORATORS = {
    "retry",
    "catch",
    "timeout",
    "resources",
    "environment",
    "image",
    "kubernetes",
    "batch",
    "loop",
    "pypi",
    "conda",
    "card",
}
FLOW_DECORATORS = {"schedule", "project", "pypi_base", "conda_base"}
# Packages: @pypi/@conda on a step, @pypi_base/@conda_base on the flow. Deployed tasks install them
# with pip (flowc.runner.bootstrap); @conda packages are served by pip too.
PACKAGE_DECORATORS = {"pypi", "conda", "pypi_base", "conda_base"}

# Metaflow features flowc does not offer, with what to do instead.
UNSUPPORTED = {
    "secrets": "pass secrets through the orchestrator's environment (@environment or the target's config)",
    "parallel": "multi-node @parallel steps are not supported; use a foreach",
    "trigger": "event triggers are not supported; use @schedule or trigger runs from your orchestrator",
    "trigger_on_finish": "flow-to-flow triggers are not supported; trigger runs from your orchestrator",
    "exit_hook": "exit hooks are not supported",
    "checkpoint": "checkpoints are not supported; store artifacts with self.x = ...",
    "model": "@model is not supported; store models as artifacts",
    "unbounded_foreach": "unbounded foreach is not supported",
}

MAX_RETRIES = 100
MAX_LOOP_ITERATIONS = 1_000_000

RANGE_HINTS = {
    "retry": "e.g. @retry(times=3, minutes_between_retries=2)",
    "catch": 'e.g. @catch(var="error")',
    "timeout": "e.g. @timeout(minutes=30)",
    "resources": "e.g. @resources(cpu=2, memory=8192, gpu=1): memory and disk in MiB",
    "kubernetes": "e.g. @kubernetes(cpu=2, memory=8192): memory in MiB",
    "batch": "e.g. @batch(cpu=2, memory=8192): memory in MiB",
    "environment": 'e.g. @environment(vars={"LOG_LEVEL": "debug"})',
    "image": 'e.g. @image("python:3.11-slim")',
    "schedule": 'e.g. @schedule(cron="0 6 * * *", timezone="Europe/Paris")',
    "project": 'e.g. @project(name="fraud")',
    "loop": "e.g. @loop(max_iterations=50) on the step the loop returns to",
}
MAX_TIMEOUT_SECONDS = 30 * 24 * 3600

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_]{0,39}$")


class Invalid(Exception):
    """A value out of range; the message says what is allowed."""


def _int(lo: int, hi: int) -> Callable[[Any], int]:
    def conv(v: Any) -> int:
        if isinstance(v, bool) or not isinstance(v, int):
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            else:
                raise Invalid(f"must be a whole number, not {v!r}")
        if not lo <= v <= hi:
            raise Invalid(f"must be between {lo} and {hi}, not {v}")
        return v

    return conv


def _number(lo: float, hi: float) -> Callable[[Any], float]:
    def conv(v: Any) -> float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise Invalid(f"must be a number, not {v!r}")
        if not lo <= v <= hi:
            raise Invalid(f"must be between {lo:g} and {hi:g}, not {v:g}")
        return float(v)

    return conv


def _bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Invalid(f"must be True or False, not {v!r}")
    return v


def _str(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise Invalid(f"must be a non-empty string, not {v!r}")
    if "\x00" in v:
        raise Invalid(f"must not hold a NUL character, which no engine carries: {v!r}")
    return v


def _identifier(v: Any) -> str:
    if not isinstance(v, str) or not v.isidentifier() or v.startswith("_"):
        raise Invalid(f"must be a valid artifact name (a Python identifier), not {v!r}")
    return v


def _card_type(v: Any) -> str:
    if v != "default":
        raise Invalid(f"must be 'default', not {v!r}: flowc makes the default card only")
    return str(v)


def _env_vars(v: Any) -> dict[str, str]:
    if not isinstance(v, dict):
        raise Invalid("must be a dict of variable names to strings")
    out = {}
    for k, val in v.items():
        if not isinstance(k, str) or not _ENV_NAME.match(k):
            raise Invalid(f"{k!r} is not a valid environment variable name")
        if isinstance(val, bool) or not isinstance(val, (str, int, float)):
            raise Invalid(f"the value of {k} must be a string, not {val!r}")
        if "\x00" in str(val):
            raise Invalid(f"the value of {k} holds a NUL character, which no process environment can carry")
        out[k] = str(val)
    return out


# A distribution name (PEP 508) and a version: "2.1.0" (meaning ==2.1.0) or a specifier (">=2,<3").
_DIST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(\[[A-Za-z0-9._,-]+\])?$")
_VERSION = re.compile(r"^[A-Za-z0-9.*+!_-]+$")
_SPECIFIER = re.compile(
    r"^(\s*(==|!=|<=|>=|<|>|~=|===)\s*[A-Za-z0-9.*+!_-]+\s*)(,\s*(==|!=|<=|>=|<|>|~=)\s*[A-Za-z0-9.*+!_-]+\s*)*$"
)


def _packages(v: Any) -> dict[str, str]:
    """{name: version} as Metaflow's @pypi takes it; each becomes one pip requirement."""
    if not isinstance(v, dict):
        raise Invalid('must be a dict of package names to versions, e.g. {"pandas": "2.1.0"}')
    out = {}
    for name, version in v.items():
        if not isinstance(name, str) or "::" in name:
            raise Invalid(
                f"{name!r} is not a package pip can install"
                + (" (a conda channel: pip serves PyPI packages only)" if isinstance(name, str) else "")
            )
        if not _DIST.match(name):
            raise Invalid(f"{name!r} is not a package name")
        if version is None:
            version = ""
        if not isinstance(version, str) or (version and not (_VERSION.match(version) or _SPECIFIER.match(version))):
            raise Invalid(
                f'the version of {name} must be a version ("2.1.0") or a specifier (">=2,<3"), not {version!r}'
            )
        out[name] = version
    return out


def requirement(name: str, version: str) -> str:
    """One pip requirement: `name==version`, `name>=x` for a specifier, `name` without a version."""
    if not version:
        return name
    return name + (version.replace(" ", "") if version[0] in "<>=!~" else f"=={version}")


def _memory(v: Any) -> int:
    # Metaflow's unit is MiB; accept a number or a numeric string ("4096").
    if isinstance(v, str) and v.strip().isdigit():
        v = int(v)
    return _int(1, 4 * 1024 * 1024)(v)


ARGS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "retry": {"times": _int(0, MAX_RETRIES), "minutes_between_retries": _int(0, 24 * 60)},
    "catch": {"var": _identifier, "print_exception": _bool},
    "timeout": {
        "seconds": _int(0, MAX_TIMEOUT_SECONDS),
        "minutes": _int(0, MAX_TIMEOUT_SECONDS // 60),
        "hours": _int(0, MAX_TIMEOUT_SECONDS // 3600),
    },
    "resources": {"cpu": _number(0.001, 512), "memory": _memory, "gpu": _int(0, 64), "disk": _memory},
    "environment": {"vars": _env_vars},
    "image": {"image": _str},
    "kubernetes": {
        "cpu": _number(0.001, 512),
        "memory": _memory,
        "gpu": _int(0, 64),
        "disk": _memory,
        "image": _str,
    },
    "batch": {"cpu": _number(0.001, 512), "memory": _memory, "gpu": _int(0, 64), "image": _str},
    "schedule": {"cron": _str, "hourly": _bool, "daily": _bool, "weekly": _bool, "timezone": _str},
    "project": {"name": _str},
    "loop": {"max_iterations": _int(1, MAX_LOOP_ITERATIONS)},
    "pypi": {"packages": _packages, "python": _str, "disabled": _bool},
    "pypi_base": {"packages": _packages, "python": _str, "disabled": _bool},
    "conda": {"packages": _packages, "libraries": _packages, "python": _str, "disabled": _bool},
    "conda_base": {"packages": _packages, "libraries": _packages, "python": _str, "disabled": _bool},
    # The task's default card (flowc.cards), made after the task: the runner reads @card on the method.
    "card": {"type": _card_type},
}
# The argument a decorator takes positionally, if any (`@image("python:3.11")`).
POSITIONAL = {"image": "image", "project": "name", "environment": "vars"}


@dataclass
class ParsedDecorator:
    name: str
    node: Span  # the whole decorator, from its @
    args: dict[str, Any]
    arg_nodes: dict[str, ast.expr]


def parse_decorator(ctx: Context, deco: ast.expr, name: str) -> ParsedDecorator | None:
    """Static, checked arguments of one supported decorator (None if it could not be read at all)."""
    spec = ARGS[name]
    args: dict[str, Any] = {}
    nodes: dict[str, ast.expr] = {}
    where = ctx.text.decorator_span(deco)
    call = deco if isinstance(deco, ast.Call) else None
    ok = True
    keywords = call.keywords if call is not None else []
    if call is not None and any(k.arg is None for k in call.keywords):
        # `**cfg.resources`: a config's mapping is static once the config is known.
        from flowc.analyzer.configs import expand_unpacked

        keywords = expand_unpacked(ctx, call) or keywords
    if call is not None:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in keywords):
            ctx.report(
                "FC301",
                where,
                f"@{name} arguments must be written out, not unpacked with * or **",
                hint=f"write @{name}({', '.join(k + '=...' for k in spec)})",
            )
            return None
        positional = call.args
        pname = POSITIONAL.get(name)
        takes_positional = pname is not None and len(positional) <= 1
        if positional and not takes_positional:
            ctx.report(
                "FC304",
                Argument(positional[0]),
                f"@{name} takes keyword arguments only"
                if pname is None
                else f"@{name} takes one positional argument ({pname})",
                hint=f"write @{name}({', '.join(k + '=...' for k in spec)})",
            )
            ok = False
        given: list[tuple[str, ast.expr, ast.keyword | Argument]] = []
        if takes_positional:
            given += [(str(pname), a, Argument(a)) for a in positional]
        given += [(str(k.arg), k.value, k) for k in keywords]
        for key, value, arg in given:
            why = NOT_APPLIED.get(name, {}).get(key)
            if why is not None:
                ctx.report(
                    "FC309",
                    arg,
                    f"@{name}({key}=...) is not applied by flowc",
                    hint=why,
                    severity=Severity.WARNING,
                )
                continue
            if key not in spec:
                from difflib import get_close_matches

                close = get_close_matches(key, list(spec), n=1)
                ctx.report(
                    "FC304",
                    arg,
                    f"@{name} has no argument '{key}'",
                    hint=(f"did you mean '{close[0]}'? " if close else "") + f"@{name} takes: {', '.join(spec)}",
                )
                ok = False
                continue
            static = ctx.static(value, "FC301", f"@{name}({key}=...)")
            if static is MISSING:
                ok = False
                continue
            try:
                args[key] = spec[key](static)
            except Invalid as exc:
                ctx.report("FC302", value, f"@{name}({key}=...) {exc}", hint=RANGE_HINTS.get(name))
                ok = False
                continue
            nodes[key] = value
    return ParsedDecorator(name, where, args, nodes) if ok else None


def step_decorators(ctx: Context, parsed: list[ParsedDecorator]) -> Decorators:
    retry = catch = resources = None
    timeout = None
    env: dict[str, str] = {}
    image = None
    max_iterations = None
    packages: list[str] = []
    for p in parsed:
        a = p.args
        if p.name == "retry":
            retry = RetryPolicy(a.get("times", 3), a.get("minutes_between_retries", 2))
        elif p.name == "catch":
            catch = CatchPolicy(a.get("var"), a.get("print_exception", True))
        elif p.name == "timeout":
            total = a.get("seconds", 0) + 60 * a.get("minutes", 0) + 3600 * a.get("hours", 0)
            if total <= 0:
                ctx.report("FC302", p.node, "@timeout needs a positive duration", hint="e.g. @timeout(minutes=30)")
            elif total > MAX_TIMEOUT_SECONDS:
                ctx.report(
                    "FC302",
                    p.node,
                    f"@timeout of {total} s is longer than 30 days",
                    hint="a step that may run longer should checkpoint and be split",
                )
            else:
                timeout = total
        elif p.name in ("resources", "kubernetes", "batch"):
            base = resources or Resources()
            resources = Resources(
                cpu=a.get("cpu", base.cpu),
                memory=a.get("memory", base.memory),
                gpu=a.get("gpu", base.gpu),
                disk=a.get("disk", base.disk),
            )
            if "image" in a:
                image = a["image"]
        elif p.name == "environment":
            env.update(a.get("vars", {}))
        elif p.name == "image":
            if "image" not in a:
                ctx.report("FC302", p.node, "@image needs an image reference", hint='@image("python:3.11")')
            else:
                image = a["image"]
        elif p.name in PACKAGE_DECORATORS:
            packages += package_requirements(ctx, p)
        elif p.name == "loop":
            if "max_iterations" not in a:
                ctx.report("FC302", p.node, "@loop needs max_iterations", hint=RANGE_HINTS["loop"])
            else:
                max_iterations = a["max_iterations"]
    return Decorators(
        retry=retry,
        catch=catch,
        timeout_seconds=timeout,
        resources=resources,
        environment=tuple(sorted(env.items())),
        image=image,
        max_iterations=max_iterations,
        packages=tuple(sorted(set(packages))),
    )


def package_requirements(ctx: Context, p: ParsedDecorator) -> list[str]:
    """The pip requirements of one @pypi/@conda(_base), with a warning for what pip cannot honour."""
    a = p.args
    if a.get("disabled"):
        return []
    if "python" in a:
        ctx.report(
            "FC309",
            p.arg_nodes["python"],
            f"@{p.name}(python=...) is not applied: tasks run the Python of their image",
            hint="pick an image with that Python, e.g. --image python:" + a["python"] + "-slim",
            severity=Severity.WARNING,
        )
    found = {**a.get("libraries", {}), **a.get("packages", {})}
    return [requirement(name, version) for name, version in sorted(found.items())]


PRESETS = {"hourly": "0 * * * *", "daily": "0 0 * * *", "weekly": "0 0 * * 0"}


def flow_schedule(ctx: Context, p: ParsedDecorator) -> Schedule | None:
    from flowc.cron import CronError, parse_cron

    a = p.args
    chosen = [k for k in ("cron", "hourly", "daily", "weekly") if a.get(k)]
    if len(chosen) != 1:
        ctx.report(
            "FC302",
            p.node,
            "@schedule needs exactly one of cron=, hourly=True, daily=True or weekly=True"
            + (f" (got {', '.join(chosen)})" if chosen else ""),
            hint='e.g. @schedule(cron="0 6 * * *", timezone="Europe/Paris")',
        )
        return None
    kind = chosen[0]
    cron = a["cron"] if kind == "cron" else PRESETS[kind]
    try:
        cron = parse_cron(cron).normalised
    except CronError as exc:
        ctx.report(
            "FC305",
            p.arg_nodes.get("cron", p.node),
            f"invalid cron expression {cron!r}: {exc}",
            hint="five fields: minute hour day-of-month month day-of-week, e.g. '30 6 * * 1-5'; or AWS's six "
            "(weekdays 1-7 from Sunday, one day field '?', a year), e.g. '30 6 ? * 2-6 *'",
        )
        return None
    tz = a.get("timezone")
    if tz is not None and not valid_timezone(tz):
        ctx.report(
            "FC306",
            p.arg_nodes.get("timezone", p.node),
            f"unknown timezone {tz!r}",
            hint="use an IANA name such as 'Europe/Paris' or 'UTC'",
        )
        return None
    return Schedule(cron=cron, span=p.node, timezone=tz, preset=None if kind == "cron" else kind)


def valid_timezone(name: str) -> bool:
    import zoneinfo

    if not name or name.startswith(("/", ".")) or ".." in name:
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def flow_project(ctx: Context, p: ParsedDecorator) -> str | None:
    name = p.args.get("name")
    if name is None:
        ctx.report("FC302", p.node, "@project needs a name", hint='@project(name="fraud")')
        return None
    if not _PROJECT_NAME.match(name):
        ctx.report(
            "FC302",
            p.arg_nodes.get("name", p.node),
            f"project name {name!r} must be lower-case letters, digits and _ (at most 40)",
            hint="it prefixes names on every orchestrator, which restrict characters",
        )
        return None
    return str(name)


def report_unknown(ctx: Context, deco: ast.expr, name: str | None, where: str) -> None:
    label = name or ctx.code(deco)
    span = ctx.text.decorator_span(deco)
    if name in UNSUPPORTED:
        ctx.report(
            "FC303",
            span,
            f"@{name} is a Metaflow decorator that flowc does not support",
            hint=UNSUPPORTED[name],
        )
    elif name is not None:
        ctx.report(
            "FC303",
            span,
            f"@{name} is not a flowc decorator",
            hint="supported on steps: @retry @catch @timeout @resources @environment @image @loop @pypi @conda "
            "@card @kubernetes @batch; "
            "on the flow: @schedule @project @pypi_base @conda_base",
        )
    else:
        ctx.report(
            "FC303",
            span,
            f"@{label} on {where} is not a flowc decorator; flowc cannot tell what it changes",
            hint="flowc only understands its own decorators here",
            severity=Severity.WARNING,
        )
