"""Business dates: 'today' in the company's time zone (best-before dates, invoice years)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from landkontor.db.types import utcnow
from landkontor.settings import get_settings


def business_today() -> date:
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def business_date(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()


def end_of_business_day(day: date) -> datetime:
    """The last moment (UTC) of ``day`` in the company's time zone: 'as of 31 March'."""
    next_midnight = datetime.combine(
        day + timedelta(days=1), time(), ZoneInfo(get_settings().timezone)
    )
    return (next_midnight - timedelta(microseconds=1)).astimezone(UTC)
