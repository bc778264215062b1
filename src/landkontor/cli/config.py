"""`landkontor config show|check`, and the configuration check every command starts with."""

from __future__ import annotations

import json
import os
import traceback

import typer
from rich.table import Table

from landkontor.cli.common import console
from landkontor.config_check import Report, check_configuration
from landkontor.settings import Settings, get_settings

app = typer.Typer(help="Show and check the configuration.", no_args_is_help=True)

INVALID_EXIT_CODE = 2
# Commands that start services print the warnings too (into their logs when `up` runs them).
STARTS_SERVICES = ("up", "api", "worker", "beat", "flower")


def require_valid_configuration(command: str | None, *, debug: bool = False) -> None:
    """End the command with exit code 2 and one line per problem when the settings are invalid.

    Runs before any command does anything. No traceback unless ``--debug`` or
    LANDKONTOR_LOG_LEVEL=DEBUG, and even then the raw values (secrets) are left out.
    """
    report = check_configuration()
    if not report.ok:
        if debug or os.environ.get("LANDKONTOR_LOG_LEVEL", "").upper() == "DEBUG":
            _print_traceback(report)
        _print_problems(report)
        typer.echo("Nothing was started. Fix the settings above, then try again.", err=True)
        raise typer.Exit(INVALID_EXIT_CODE)
    if command in STARTS_SERVICES:
        for problem in report.warnings:
            typer.echo(f"Warning: {problem.line()}", err=True)


def _print_problems(report: Report) -> None:
    count = len(report.errors)
    typer.echo(f"Invalid configuration ({count} problem{'s' * (count != 1)}):", err=True)
    for problem in report.errors:
        typer.echo(f"  {problem.line()}", err=True)


def _print_traceback(report: Report) -> None:
    error = report.exception
    if error is not None:
        frames = "".join(traceback.format_tb(error.__traceback__))
        typer.echo(f"Traceback (most recent call last):\n{frames}{type(error).__name__}", err=True)
    else:
        typer.echo("(no traceback: the settings were read; a check after them failed)", err=True)


@app.command("check")
def check(
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of lines."),
) -> None:
    """Validate the settings of this environment; start nothing. Exit 0 valid, 2 invalid.

    For deployment scripts and container health checks: errors and warnings, one line each.
    """
    report = check_configuration()
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
    else:
        if report.errors:
            _print_problems(report)
        else:
            typer.echo("Configuration is valid.")
        for problem in report.warnings:
            typer.echo(f"Warning: {problem.line()}")
    if not report.ok:
        raise typer.Exit(INVALID_EXIT_CODE)


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
