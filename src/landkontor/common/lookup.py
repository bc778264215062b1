"""Loading one row by id for a use case: not found as a clear error, optionally locked.

The lock is PostgreSQL's ``FOR NO KEY UPDATE``: writers of the row wait for each other, but
it does not conflict with the ``KEY SHARE`` locks that inserting a referencing row (a foreign
key) takes. Plain ``FOR UPDATE`` would: locking a customer would then wait for every open
transaction that just wrote one of its orders or invoices, and such waits deadlock. SQLite
ignores it (its writers are serialised anyway). Every row lock of the application is taken
here — :func:`fetch` with ``lock=True``, :func:`get_locked`, :func:`locked` for a query —
and only locks ``OF`` the queried table (not rows of eagerly joined tables). Plain
``FOR UPDATE`` would be needed only by a transaction that changes a key column of the
locked row; none does.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import Session

from landkontor.errors import DomainError, InvalidInput, not_found

T = TypeVar("T")


def _no_key_update(model: Any) -> dict[str, Any]:
    return {"key_share": True, "of": model}


def locked(stmt: Select, *, of: Any, skip_locked: bool = False) -> Select:
    """``stmt`` taking the row lock of its rows of ``of`` (FOR NO KEY UPDATE OF …);
    ``skip_locked``: rows another transaction holds are left out instead of waited for."""
    return stmt.with_for_update(**_no_key_update(of), skip_locked=skip_locked)


def get_locked(session: Session, model: type[T], key: Any) -> T | None:
    """The ``model`` row with primary key ``key``, locked and reloaded as of the lock; None
    if there is none (for callers to whom a missing row is no error)."""
    return session.get(model, key, with_for_update=_no_key_update(model), populate_existing=True)


def missing(kind: str, key: Any, field: str | None = None) -> DomainError:
    """The error for a row that is not there: NotFound (404), or InvalidInput (422) naming
    ``field`` when the id came in a request body."""
    if field is not None:
        return InvalidInput(f"{kind} {key} does not exist", field=field)
    return not_found(kind, key)


def fetch(
    session: Session,
    model: type[T],
    key: Any,
    *,
    kind: str,
    lock: bool = False,
    field: str | None = None,
) -> T:
    """The ``model`` row with primary key ``key``.

    Missing: NotFound (404), or InvalidInput (422) naming ``field`` when the id came in a
    request body. ``lock`` takes the row lock and reloads the row (and its eagerly loaded
    relationships) as of that lock.
    """
    row = get_locked(session, model, key) if lock else session.get(model, key)
    if row is None:
        raise missing(kind, key, field)
    return row
