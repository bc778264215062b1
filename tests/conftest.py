"""Test set-up shared by every test.

The suite runs against PostgreSQL when LANDKONTOR_TEST_DATABASE_URL is set, else against a
fresh SQLite file. Every process the tests start (CLI, workers, supervisors) reads the same
settings from the environment prepared here.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from landkontor.db.session import Database, get_database, reset_databases
from landkontor.settings import Settings, get_settings

pytest_plugins = ["tests.jobs_support", "tests.web_support", "tests.documents_fixtures"]

TEST_DATABASE_URL = os.environ.get("LANDKONTOR_TEST_DATABASE_URL", "")
SECRET = "test-secret-key-that-is-long-enough-for-hs256"
ADMIN_PASSWORD = "admin-password-for-tests"


def pytest_configure(config: pytest.Config) -> None:
    var_dir = Path(tempfile.mkdtemp(prefix="landkontor-test-"))
    os.environ["LANDKONTOR_VAR_DIR"] = str(var_dir)
    os.environ["LANDKONTOR_DATABASE_URL"] = TEST_DATABASE_URL or f"sqlite:///{var_dir}/test.db"
    os.environ["LANDKONTOR_SECRET_KEY"] = SECRET
    os.environ["LANDKONTOR_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    os.environ.setdefault("LANDKONTOR_LOG_LEVEL", "WARNING")
    os.environ.pop("LANDKONTOR_API_URL", None)
    get_settings.cache_clear()


def _drop_everything(database: Database) -> None:
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        else:
            tables = connection.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
                )
            ).scalars()
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            for table in list(tables):
                connection.exec_driver_sql(f'DROP TABLE IF EXISTS "{table}"')


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def migrated_database(settings: Settings) -> Iterator[Database]:
    from landkontor.db import migrate

    database = get_database(settings)
    _drop_everything(database)
    migrate.upgrade(database)
    yield database
    reset_databases()


def _truncate_all(database: Database) -> None:
    import landkontor.models  # noqa: F401
    from landkontor.db.base import Base

    tables = [t.name for t in Base.metadata.sorted_tables]
    with database.engine.begin() as connection:
        if database.dialect == "postgresql":
            # DELETE is far cheaper than TRUNCATE for the few rows a test leaves (TRUNCATE
            # makes new files for every table and index). The replica role skips triggers —
            # the append-only and foreign-key ones — for this transaction only.
            connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for table in tables:
                connection.exec_driver_sql(f'DELETE FROM "{table}"')
        else:
            # The append-only triggers refuse DELETE; lift them for the clean-up only.
            triggers = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            ).all()
            for name, _sql in triggers:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
            for table in reversed(tables):
                connection.exec_driver_sql(f'DELETE FROM "{table}"')
            for _name, sql in triggers:
                connection.exec_driver_sql(sql)
        _seed_reference_data(connection)


def _seed_reference_data(connection) -> None:
    """What the migrations insert and the truncation removed: units, VAT rates and the
    §24 UStG average rates."""
    from landkontor.catalog.models import Unit
    from landkontor.catalog.service import STANDARD_UNITS
    from landkontor.partners.models import TaxRate
    from landkontor.partners.pricing import STANDARD_TAX_RATES

    connection.execute(
        Unit.__table__.insert(),
        [{"code": c, "name": n, "dimension": d, "factor": f} for c, n, d, f in STANDARD_UNITS],
    )
    connection.execute(
        TaxRate.__table__.insert(),
        [{"category": c, "valid_from": v, "percent": p} for c, v, p in STANDARD_TAX_RATES],
    )
    from landkontor.grain.masterdata import STANDARD_FLAT_RATES
    from landkontor.grain.models import FlatRateVat

    connection.execute(
        FlatRateVat.__table__.insert(),
        [{"valid_from": v, "percent": p} for v, p in STANDARD_FLAT_RATES],
    )


@pytest.fixture
def db(migrated_database: Database) -> Database:
    """The migrated test database, emptied before the test."""
    from landkontor.auth.principals import forget_everyone

    _truncate_all(migrated_database)
    forget_everyone()  # user ids may come back (SQLite), and the users are gone
    return migrated_database


@pytest.fixture
def session(db: Database) -> Iterator:
    with db.session() as s:
        yield s


@pytest.fixture(scope="session")
def shared_app(migrated_database: Database, settings: Settings):
    """One application for the whole run: building one costs more than most tests."""
    from landkontor.api.app import create_app

    return create_app(settings, migrated_database)


@pytest.fixture
def app(db: Database, shared_app):
    """The application over the emptied test database (tests must not change the app;
    one that needs to builds its own with create_app)."""
    return shared_app


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@functools.cache
def _role_user_hash() -> str:
    from landkontor.auth.security import hash_password

    return hash_password("secret-password")


class Users:
    """Creates users of each role and hands out their auth headers."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self._headers: dict[str, dict[str, str]] = {}

    def create(self, username: str, role: str, password: str = "secret-password") -> int:
        from landkontor.auth import service
        from landkontor.auth.roles import Role
        from landkontor.auth.schemas import UserCreate

        with self.database.session() as s:
            user = service.create_user(
                s, UserCreate(username=username, password=password, role=Role(role))
            )
            return user.id

    def create_role_user(self, username: str, role: str) -> int:
        """A user who only logs in by token: its (real argon2) hash is computed once per run,
        since hashing costs tens of milliseconds and nearly every test needs such users."""
        from landkontor.auth.models import User
        from landkontor.auth.roles import Role

        with self.database.session() as s:
            user = User(username=username, role=Role(role), password_hash=_role_user_hash())
            s.add(user)
            s.commit()
            return user.id

    def headers(self, role: str) -> dict[str, str]:
        from landkontor.auth.security import create_access_token

        if role not in self._headers:
            user_id = self.create_role_user(f"{role}-user", role)
            token, _ = create_access_token(user_id, 0, key=SECRET, lifetime=timedelta(minutes=30))
            self._headers[role] = {"Authorization": f"Bearer {token}"}
        return self._headers[role]


@pytest.fixture
def users(db: Database) -> Users:
    return Users(db)


@pytest.fixture
def admin(users: Users) -> dict[str, str]:
    return users.headers("admin")


@pytest.fixture
def manager(users: Users) -> dict[str, str]:
    return users.headers("manager")


@pytest.fixture
def clerk(users: Users) -> dict[str, str]:
    return users.headers("clerk")


@pytest.fixture
def viewer(users: Users) -> dict[str, str]:
    return users.headers("viewer")


@pytest.fixture
def stock(client, manager):
    from tests.factories import Stock

    return Stock(client, manager)


@pytest.fixture
def trade(client, manager, clerk, admin):
    """Builders of trade documents; the company master data invoices need are entered."""
    from tests.trade import Trade

    trade = Trade(client, manager=manager, clerk=clerk)
    trade.enter_company(admin)
    return trade
