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


def test_production_order_numbers_continue_after_the_old_ones(tmp_path):
    """0008: the PA counter starts after the numbers made from row ids, per year; an order
    without a number gets one; then the column is NOT NULL."""
    from sqlalchemy import text

    from landkontor.db.session import Database

    database = Database(f"sqlite:///{tmp_path}/old.db")
    try:
        migrate.upgrade(database, "0007")
        raw = database.engine.raw_connection()
        try:
            sqlite = raw.driver_connection
            sqlite.execute("PRAGMA foreign_keys=OFF")  # orders without items, recipes, …
            for order_id, number, created in [
                (7, "PA-2025-000007", "2025-12-30 10:00:00"),
                (12, "PA-2026-000012", "2026-01-03 10:00:00"),
                (15, None, "2026-02-01 10:00:00"),
            ]:
                sqlite.execute(
                    "INSERT INTO production_orders (id, number, item_id, bom_id, warehouse_id,"
                    " planned_quantity, produced_quantity, status, conversion_cost, wip_value,"
                    " conversion_applied, note, created_by, created_at, updated_at)"
                    " VALUES (?, ?, 1, 1, 1, 10, 0, 'planned', 0, 0, 0, '', 'x', ?, ?)",
                    (order_id, number, created, created),
                )
            sqlite.commit()
        finally:
            raw.close()

        migrate.upgrade(database)

        with database.engine.connect() as connection:
            counters = connection.execute(
                text("SELECT year, last_number FROM document_counters WHERE series = 'PA'")
            ).all()
            assert sorted(counters) == [(2025, 7), (2026, 15)]
            filled = connection.scalar(text("SELECT number FROM production_orders WHERE id = 15"))
            assert filled == "PA-2026-000015"
            column = next(
                c
                for c in connection.execute(text("PRAGMA table_info(production_orders)"))
                if c[1] == "number"
            )
            assert column[3] == 1  # NOT NULL
    finally:
        database.dispose()
