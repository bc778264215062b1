"""Business dates: 'today' in the company's time zone (best-before dates, invoice years)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from landkontor.db.types import utcnow
from landkontor.settings import get_settings


def business_today() -> date:
    return utcnow().astimezone(ZoneInfo(get_settings().timezone)).date()


def business_date(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo(get_settings().timezone)).date()
