"""Alembic environment: runs online against the engine handed over by landkontor.db.migrate."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Engine

import landkontor.models  # noqa: F401 - registers every table on Base.metadata
from landkontor.db.base import Base
from landkontor.db.session import make_engine

config = context.config
target_metadata = Base.metadata


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our shared JSON type by name instead of its JSON/JSONB variant internals."""
    from landkontor.db.types import JSONType

    if type_ == "type" and obj is JSONType:
        return "landkontor.db.types.JSONType"
    return False


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    if engine is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            from landkontor.settings import get_settings

            url = get_settings().database_url
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline SQL generation is not supported; run against a database")
run_migrations_online()
