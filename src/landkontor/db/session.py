"""Engines, sessions and the one-transaction-per-use-case rule.

SQLite is configured for a single server: WAL (readers never block writers), foreign keys on,
a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions (use cases), so concurrent
writers queue up instead of failing when a read lock cannot be upgraded. PostgreSQL uses
READ COMMITTED with explicit row locks in the services.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from landkontor.settings import Settings, get_settings

P = ParamSpec("P")
R = TypeVar("R")

_IN_USE_CASE = "landkontor.in_use_case"
WRITE_OPTION = "landkontor_write"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


PING_AFTER_IDLE_SECONDS = 5.0


def max_overflow(pool_size: int) -> int:
    """Connections a PostgreSQL engine may open beyond its pool under load, briefly."""
    return pool_size


def make_engine(
    url: str,
    *,
    pool_size: int = 10,
    echo: bool = False,
    ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
    behind_pgbouncer: bool = False,
) -> Engine:
    """Create an engine for ``url`` with the settings this project relies on.

    Statement parameters are hidden from logs (``echo``) and error texts: they carry what
    users sent, password hashes included. Behind PgBouncer in transaction mode consecutive
    transactions may run on different server connections, so nothing may rely on session
    state: psycopg prepares no statements there (``prepare_threshold=None``).
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        _configure_sqlite(engine)
        return engine
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=max_overflow(pool_size),
        pool_recycle=1800,
        connect_args={"prepare_threshold": None} if behind_pgbouncer else {},
    )
    _ping_when_idle(engine, ping_after_idle)
    return engine


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection before use only if it sat idle ``idle_seconds`` or longer.

    ``pool_pre_ping`` would cost a round trip on every transaction; a connection used a
    moment ago is alive or, if the database went down in that moment, the error invalidates
    the pool and the next transaction connects afresh. A stale connection found by the ping
    is replaced by the pool (DisconnectionError), so requests after a database restart work.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["landkontor_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("landkontor_idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(str(exc)) from exc
        if not alive:
            raise DisconnectionError("ping failed")


_SETTINGS_KEY = "landkontor.settings"


class Database:
    """An engine and its session factory. Made from ``settings`` (:func:`get_database`), it
    hands them to every session it opens: that is how domain code gets the settings of the
    context that called it (API, CLI, job) — :func:`settings_of`."""

    def __init__(
        self,
        url: str,
        *,
        settings: Settings | None = None,
        pool_size: int = 10,
        echo: bool = False,
        ping_after_idle: float = PING_AFTER_IDLE_SECONDS,
        behind_pgbouncer: bool = False,
    ) -> None:
        self.url = url
        self.settings = settings
        self.engine = make_engine(
            url,
            pool_size=pool_size,
            echo=echo,
            ping_after_idle=ping_after_idle,
            behind_pgbouncer=behind_pgbouncer,
        )
        self.sessionmaker = sessionmaker(
            self.engine,
            expire_on_commit=False,
            info={_SETTINGS_KEY: settings} if settings is not None else None,
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that is closed (and rolled back if uncommitted) at the end."""
        with self.sessionmaker() as session:
            yield session

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()


_databases: dict[str, Database] = {}


def get_database(settings: Settings | None = None) -> Database:
    """The process-wide database for the given (or the global) settings."""
    settings = settings or get_settings()
    database = _databases.get(settings.database_url)
    if database is None:
        database = Database(
            settings.database_url,
            settings=settings,
            pool_size=settings.database_pool_size,
            echo=settings.database_echo,
            behind_pgbouncer=settings.database_behind_pgbouncer,
        )
        _databases[settings.database_url] = database
    return database


def settings_of(session: Session) -> Settings:
    """The settings of the context (API app, CLI command, job) whose database opened
    ``session``. Domain code reads settings only through this, never from the environment;
    a session of a database made without settings gets the process's settings."""
    settings = session.info.get(_SETTINGS_KEY)
    return settings if settings is not None else get_settings()


def reset_databases() -> None:
    """Dispose every cached engine (tests, forked worker processes)."""
    for database in _databases.values():
        database.dispose()
    _databases.clear()


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write transaction.

    On SQLite a transaction that has only read so far is ended first (committing a read is
    harmless; loaded objects stay usable) and the new one takes the write lock at once.
    Elsewhere this does nothing: PostgreSQL locks rows as they are written.
    """
    if session.get_bind().dialect.name != "sqlite":
        return
    if session.in_transaction():
        if session.info.get(WRITE_OPTION) is session.get_transaction():
            return  # already writing
        session.commit()
    session.connection(execution_options={WRITE_OPTION: True})
    session.info[WRITE_OPTION] = session.get_transaction()


def use_case(
    fn: Callable[Concatenate[Session, P], R],
) -> Callable[Concatenate[Session, P], R]:
    """Run a service function as one transaction: commit on success, roll back on error.

    A use case called from inside another use case joins the outer transaction, so
    composed operations (a delivery posting stock issues) commit or fail as one.
    """

    @functools.wraps(fn)
    def wrapper(session: Session, *args: P.args, **kwargs: P.kwargs) -> R:
        if session.info.get(_IN_USE_CASE):
            return fn(session, *args, **kwargs)
        session.info[_IN_USE_CASE] = True
        try:
            begin_write(session)
            result = fn(session, *args, **kwargs)
            session.commit()
            return result
        except BaseException:
            session.rollback()
            raise
        finally:
            session.info.pop(_IN_USE_CASE, None)

    return wrapper
