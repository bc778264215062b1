"""INSERT … ON CONFLICT for the two dialects we support (both have the same API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_for(session: Session, table: Any) -> Any:
    """An ``insert(table)`` supporting ``on_conflict_do_update/do_nothing`` for this session."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
