"""Translate a 5-field Unix cron expression into AWS's 6-field `cron(...)` form.

AWS (EventBridge and EventBridge Scheduler) differs from Unix cron in three ways that matter here:
a sixth field for the year; exactly one of day-of-month and day-of-week must be `?`; and days of the
week are numbered 1-7 from Sunday instead of 0-6 (or 7). A Unix expression that restricts both
day fields means "either matches", which AWS cannot say: that is reported, never approximated.
"""

from __future__ import annotations

from dataclasses import dataclass

_DAY_NAMES = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
# First and last value of each of the first four fields, to spell Unix's steps as AWS's "start/n".
_FIELD_START = (0, 0, 1, 1)
_FIELD_END = (59, 23, 31, 12)


@dataclass(frozen=True)
class AwsCron:
    expression: str | None  # "cron(0 12 * * ? *)", or None when it cannot be expressed
    problem: str | None = None


def to_aws(cron: str) -> AwsCron:
    fields = cron.split()
    if len(fields) != 5:
        return AwsCron(None, f"expected 5 fields, found {len(fields)}")
    minute, hour, dom, month, dow = fields
    dom_any = dom == "*"
    dow_any = dow == "*"
    if not dom_any and not dow_any:
        return AwsCron(
            None,
            f"{cron!r} restricts both the day of the month and the day of the week, which cron reads "
            "as 'either'; AWS schedules take only one of the two",
        )
    out = [
        _aws_field(f, start, end)
        for f, start, end in zip((minute, hour, dom, month), _FIELD_START, _FIELD_END, strict=True)
    ]
    if dow_any:
        out.append("?")
    else:
        try:
            days = _days(dow)
        except ValueError as exc:
            return AwsCron(None, f"day of week {dow!r}: {exc}")
        out[2] = "?"
        out.append(_aws_days(days))
    out.append("*")
    return AwsCron(f"cron({' '.join(out)})")


def _aws_field(field: str, start: int, end: int) -> str:
    """A Unix field in AWS's spelling. AWS documents steps as `start/n` (to the field's end): Unix's
    `*/n` is `start/n`, `a-end/n` is `a/n`; a stepped range that stops earlier is written as its list."""
    out = []
    for part in field.split(","):
        rng, slash, step = part.partition("/")
        if not slash:
            out.append(part)
        elif rng == "*":
            out.append(f"{start}/{step}")
        else:
            a, _, b = rng.partition("-")
            if not b or int(b) == end:
                out.append(f"{a}/{step}")
            else:
                out.extend(str(v) for v in range(int(a), int(b) + 1, int(step)))
    return ",".join(out)


def _day(token: str) -> int:
    t = token.upper()
    if t in _DAY_NAMES:
        return _DAY_NAMES.index(t)
    if not t.isdigit() or int(t) > 7:
        raise ValueError(f"{token!r} is not a day (0-7 or SUN-SAT)")
    return int(t) % 7


def _days(field: str) -> set[int]:
    """The Unix days of the week (0 = Sunday) that a day-of-week field selects."""
    days: set[int] = set()
    for part in field.split(","):
        rng, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError("a step must be at least 1")
        if rng == "*":
            lo, hi = 0, 6
        elif "-" in rng:
            a, b = rng.split("-", 1)
            # 7 is Sunday too, but as a range end it means "through Sunday", e.g. 5-7.
            lo, hi = _day(a), (7 if b.strip() == "7" else _day(b))
            if hi < lo:
                raise ValueError(f"range {rng!r} runs backwards")
        else:
            lo = hi = _day(rng)
            if step_text:
                hi = 6
        days.update(d % 7 for d in range(lo, hi + 1, step))
    return days


def _aws_days(days: set[int]) -> str:
    """AWS day numbers (1 = Sunday), runs of consecutive days written as ranges."""
    nums = sorted(d + 1 for d in days)
    runs: list[list[int]] = []
    for n in nums:
        if runs and n == runs[-1][-1] + 1:
            runs[-1].append(n)
        else:
            runs.append([n])
    return ",".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ",".join(map(str, r)) for r in runs)
