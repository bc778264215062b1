"""`landkontor grain …`: what operators need at harvest without the API — the §24 UStG
average rates when the law changes, silo contents and unsettled tickets at a glance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

import typer
from rich.table import Table

from landkontor.cli.common import console, fail, session_scope
from landkontor.grain import masterdata, reports
from landkontor.grain.schemas import FlatRateVatIn

app = typer.Typer(help="Grain intake: VAT rates of flat-rate farmers, silos, tickets.")


@app.command("flat-rates")
def flat_rates() -> None:
    """List the §24 UStG average rates by the day they start."""
    with session_scope() as session:
        rates = masterdata.list_flat_rates(session)
    table = Table("valid from", "percent", title="§24 UStG Durchschnittssatz")
    for rate in rates:
        table.add_row(rate.valid_from.isoformat(), f"{rate.percent.normalize():f}")
    console.print(table)


@app.command("add-flat-rate")
def add_flat_rate(
    valid_from: str = typer.Argument(help="First day of the new rate, YYYY-MM-DD."),
    percent: str = typer.Argument(help="The rate in per cent, e.g. 7.8."),
) -> None:
    """Add a new §24 UStG average rate (after a change of the law)."""
    try:
        data = FlatRateVatIn(valid_from=date.fromisoformat(valid_from), percent=Decimal(percent))
    except (ValueError, InvalidOperation) as exc:
        fail(f"invalid date or percent: {exc}")
        return
    with session_scope() as session:
        rate = masterdata.add_flat_rate(session, data)
    console.print(f"[green]Added:[/] {rate.percent.normalize():f} % from {rate.valid_from}")


@app.command("silos")
def silos(warehouse_id: int | None = typer.Option(None, help="Only this site.")) -> None:
    """Silo cells: running silo batch, quantity, farmers' lots, average quality."""
    with session_scope() as session:
        rows = reports.silo_contents(session, warehouse_id)
    table = Table("cell", "silo batch", "kg", "lots", "moisture %", "protein %")
    for row in rows:
        table.add_row(
            row.location_code,
            row.batch_no or "-",
            f"{row.quantity_kg.normalize():f}",
            str(len(row.lots)),
            str(row.average_moisture or "-"),
            str(row.average_protein or "-"),
        )
    console.print(table)


@app.command("unsettled")
def unsettled(supplier_id: int | None = typer.Option(None, help="Only this farmer.")) -> None:
    """Tickets taken in but not settled yet."""
    with session_scope() as session:
        rows = reports.unsettled_tickets(session, supplier_id)
    table = Table("ticket", "farmer", "taken in", "settlement kg")
    for ticket in rows:
        table.add_row(
            ticket.ticket_no,
            str(ticket.supplier_id),
            str(ticket.taken_in_on),
            f"{(ticket.settlement_kg or Decimal(0)).normalize():f}",
        )
    console.print(table)
