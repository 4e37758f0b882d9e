"""5-field cron to AWS's 6-field cron, on a table of expressions."""

from __future__ import annotations

import pytest
from flowc.targets.step_functions.cron import to_aws

TABLE = [
    # every day or hour: day-of-week becomes '?'
    ("30 6 * * *", "cron(30 6 * * ? *)"),
    ("0 * * * *", "cron(0 * * * ? *)"),
    ("*/15 * * * *", "cron(0/15 * * * ? *)"),
    ("5,35 */2 * * *", "cron(5,35 0/2 * * ? *)"),
    # a day of the month: day-of-week becomes '?'
    ("0 0 1 * *", "cron(0 0 1 * ? *)"),
    ("0 0 1 1 *", "cron(0 0 1 1 ? *)"),
    ("0 12 */2 * *", "cron(0 12 1/2 * ? *)"),
    ("0 9 1-15 JAN,JUL *", "cron(0 9 1-15 JAN,JUL ? *)"),
    # a day of the week: day-of-month becomes '?', days renumbered from Sunday = 1
    ("0 0 * * 0", "cron(0 0 ? * 1 *)"),
    ("0 0 * * 7", "cron(0 0 ? * 1 *)"),
    ("0 8 * * 1-5", "cron(0 8 ? * 2-6 *)"),
    ("0 8 * * MON-FRI", "cron(0 8 ? * 2-6 *)"),
    ("0 8 * * sat,sun", "cron(0 8 ? * 1,7 *)"),
    ("0 8 * * 5-7", "cron(0 8 ? * 1,6,7 *)"),
    ("0 8 * * */2", "cron(0 8 ? * 1,3,5,7 *)"),
    ("0 8 * * 1,3", "cron(0 8 ? * 2,4 *)"),
    ("0 8 * 6 2", "cron(0 8 ? 6 3 *)"),
]


@pytest.mark.parametrize(("unix", "aws"), TABLE)
def test_cron_is_translated_to_aws_form(unix: str, aws: str) -> None:
    assert to_aws(unix).expression == aws


@pytest.mark.parametrize("unix", ["0 0 1 * 1", "0 0 */2 * MON-FRI", "15 3 13 * 5"])
def test_restricting_both_day_fields_cannot_be_expressed(unix: str) -> None:
    result = to_aws(unix)
    assert result.expression is None
    assert result.problem is not None and "both" in result.problem


@pytest.mark.parametrize("unix", ["0 0 * *", "0 0 * * 8", "0 0 * * FUNDAY"])
def test_malformed_expressions_are_problems_not_schedules(unix: str) -> None:
    assert to_aws(unix).expression is None


def test_presets_expand_to_their_aws_schedules() -> None:
    from flowc.cron import MACROS

    assert to_aws(MACROS["@hourly"]).expression == "cron(0 * * * ? *)"
    assert to_aws(MACROS["@daily"]).expression == "cron(0 0 * * ? *)"
    assert to_aws(MACROS["@weekly"]).expression == "cron(0 0 ? * 1 *)"
