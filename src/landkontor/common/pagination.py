"""Offset paging for list endpoints: ?limit=&offset= in, {items, total, limit, offset} out.

Free of the web framework (services and jobs use it); the API reads the query parameters
with ``landkontor.common.deps.PageDep`` (``limit`` 1 … :data:`MAX_LIMIT`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class PageParams:
    limit: int = 50
    offset: int = 0


def page_of(items: list[Any], total: int, params: PageParams) -> Page[Any]:
    """The response for one page of ``items`` out of ``total``."""
    return Page(items=items, total=total, limit=params.limit, offset=params.offset)


def paginate(session: Session, stmt: Select, params: PageParams) -> tuple[list[Any], int]:
    """Run ``stmt`` for one page; return the rows (scalars) and the total row count."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.scalars(stmt.limit(params.limit).offset(params.offset)))
    return rows, total


def paginate_rows(session: Session, stmt: Select, params: PageParams) -> tuple[list[Any], int]:
    """Like :func:`paginate` for multi-column selects: returns Row objects."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(session.execute(stmt.limit(params.limit).offset(params.offset)).all())
    return rows, total


_TOTAL = "page_total"


def paginate_counted(session: Session, stmt: Select, params: PageParams) -> tuple[list[Any], int]:
    """Like :func:`paginate_rows` in one statement: the total comes with every row as
    ``COUNT(*) OVER ()`` (SQLite and PostgreSQL), so the rows are found once and there is
    one round trip, not two. The rows carry it as an extra last column ``page_total``
    (response models built from ``row._mapping`` ignore it). Only a page past the end,
    which has no row to carry the total, counts separately.

    Not for ``DISTINCT`` selects (the window counts before DISTINCT)."""
    rows = session.execute(
        stmt.add_columns(func.count().over().label(_TOTAL))
        .limit(params.limit)
        .offset(params.offset)
    ).all()
    if rows:
        return list(rows), int(rows[0][-1])
    if params.offset == 0:
        return [], 0
    return [], session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
