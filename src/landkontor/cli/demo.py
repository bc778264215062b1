"""`landkontor demo`: fill an empty database with the demo Landhandel."""

from __future__ import annotations

from enum import StrEnum

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from landkontor.cli.common import console, fail, session_scope
from landkontor.demo.errors import DatabaseNotEmpty
from landkontor.demo.service import get_scale, load_demo

EXIT_NOT_EMPTY = 2


class ScaleName(StrEnum):
    small = "small"
    full = "full"


def demo(
    scale: ScaleName = typer.Option(
        ScaleName.full, "--scale", help="full: a year of trade; small: eight weeks (tests)."
    ),
    actor: str = typer.Option("demo", "--actor", help="Recorded as the user who posted."),
) -> None:
    """Load a realistic Landhandel (sites, items, partners, a year of trade) through the
    services. Refuses a database that already holds business data (exit 2)."""
    with session_scope() as session:
        columns = (
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f} %"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task("Loading the demo", total=None)

            def report(done: int, total: int, message: str) -> None:
                bar.update(task, completed=done, total=total, description=message)

            try:
                summary = load_demo(session, get_scale(scale.value), actor=actor, progress=report)
            except DatabaseNotEmpty as exc:
                fail(exc.detail, EXIT_NOT_EMPTY)
                return
    title = f"Demo loaded ({summary.scale}, as of {summary.today.isoformat()})"
    table = Table("what", "count", title=title)
    for name, count in summary.counts.items():
        table.add_row(name, str(count))
    console.print(table)
