"""Dates, times and durations as people read them, in the organisation's time zone.

Pure functions (the zone and "now" are arguments), plus `register(app)`, which binds them
to LMS_TIMEZONE and the app's clock as the Jinja filters every template uses:

    {{ moment|when }}        Mon 30 Nov 2026, 18:56 CET   a stored UTC timestamp
    {{ moment|when_hint }}   tomorrow at 18:56            relative when near, else `when`
    {{ day|day }}            Mon 30 Nov 2026              a calendar date
    {{ day|day_short }}      Mon 30 Nov                   within the year
    {{ day|day_hint }}       today, tomorrow, Mon 7 Dec   relative when near
    {{ day|day_hint(today) }}                             the same, for a page that knows today
    {{ minutes|duration }}   24 hours, 1 hour 30 minutes, 45 minutes
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app


def zone() -> ZoneInfo:
    """The organisation's time zone (LMS_TIMEZONE, default UTC)."""
    return ZoneInfo(current_app.config.get("LMS_TIMEZONE") or "UTC")


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """The moment in the zone; naive moments (SQLite hands them back) are taken as UTC."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(tz)


# English names, as strftime's %a and %b give them in the C locale, looked up rather than
# formatted: a plan page writes tens of dates, and strftime was a twentieth of its time
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def format_day(day: date, *, year: bool = True) -> str:
    """Mon 7 Dec 2026 (or Mon 7 Dec)."""
    text = f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"
    return f"{text} {day.year}" if year else text


def format_when(moment: datetime, tz: ZoneInfo) -> str:
    """Mon 7 Dec 2026, 18:56 CET: a date and time in the zone, with the zone's name."""
    at = local(moment, tz)
    return f"{format_day(at.date())}, {at.hour:02d}:{at.minute:02d} {at.tzname()}"


def day_hint(day: date, today: date) -> str:
    """today, tomorrow, yesterday, or the weekday and date (with the year when not this one)."""
    offset = (day - today).days
    names = {0: "today", 1: "tomorrow", -1: "yesterday"}
    if offset in names:
        return names[offset]
    return format_day(day, year=day.year != today.year)


def when_hint(moment: datetime, now: datetime, tz: ZoneInfo) -> str:
    """Say "today at 18:56" or "tomorrow at 09:00" when near; otherwise the date and time."""
    at, today = local(moment, tz), local(now, tz).date()
    if abs((at.date() - today).days) <= 1:
        return f"{day_hint(at.date(), today)} at {at:%H:%M} {at.tzname()}"
    return format_when(moment, tz)


def duration(minutes: int | float | None) -> str:
    """45 minutes, 1 hour 30 minutes, 24 hours (under two days in hours), 2 days 4 hours."""
    if minutes is None:
        return ""
    total = round(minutes)
    hours, mins = divmod(total, 60)
    days = 0
    if total >= 2 * 24 * 60:
        days, hours = divmod(hours, 24)
    parts = [(days, "day"), (hours, "hour"), (mins, "minute")]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n) or "0 minutes"


def register(app: Flask) -> None:
    """Install the filters, bound to LMS_TIMEZONE and the app's clock."""
    from lms.timeutil import today, utcnow

    app.add_template_filter(lambda m: format_when(m, zone()) if m else "", "when")
    app.add_template_filter(lambda m: when_hint(m, utcnow(), zone()) if m else "", "when_hint")
    app.add_template_filter(lambda d: format_day(d) if d else "", "day")
    app.add_template_filter(lambda d: format_day(d, year=False) if d else "", "day_short")
    # a page listing many dates passes the day it was laid out for (no clock read per date)
    app.add_template_filter(lambda d, on=None: day_hint(d, on or today()) if d else "", "day_hint")
    app.add_template_filter(duration, "duration")
    app.jinja_env.globals["time_zone_name"] = lambda: str(zone())
