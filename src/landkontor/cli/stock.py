"""`landkontor stock verify`."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from landkontor.cli.common import console, session_scope
from landkontor.inventory.verify import verify_stock

app = typer.Typer(help="Stock ledger tools.", no_args_is_help=True)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Recompute levels and item values from the ledger; exit 1 on any mismatch."""
    with session_scope() as session:
        mismatches = verify_stock(session)
    if as_json:
        console.print_json(
            json.dumps({"ok": not mismatches, "mismatches": [m.as_dict() for m in mismatches]})
        )
    elif not mismatches:
        console.print(
            "[green]Stock is consistent:[/] every level and item value equals the ledger."
        )
    else:
        table = Table("kind", "item", "location", "batch", "recorded", "ledger", title="Mismatches")
        for m in mismatches:
            recorded = f"{m.recorded_quantity}" + (
                f" / {m.recorded_value}" if m.recorded_value is not None else ""
            )
            ledger = f"{m.ledger_quantity}" + (
                f" / {m.ledger_value}" if m.ledger_value is not None else ""
            )
            table.add_row(
                m.kind,
                str(m.item_id),
                str(m.location_id or "-"),
                str(m.batch_id or "-"),
                recorded,
                ledger,
            )
        console.print(table)
    if mismatches:
        raise typer.Exit(1)
