"""Handing out document numbers without gaps.

Sequences are no use here: a rolled-back transaction loses its sequence value, and invoice
numbers must not have gaps. Instead the number comes from a counter row per (series, year)
that is incremented by one atomic ``INSERT … ON CONFLICT DO UPDATE … RETURNING`` inside the
transaction that writes the document. Concurrent transactions of the same series wait for
the row lock and see the committed value; a rollback undoes the increment.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from landkontor.common.clock import business_today
from landkontor.db.session import settings_of
from landkontor.db.upsert import insert_for
from landkontor.numbering.models import DocumentCounter

NUMBER_DIGITS = 6


def _increment(session: Session) -> Insert:
    stmt = insert_for(session, DocumentCounter).values(
        series=bindparam("series"), year=bindparam("year"), last_number=1
    )
    return stmt.on_conflict_do_update(
        index_elements=[DocumentCounter.series, DocumentCounter.year],
        set_={"last_number": DocumentCounter.last_number + 1},
    ).returning(DocumentCounter.last_number)


def next_number(session: Session, series: str, year: int | None = None) -> str:
    """The next number of ``series`` in ``year`` (default: this business year), e.g.
    ``RE-2026-000123``. Joins the caller's transaction; call it as late as possible there,
    because the counter row stays locked until that transaction ends."""
    year = year or business_today(settings_of(session)).year
    return format_number(series, year, next_sequence(session, series, year))


def next_sequence(session: Session, series: str, year: int) -> int:
    """The next bare counter value of ``series`` in ``year`` (1, 2, …), for documents that
    format their numbers themselves (weighing tickets per site). Same locking as above."""
    return (
        session.connection()
        .execute(_increment(session), {"series": series, "year": year})
        .scalar_one()
    )


def format_number(series: str, year: int, number: int) -> str:
    return f"{series}-{year}-{number:0{NUMBER_DIGITS}d}"


def missing_numbers(session: Session, series: str, year: int, issued: Iterable[str]) -> list[str]:
    """The numbers of ``series`` in ``year`` handed out by the counter but not among
    ``issued`` (the documents' numbers), and those issued twice: empty when the series is
    gapless. For checks after the fact (load tests, audits)."""
    last = session.scalar(
        select(DocumentCounter.last_number).where(
            DocumentCounter.series == series, DocumentCounter.year == year
        )
    )
    seen = Counter(issued)
    expected = [format_number(series, year, n) for n in range(1, (last or 0) + 1)]
    missing = [number for number in expected if number not in seen]
    return missing + sorted(number for number, count in seen.items() if count > 1)
