"""The checked-in migrations and the ORM models describe the same schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import landkontor.models  # noqa: F401
from landkontor.db import migrate
from landkontor.db.base import Base


def test_models_and_migrations_agree(migrated_database):
    with migrated_database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models differ from migrations: {diff}"


def test_database_is_at_head(migrated_database):
    assert migrate.is_at_head(migrated_database)
    assert migrate.current_revision(migrated_database) == migrate.head_revision()


def test_json_type_is_jsonb_on_postgresql(migrated_database):
    from sqlalchemy import Column, MetaData, Table

    from landkontor.db.types import JSONType

    table = Table("probe", MetaData(), Column("doc", JSONType))
    compiled = table.c.doc.type.compile(dialect=migrated_database.engine.dialect)
    expected = "JSONB" if migrated_database.dialect == "postgresql" else "JSON"
    assert compiled == expected
