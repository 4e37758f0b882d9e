"""Cron expressions for `@schedule(cron=...)`: parsing, validation and the normal form targets translate.

Two spellings are accepted:

- **Unix cron**, five fields: minute hour day-of-month month day-of-week. Each field is `*`, a value,
  a range `a-b`, a step `*/n`, `a-b/n` or `a/n` (from a to the field's end), or a comma list of those.
  Months and weekdays also take names (JAN, MON; any case); weekday 0 and 7 are both Sunday; `?` in
  the day fields means `*`. The macros `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly` too.
- **AWS cron**, six fields, as Metaflow documents for `@schedule(cron=...)` (EventBridge's form, e.g.
  `0 10 * * ? *`): minute hour day-of-month month day-of-week year, with weekdays numbered 1-7 from
  Sunday, and exactly one of the two day fields `?`. The year must be `*`, and `L`, `W` and `#` are
  refused: Argo and Airflow have no way to say them.

Both read as Unix cron does (Vixie cron, Argo's parser and Airflow's croniter agree on it): when both
day fields are restricted a day matching either fires; a day field is unrestricted only when written
`*`, `?` or `*/1` (croniter alone takes `*/1` as a restriction: the normal form writes `*`). The normal form
(`Cron.normalised`) is a 5-field Unix expression in numbers only: weekdays 0-6, no names, no `?`,
steps written `a-b/n` or `*/n`. Every target translates from it: Airflow and Argo use it as it is,
Step Functions rewrites it in AWS's form (targets/step_functions/cron.py).
"""

from __future__ import annotations

from dataclasses import dataclass

FIELDS = (
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day-of-month", 1, 31),
    ("month", 1, 12),
    ("day-of-week", 0, 7),
)
MONTHS = {
    m: i + 1 for i, m in enumerate(["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])
}
WEEKDAYS = {d: i for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}
MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_DOW = 4


class CronError(ValueError):
    pass


@dataclass(frozen=True)
class CronField:
    """One field in normal form (text) and the set of values it matches."""

    text: str
    values: frozenset[int]
    is_any: bool  # written as `*`, `*/1` or `?`: an unrestricted day field


@dataclass(frozen=True)
class Cron:
    minute: CronField
    hour: CronField
    day_of_month: CronField
    month: CronField
    day_of_week: CronField
    aws: bool = False  # written in AWS's 6-field form

    @property
    def fields(self) -> tuple[CronField, ...]:
        return (self.minute, self.hour, self.day_of_month, self.month, self.day_of_week)

    @property
    def normalised(self) -> str:
        return " ".join(f.text for f in self.fields)


def _value(token: str, lo: int, hi: int, names: dict[str, int] | None, label: str) -> int:
    up = token.upper()
    if names and up in names:
        return names[up]
    if not token.isdigit():
        raise CronError(f"{label} value {token!r} is not a number" + (" or a name" if names else ""))
    v = int(token)
    if not lo <= v <= hi:
        raise CronError(f"{label} value {v} is out of range {lo}-{hi}")
    return v


def _runs(values: set[int]) -> str:
    """Values as a comma list, runs of three or more written as ranges: {0, 1, 2, 5} -> "0-2,5"."""
    out: list[list[int]] = []
    for v in sorted(values):
        if out and v == out[-1][-1] + 1:
            out[-1].append(v)
        else:
            out.append([v])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in out)


def _field(text: str, index: int) -> CronField:
    label, lo, hi = FIELDS[index]
    names = MONTHS if index == 3 else WEEKDAYS if index == _DOW else None
    # For weekdays, 7 is Sunday again: a range may end there (5-7), and `*` or a step runs to 6.
    top = 6 if index == _DOW else hi
    if not text:
        raise CronError(f"{label} is empty")
    if text == "?":
        if index not in (2, _DOW):
            raise CronError(f"'?' only stands in the day-of-month or day-of-week field, not in {label}")
        return CronField("*", frozenset(range(lo, top + 1)), True)
    values: set[int] = set()
    parts_out: list[str] = []
    for part in text.split(","):
        if not part:
            raise CronError(f"{label} has an empty item in {text!r}")
        rng, slash, step_s = part.partition("/")
        step = 1
        if slash:
            if not step_s.isdigit() or int(step_s) == 0:
                raise CronError(f"{label} step {step_s!r} must be a positive number")
            step = int(step_s)
        if rng == "*":
            a, b = lo, top
            norm = "*"
        elif "-" in rng:
            x, _, y = rng.partition("-")
            a = _value(x, lo, hi, names, label)
            b = _value(y, lo, hi, names, label)
            if a > b:
                raise CronError(f"{label} range {rng!r} runs backwards")
            # A one-value range is written as the value: croniter (Airflow) reads `5-5` as every value.
            norm = f"{a}-{b}" if a != b else str(a)
        else:
            a = _value(rng, lo, hi, names, label)
            # `a/n` runs from a to the field's end, as `a-end/n`: the spelling every engine reads.
            b = top if slash else a
            if slash and a > b:
                raise CronError(f"{label} start {a} is past the field's end {b}")
            norm = f"{a}-{b}" if slash and a != b else str(a)
        values.update(range(a, b + 1, step))
        parts_out.append(norm + (f"/{step}" if step != 1 and a != b else ""))
    is_any = parts_out in (["*"],)
    if index == _DOW and 7 in values:
        values.discard(7)
        values.add(0)
    if index == _DOW and not is_any and any(p != "*" and ("7" in p.split("-") or "/" in p) for p in parts_out):
        # Sunday written as 7, or a stepped range over weekdays: spelled as the plain list of days,
        # which every engine reads alike (Argo's parser has no weekday 7).
        return CronField(_runs(values), frozenset(values), False)
    text_out = ",".join(parts_out)
    return CronField(text_out, frozenset(values), is_any)


def parse_cron(expr: str) -> Cron:
    """Parse a Unix (5-field) or AWS (6-field) cron expression. Raises CronError saying what is wrong."""
    expr = expr.strip()
    expr = MACROS.get(expr.lower(), expr)
    parts = expr.split()
    if len(parts) == 6:
        return _parse_aws(parts)
    if len(parts) != 5:
        raise CronError(
            f"expected 5 fields (minute hour day-of-month month day-of-week) or AWS's 6 "
            f"(... day-of-week year), got {len(parts)}"
        )
    return _cron([_field(p, i) for i, p in enumerate(parts)])


def _cron(fields: list[CronField], aws: bool = False) -> Cron:
    minute, hour, dom, month, dow = fields
    return Cron(minute, hour, dom, month, dow, aws=aws)


_AWS_DAYS = {d: i + 1 for i, d in enumerate(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"])}


def _parse_aws(parts: list[str]) -> Cron:
    """AWS's form: weekdays 1-7 from Sunday, one day field `?`, a year; read into Unix terms."""
    minute, hour, dom, month, dow, year = parts
    if year != "*":
        raise CronError(f"year {year!r}: only '*' is supported (Argo and Airflow schedules have no year field)")
    for label, text in (("day-of-month", dom), ("day-of-week", dow)):
        for token in text.replace("-", ",").replace("/", ",").split(","):
            mark = next((m for m in ("L", "W", "#") if m in token.upper()), None)
            if mark and token.upper() not in _AWS_DAYS:
                raise CronError(f"{label} {text!r}: AWS's {mark!r} has no equivalent on Argo or Airflow")
    if (dom == "?") == (dow == "?"):
        raise CronError(
            "in AWS's 6-field form exactly one of day-of-month and day-of-week is '?', "
            f"got {dom!r} and {dow!r} (e.g. '0 10 * * ? *')"
        )
    unix_dow = dow if dow in ("?", "*") else _aws_weekdays(dow)
    fields = [_field(p, i) for i, p in enumerate((minute, hour, dom, month, unix_dow))]
    return _cron(fields, aws=True)


def _aws_weekdays(text: str) -> str:
    """An AWS day-of-week field (1-7 = SUN-SAT, lists and ranges) in Unix numbers (0-6)."""
    out = []
    for part in text.split(","):
        if "/" in part:
            raise CronError(f"day-of-week {text!r}: AWS takes no '/' step in day-of-week; list the days")
        ends = part.split("-")
        if len(ends) > 2 or not all(ends):
            raise CronError(f"day-of-week item {part!r} is not a day or a range of days")
        days = [_value(e, 1, 7, _AWS_DAYS, "day-of-week (AWS: 1-7 from Sunday)") - 1 for e in ends]
        if len(days) == 2 and days[0] > days[1]:
            raise CronError(f"day-of-week range {part!r} runs backwards")
        out.append("-".join(map(str, days)))
    return ",".join(out)
