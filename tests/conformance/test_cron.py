"""Cron means the same instants everywhere: a property test over random valid expressions.

For each expression hypothesis writes (every Unix spelling: names, 0-7 weekdays, ranges, lists, steps,
`?`; and AWS's 6-field form that Metaflow documents), the next fire times over a year must be the same
for: the original (croniter for Unix, AWS's rules for the 6-field form), flowc's normal form (croniter),
the schedule each target emits (Airflow's and Argo's through croniter, Step Functions' `cron(...)`
through AWS's rules as written below), all from real compiles. A form a target cannot express must be
a diagnostic of `flowc check --target` instead.

AWS's rules (EventBridge cron, as documented): six fields, minute hour day-of-month month day-of-week
year; day-of-week 1-7 is Sunday-Saturday (or SUN-SAT); exactly one of the two day fields is `?` and
the other decides the day; `/` steps are written `start/n` and are not allowed in day-of-week.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flowc.compiler import compile_flow
from flowc.cron import CronError, parse_cron

croniter_mod = pytest.importorskip("croniter")

START = datetime(2027, 1, 1, 0, 0)
HORIZON = START + timedelta(days=366)
COUNT = 40
MONTH_NAMES = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


# -- the references ----------------------------------------------------------------------------------


def croniter_times(expr: str) -> list[datetime]:
    """The first COUNT fire times after START within a year, as croniter (Airflow's parser) reads expr."""
    from croniter import CroniterBadDateError, croniter

    it = croniter(expr, START - timedelta(minutes=1), max_years_between_matches=2)
    out: list[datetime] = []
    while len(out) < COUNT:
        try:
            t = it.get_next(datetime)
        except CroniterBadDateError:
            break
        if t >= HORIZON:
            break
        out.append(t)
    return out


def _aws_values(text: str, lo: int, hi: int, names: list[str] | None, offset: int, steps: bool) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        rng, slash, step = part.partition("/")
        if slash and not steps:
            raise ValueError(f"AWS allows no step in {text!r}")
        if rng == "*":
            a, b = lo, hi
        elif "-" in rng:
            x, y = rng.split("-")
            a, b = _aws_value(x, lo, hi, names, offset), _aws_value(y, lo, hi, names, offset)
            if a > b:
                raise ValueError(f"backwards range {rng!r}")
        else:
            a = _aws_value(rng, lo, hi, names, offset)
            b = hi if slash else a
        if slash and "-" in rng:
            raise ValueError(f"AWS documents steps as start/n, not {part!r}")
        values.update(range(a, b + 1, int(step) if slash else 1))
    return values


def _aws_value(token: str, lo: int, hi: int, names: list[str] | None, offset: int) -> int:
    if names and token.upper() in names:
        return names.index(token.upper()) + offset
    v = int(token)
    if not lo <= v <= hi:
        raise ValueError(f"{v} out of {lo}-{hi}")
    return v


def aws_times(expr: str) -> list[datetime]:
    """The first COUNT fire times after START within a year of an AWS cron expression (AWS's rules)."""
    m = re.fullmatch(r"cron\((.*)\)", expr)
    fields = (m.group(1) if m else expr).split()
    assert len(fields) == 6, expr
    minute, hour, dom, month, dow, year = fields
    assert year == "*", expr
    assert (dom == "?") != (dow == "?"), f"{expr}: exactly one day field must be '?'"
    minutes = sorted(_aws_values(minute, 0, 59, None, 0, True))
    hours = sorted(_aws_values(hour, 0, 23, None, 0, True))
    months = _aws_values(month, 1, 12, MONTH_NAMES, 1, True)
    doms = None if dom == "?" else _aws_values(dom, 1, 31, None, 0, True)
    dows = None if dow == "?" else _aws_values(dow, 1, 7, DAY_NAMES, 1, False)
    out: list[datetime] = []
    day = START.date()
    while len(out) < COUNT and day < HORIZON.date():
        aws_dow = day.isoweekday() % 7 + 1  # 1 = Sunday
        if day.month in months and (doms is None or day.day in doms) and (dows is None or aws_dow in dows):
            for h in hours:
                for mi in minutes:
                    t = datetime(day.year, day.month, day.day, h, mi)
                    if START <= t < HORIZON and len(out) < COUNT:
                        out.append(t)
        day += timedelta(days=1)
    return out


# -- expressions -------------------------------------------------------------------------------------


def _unix_item(lo: int, hi: int, names: list[str] | None, name_base: int, extra_hi: int) -> st.SearchStrategy[str]:
    top = extra_hi  # weekdays take 7 (Sunday) as a value too

    def value(v: int) -> st.SearchStrategy[str]:
        if names and lo <= v - name_base < len(names) and v <= hi:
            return st.sampled_from([str(v), names[v - name_base], names[v - name_base].lower()])
        return st.just(str(v))

    single = st.integers(lo, top).flatmap(value)
    # No one-value ranges (`5-5`): croniter, the reference, reads them as every value (flowc writes them
    # as the value; test_one_value_ranges_mean_that_value covers it).
    ranges = st.tuples(st.integers(lo, top), st.integers(lo, top)).filter(lambda p: p[0] < p[1])
    rng = ranges.flatmap(lambda p: st.tuples(value(p[0]), value(p[1])).map(lambda t: f"{t[0]}-{t[1]}"))
    step = st.integers(1, max(1, hi - lo))
    return st.one_of(
        single,
        rng,
        step.map(lambda n: f"*/{n}"),
        st.tuples(rng, step).map(lambda t: f"{t[0]}/{t[1]}"),
        st.tuples(st.integers(lo, hi), step).map(lambda t: f"{t[0]}/{t[1]}"),
    )


def _unix_field(
    lo: int, hi: int, names: list[str] | None = None, base: int = 0, top: int | None = None, q: bool = False
):
    items = st.lists(_unix_item(lo, hi, names, base, hi if top is None else top), min_size=1, max_size=3)
    choices = [st.just("*"), items.map(",".join)]
    if q:
        choices.append(st.just("?"))
    return st.one_of(*choices)


UNIX = (
    st.tuples(
        _unix_field(0, 59),
        _unix_field(0, 23),
        _unix_field(1, 31, q=True),
        _unix_field(1, 12, MONTH_NAMES, 1),
        _unix_field(0, 6, DAY_NAMES, 0, top=7, q=True),
    )
    .filter(
        # croniter alone reads `*/1` in a day field as a restriction (the "either day" rule); Vixie cron,
        # Argo's parser and flowc read it as `*`. Not a spelling croniter can judge.
        lambda f: not any("*/1" in day.split(",") for day in (f[2], f[4]))
    )
    .map(" ".join)
)


def _aws_list(lo: int, hi: int, names: list[str] | None, base: int, steps: bool) -> st.SearchStrategy[str]:
    def value(v: int) -> st.SearchStrategy[str]:
        if names:
            return st.sampled_from([str(v), names[v - base]])
        return st.just(str(v))

    single = st.integers(lo, hi).flatmap(value)
    pair = st.tuples(st.integers(lo, hi), st.integers(lo, hi)).filter(lambda p: p[0] < p[1])
    rng = pair.flatmap(lambda p: st.tuples(value(p[0]), value(p[1])).map(lambda t: f"{t[0]}-{t[1]}"))
    kinds = [single, rng]
    if steps:
        kinds.append(st.tuples(st.integers(lo, hi), st.integers(1, hi - lo)).map(lambda t: f"{t[0]}/{t[1]}"))
    return st.one_of(st.just("*"), st.lists(st.one_of(*kinds), min_size=1, max_size=3).map(",".join))


AWS = st.tuples(
    _aws_list(0, 59, None, 0, True),
    _aws_list(0, 23, None, 0, True),
    st.booleans(),
    _aws_list(1, 31, None, 0, True),
    _aws_list(1, 12, MONTH_NAMES, 1, True),
    _aws_list(1, 7, DAY_NAMES, 1, False),
).map(lambda t: f"{t[0]} {t[1]} {'?' if t[2] else t[3]} {t[4]} {t[5] if t[2] else '?'} *")


# -- what the targets emit ---------------------------------------------------------------------------

FLOW = """
from flowc import FlowSpec, schedule, step


@schedule(cron={cron!r})
class CronFlow(FlowSpec):
    @step
    def start(self):
        self.next(self.end)

    @step
    def end(self):
        pass
"""


def emitted(tmp: Path, cron: str) -> dict[str, str | None]:
    """Each target's schedule for a flow with @schedule(cron=cron); None with the diagnostic's text
    when the target reports that it cannot express it."""
    path = tmp / "cron_flow.py"
    path.write_text(FLOW.format(cron=cron))
    out: dict[str, str | None] = {}
    sf = compile_flow(str(path), "step-functions", {"datastore": "s3://flowc-bucket/flowc"})
    schedule = [f for f in sf.files if f.path.endswith(".schedule.json")]
    out["step-functions"] = json.loads(schedule[0].content)["ScheduleExpression"] if schedule else None
    out["step-functions-problem"] = "; ".join(d.message for d in sf.diagnostics if d.severity.value == "error")
    argo = compile_flow(str(path), "argo", {"datastore": "s3://flowc-bucket/flowc"})
    (cw,) = [f for f in argo.files if f.path.endswith(".cron-workflow.yaml")]
    spec = yaml.safe_load(cw.content)["spec"]
    out["argo"] = spec["schedules"][0] if "schedules" in spec else spec["schedule"]
    airflow = compile_flow(str(path), "airflow", {"datastore": "s3://flowc-bucket/flowc"})
    m = re.search(r"^\s*schedule=(.+),$", airflow.files[0].content, re.M)
    assert m, "no schedule= in the DAG file"
    import ast

    out["airflow"] = ast.literal_eval(m.group(1))
    return out


def check_everywhere(tmp: Path, original: str, want: list[datetime]) -> None:
    cron = parse_cron(original)
    assert croniter_times(cron.normalised) == want, f"flowc's normal form {cron.normalised!r} of {original!r}"
    got = emitted(tmp, original)
    assert croniter_times(str(got["airflow"])) == want, f"Airflow's {got['airflow']!r} for {original!r}"
    assert croniter_times(str(got["argo"])) == want, f"Argo's {got['argo']!r} for {original!r}"
    if got["step-functions"] is None:
        # AWS takes one day field: a Unix expression restricting both reads as "either day".
        assert not cron.day_of_month.is_any and not cron.day_of_week.is_any, (original, got)
        assert "both" in str(got["step-functions-problem"]), got
    else:
        assert aws_times(str(got["step-functions"])) == want, (
            f"Step Functions' {got['step-functions']} for {original!r}"
        )


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(original=UNIX)
def test_unix_cron_fires_at_the_same_instants_on_every_target(tmp_path: Path, original: str) -> None:
    try:
        want = croniter_times(original)
    except Exception:  # a spelling croniter does not read: nothing to compare it with
        assume(False)
        return
    check_everywhere(tmp_path, original, want)


@SETTINGS
@given(original=AWS)
def test_aws_cron_fires_at_the_same_instants_on_every_target(tmp_path: Path, original: str) -> None:
    try:
        want = aws_times(original)
    except (ValueError, AssertionError):  # not valid by AWS's rules
        assume(False)
        return
    check_everywhere(tmp_path, original, want)


@pytest.mark.parametrize(
    "original",
    [
        "0 10 * * ? *",
        "0/15 8-17 ? * MON-FRI *",
        "0 12 1 JAN,JUL ? *",
        "30 6 ? * 1 *",
        "0 0 ? * 7 *",
        "0 9 ? * MON,WED *",
    ],
)
def test_metaflow_documented_aws_form_is_accepted(tmp_path: Path, original: str) -> None:
    check_everywhere(tmp_path, original, aws_times(original))


@pytest.mark.parametrize(
    ("original", "why"),
    [
        ("0 10 * * * *", "exactly one of"),
        ("0 10 ? * ? *", "exactly one of"),
        ("0 10 ? * 2/2 *", "no '/' step"),
        ("0 10 * * ? 2027", "only '*'"),
        ("0 10 ? * 2#1 *", "no equivalent"),
        ("0 0 L * ? *", "no equivalent"),
        ("0 0 15W * ? *", "no equivalent"),
        ("0 0 ? * 6L *", "no equivalent"),
        ("0 10 ? * 0 *", "out of range"),
        ("0 10 ? 5", "5 fields"),
        ("0 ? * * *", "only stands in"),
        ("0 0 * * 8", "out of range"),
        ("0 0 * * FRI-MON", "backwards"),
    ],
)
def test_invalid_expressions_say_why(original: str, why: str) -> None:
    with pytest.raises(CronError, match=re.escape(why)):
        parse_cron(original)


@pytest.mark.parametrize(
    ("original", "normal"),
    [
        ("5-5 * * * *", "5 * * * *"),
        ("0 0 * * 6-6", "0 0 * * 6"),
        ("0 0 31/1 * *", "0 0 31 * *"),
        ("0-0/5 * * * *", "0 * * * *"),
    ],
)
def test_one_value_ranges_mean_that_value(tmp_path: Path, original: str, normal: str) -> None:
    """croniter (so Airflow) reads `5-5` as every minute; Argo as minute 5: flowc writes the value."""
    assert parse_cron(original).normalised == normal
    got = emitted(tmp_path, original)
    assert got["airflow"] == got["argo"] == normal
