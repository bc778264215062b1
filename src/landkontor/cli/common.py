"""Shared bits of the CLI: the console, settings and database access, error exits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.orm import Session

from landkontor.db.session import Database, get_database
from landkontor.errors import DomainError
from landkontor.logconfig import configure_logging
from landkontor.settings import Settings, get_settings

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def load_settings() -> Settings:
    settings = get_settings()
    configure_logging(settings, stream=None)
    return settings


def database() -> Database:
    return get_database(load_settings())


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for one command; domain errors end the command with a clear message."""
    with database().session() as session:
        try:
            yield session
        except DomainError as exc:
            fail(exc.detail)


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]Error:[/] {message}")
    raise typer.Exit(code)
