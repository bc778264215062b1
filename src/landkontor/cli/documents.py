"""`landkontor documents datev-export` and `landkontor documents archive`: the DATEV
booking batch and the document ZIP of a period, written to a file — the same functions the
jobs `accounting.datev_export` and `documents.export` run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.progress import Progress

from landkontor.cli.common import console, database, fail, session_scope
from landkontor.documents.archive import build_archive, period_documents
from landkontor.documents.datev import datev_export

app = typer.Typer(help="Business documents: DATEV export, document archive.", no_args_is_help=True)

FROM = typer.Option(..., "--from", help="First day, YYYY-MM-DD.")
TO = typer.Option(..., "--to", help="Last day, YYYY-MM-DD.")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date YYYY-MM-DD, not {value!r}", code=2)
        raise  # unreachable: fail exits


@app.command("datev-export")
def datev(
    date_from: str = FROM,
    date_to: str = TO,
    output: Path = typer.Option(..., "--output", "-o", help="The CSV file to write."),
) -> None:
    """Write the DATEV Buchungsstapel (EXTF, Windows-1252) of a period."""
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    with session_scope() as session:
        try:
            content, found = datev_export(session, start, end)
        except ValueError as exc:
            fail(str(exc), code=2)
    output.write_bytes(content)
    console.print(f"{len(found)} bookings written to {output}")


@app.command("archive")
def archive(
    date_from: str = FROM,
    date_to: str = TO,
    output: Path = typer.Option(..., "--output", "-o", help="The ZIP file to write."),
    delivery_notes: bool = typer.Option(True, help="Include the delivery notes."),
) -> None:
    """Write every invoice, credit note and delivery note of a period into a ZIP."""
    start, end = _day(date_from, "--from"), _day(date_to, "--to")
    if end < start:
        fail("--to is before --from", code=2)
    with session_scope() as session:
        invoices, deliveries = period_documents(session, start, end)
    deliveries = deliveries if delivery_notes else []
    with Progress(console=console) as progress:
        task = progress.add_task("documents", total=len(invoices) + len(deliveries))
        content = build_archive(
            database().session,
            invoices,
            deliveries,
            lambda done, _total: progress.update(task, completed=done),
        )
    output.write_bytes(content)
    console.print(f"{len(invoices)} invoices and {len(deliveries)} delivery notes in {output}")
