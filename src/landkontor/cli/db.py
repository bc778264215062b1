"""`landkontor db upgrade|current`."""

from __future__ import annotations

import typer

from landkontor.cli.common import console, database
from landkontor.db import migrate
from landkontor.settings import mask_url

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations (default: up to the newest)."""
    db = database()
    migrate.upgrade(db, revision)
    console.print(f"Database {mask_url(db.url)} is at [bold]{migrate.current_revision(db)}[/].")


@app.command("current")
def current() -> None:
    """Print the revision the database is at and whether it is the newest."""
    db = database()
    rev = migrate.current_revision(db)
    head = migrate.head_revision()
    state = "[green]up to date[/]" if rev == head else f"[yellow]behind (head is {head})[/]"
    console.print(f"{mask_url(db.url)}: revision [bold]{rev or '(empty)'}[/] — {state}")
    if rev != head:
        raise typer.Exit(1)
