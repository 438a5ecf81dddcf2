"""Time helpers: the app stores timezone-aware UTC timestamps, and shows and dates things in
the pharmacy's own time zone (PHARMACY_TIMEZONE)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .settings import settings


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso_utc(value: dt.datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset; SQLite hands back naive UTC datetimes."""
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()


def pharmacy_zone() -> ZoneInfo:
    return settings().pharmacy_timezone


def pharmacy_time(moment: dt.datetime) -> dt.datetime:
    """A stored UTC instant in the pharmacy's time zone (SQLite hands back naive UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(pharmacy_zone())


def pharmacy_today() -> dt.date:
    """The pharmacy's own date: a fill made at 17:30 in Portland is made that day, whatever
    the date is in UTC."""
    return utcnow().astimezone(pharmacy_zone()).date()
