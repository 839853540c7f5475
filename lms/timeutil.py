"""Time in one place: UTC now, so tests can move the clock."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def utcnow() -> datetime:
    """Return the current time in UTC (the app's LMS_NOW overrides it in tests)."""
    if has_app_context():
        fixed = current_app.config.get("LMS_NOW")
        if fixed is not None:
            return fixed() if callable(fixed) else fixed
    return datetime.now(UTC)


def today() -> date:
    """Return today's date in the organisation's time zone (LMS_TIMEZONE, default UTC)."""
    zone = current_app.config.get("LMS_TIMEZONE", "UTC") if has_app_context() else "UTC"
    return utcnow().astimezone(ZoneInfo(zone)).date()


def as_utc(moment: datetime) -> datetime:
    """Return the moment with UTC attached (SQLite hands back naive datetimes)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
