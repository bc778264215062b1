"""`landkontor config show`."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from landkontor.cli.common import console
from landkontor.settings import Settings, get_settings

app = typer.Typer(help="Show the effective configuration.", no_args_is_help=True)


@app.command("show")
def show(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Print every setting with its effective value; secrets are masked."""
    settings = get_settings()
    values = settings.masked()
    if as_json:
        console.print_json(json.dumps(values))
        return
    table = Table(title="Landkontor settings (env prefix LANDKONTOR_)")
    table.add_column("setting")
    table.add_column("environment variable")
    table.add_column("value")
    for name, value in values.items():
        table.add_row(name, "LANDKONTOR_" + name.upper(), value)
    console.print(table)


def describe_settings() -> list[tuple[str, str, str]]:
    """(variable, default, description) of every setting, for the README table."""
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.get_default(call_default_factory=True)
        rows.append(("LANDKONTOR_" + name.upper(), str(default), field.description or ""))
    return rows
