"""Times people read: durations in human units, dates in the organisation's zone."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from lms.timefmt import day_hint, duration, format_day, format_when, when_hint

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    "minutes, words",
    [
        (1, "1 minute"), (45, "45 minutes"), (60, "1 hour"), (90, "1 hour 30 minutes"),
        (180, "3 hours"), (1440, "24 hours"), (2880, "2 days"), (3000, "2 days 2 hours"),
        (10080, "7 days"), (0, "0 minutes"), (None, ""),
    ],
)  # fmt: skip
def test_duration_in_human_units(minutes, words):
    assert duration(minutes) == words


def test_a_utc_timestamp_reads_in_the_organisations_zone():
    moment = datetime(2026, 11, 30, 17, 56, tzinfo=UTC)
    assert format_when(moment, BERLIN) == "Mon 30 Nov 2026, 18:56 CET"
    assert format_when(moment.replace(tzinfo=None), ZoneInfo("UTC")) == "Mon 30 Nov 2026, 17:56 UTC"
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # already 2 July in Berlin
    assert format_when(summer, BERLIN) == "Thu 2 Jul 2026, 00:30 CEST"


def test_relative_hints_when_near():
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    opens = datetime(2026, 11, 30, 17, 56, tzinfo=UTC)
    assert when_hint(opens, now, BERLIN) == "tomorrow at 18:56 CET"
    assert when_hint(opens, datetime(2026, 11, 20, tzinfo=UTC), BERLIN).startswith("Mon 30 Nov")
    today = date(2026, 11, 25)
    assert [day_hint(date(2026, 11, d), today) for d in (24, 25, 26, 27)] == [
        "yesterday", "today", "tomorrow", "Fri 27 Nov",
    ]  # fmt: skip
    assert day_hint(date(2027, 1, 4), today) == "Mon 4 Jan 2027"
    assert format_day(date(2026, 12, 7)) == "Mon 7 Dec 2026"


def test_format_day_names_every_weekday_and_month_as_strftime_does_in_english():
    for offset in range(0, 366, 5):  # every weekday and month of a year
        day = date(2026, 1, 1) + timedelta(days=offset)
        assert format_day(day) == f"{day:%a} {day.day} {day:%b} {day.year}"
