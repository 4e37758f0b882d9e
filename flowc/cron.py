"""Five-field cron expressions: parsing, validation and a normal form that targets translate.

Fields: minute hour day-of-month month day-of-week. Each is `*`, a number, a range `a-b`, a step
`*/n` or `a-b/n`, or a comma list of those. Months and weekdays also take names (JAN, MON).
Weekday 7 is accepted as Sunday and normalised to 0, which every orchestrator reads the same way.
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


class CronError(ValueError):
    pass


@dataclass(frozen=True)
class CronField:
    """One field as written (normalised text) and the set of values it matches."""

    text: str
    values: frozenset[int]
    is_any: bool  # written as `*` (or `*/1`)


@dataclass(frozen=True)
class Cron:
    minute: CronField
    hour: CronField
    day_of_month: CronField
    month: CronField
    day_of_week: CronField

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


def _field(text: str, label: str, lo: int, hi: int) -> CronField:
    names = MONTHS if label == "month" else WEEKDAYS if label == "day-of-week" else None
    values: set[int] = set()
    parts_out: list[str] = []
    if not text:
        raise CronError(f"{label} is empty")
    for part in text.split(","):
        if not part:
            raise CronError(f"{label} has an empty item in {text!r}")
        rng, _, step_s = part.partition("/")
        step = 1
        if _:
            if not step_s.isdigit() or int(step_s) == 0:
                raise CronError(f"{label} step {step_s!r} must be a positive number")
            step = int(step_s)
        if rng == "*":
            a, b = lo, (6 if label == "day-of-week" else hi)
            norm = "*"
        elif "-" in rng:
            x, _, y = rng.partition("-")
            a = _value(x, lo, hi, names, label)
            b = _value(y, lo, hi, names, label)
            if a > b:
                raise CronError(f"{label} range {rng!r} runs backwards")
            norm = f"{a}-{b}"
        else:
            a = _value(rng, lo, hi, names, label)
            b = hi if _ else a
            if _ and label == "day-of-week":
                b = 6
            norm = str(a)
        values.update(range(a, b + 1, step))
        parts_out.append(norm + (f"/{step}" if _ and step != 1 else ""))
    if label == "day-of-week" and 7 in values:
        values.discard(7)
        values.add(0)
        parts_out = ["0" if p == "7" else p for p in parts_out]
    text_out = ",".join(parts_out)
    return CronField(text_out, frozenset(values), text_out == "*")


def parse_cron(expr: str) -> Cron:
    expr = expr.strip()
    expr = MACROS.get(expr.lower(), expr)
    parts = expr.split()
    if len(parts) != 5:
        raise CronError(f"expected 5 fields (minute hour day-of-month month day-of-week), got {len(parts)}")
    fields = [_field(p, label, lo, hi) for p, (label, lo, hi) in zip(parts, FIELDS, strict=True)]
    return Cron(*fields)
