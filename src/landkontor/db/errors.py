"""What may be said about a database error: its kind, never the values it was about.

A driver's error text is not safe to log or to show: PostgreSQL's DETAIL names the values
(``Key (username)=(bob)``, ``Failing row contains (…, $argon2id$…)``), and SQLAlchemy adds the
statement's parameters unless the engine hides them (ours do: ``hide_parameters=True``).
:func:`describe` keeps only the SQLSTATE and its name, the statement's kind, and the table,
column and constraint the database names; that is what the API and the workers log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.exc import DataError, DBAPIError, StatementError

# The statement's kind and the table it writes or reads first, e.g. "INSERT INTO users".
_STATEMENT = re.compile(
    r"^\s*(?P<kind>INSERT\s+INTO|UPDATE|DELETE\s+FROM|SELECT|WITH)\b"
    r"(?:.*?\bFROM\b)?\s*\"?(?P<table>\w+)?",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class DatabaseErrorInfo:
    error: str  # the exception class, e.g. DataError
    sqlstate: str | None  # e.g. 22003
    condition: str | None  # the SQLSTATE's name, e.g. NumericValueOutOfRange
    statement: str | None  # INSERT, UPDATE, DELETE, SELECT
    table: str | None
    column: str | None
    constraint: str | None

    def __str__(self) -> str:
        parts = [self.error]
        for name in ("sqlstate", "condition", "statement", "table", "column", "constraint"):
            value = getattr(self, name)
            if value:
                parts.append(f"{name}={value}")
        return " ".join(parts)


def _condition(sqlstate: str | None) -> str | None:
    if not sqlstate:
        return None
    try:
        from psycopg import errors as pg_errors
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return None
    try:
        return pg_errors.lookup(sqlstate).__name__
    except KeyError:
        return None


def describe(exc: BaseException) -> DatabaseErrorInfo:
    """The loggable facts of a SQLAlchemy database error (or of any exception: its class)."""
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    diag = getattr(orig, "diag", None)
    statement = exc.statement if isinstance(exc, StatementError) else None
    kind = table = None
    match = _STATEMENT.match(statement or "")
    if match:
        kind = match.group("kind").split()[0].upper()
        table = match.group("table")
    return DatabaseErrorInfo(
        error=type(exc).__name__,
        sqlstate=sqlstate,
        condition=_condition(sqlstate),
        statement=kind,
        table=getattr(diag, "table_name", None) or table,
        column=getattr(diag, "column_name", None),
        constraint=getattr(diag, "constraint_name", None),
    )


def caused_by_input(exc: BaseException) -> bool:
    """A data exception (SQLSTATE class 22: a number too large, a string too long, a NUL
    byte, an invalid date): the values the request brought cannot be stored."""
    if isinstance(exc, DataError):
        return True
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return isinstance(exc, DBAPIError) and sqlstate.startswith("22")


def safe_error_text(exc: BaseException) -> str:
    """``str(exc)``, except for database errors, whose text may carry values: their kind."""
    if isinstance(exc, DBAPIError):
        return f"database error: {describe(exc)}"
    return str(exc)
