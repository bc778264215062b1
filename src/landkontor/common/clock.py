"""Business dates: 'today' in the company's time zone (best-before dates, invoice years).

The time zone is a setting (``timezone``); callers pass their :class:`Settings` (domain code
takes them from its session: :func:`landkontor.db.session.settings_of`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from landkontor.db.types import utcnow
from landkontor.settings import Settings


def business_today(settings: Settings) -> date:
    return business_date(utcnow(), settings)


def business_date(moment: datetime, settings: Settings) -> date:
    return moment.astimezone(ZoneInfo(settings.timezone)).date()


def end_of_business_day(day: date, settings: Settings) -> datetime:
    """The last moment (UTC) of ``day`` in the company's time zone: 'as of 31 March'."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), ZoneInfo(settings.timezone))
    return (next_midnight - timedelta(microseconds=1)).astimezone(UTC)
