"""`landkontor doctor [--fix] [--json]`."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer
from rich.table import Table
from rich.text import Text

from landkontor.cli.common import console
from landkontor.cli.ops import ops_settings
from landkontor.ops.doctor import CheckResult, Status, run_doctor

STYLE = {Status.OK: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


def doctor(
    fix: bool = typer.Option(
        False, "--fix", help="Do the safe repairs (migrations, folders, managed Redis settings)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Check the installation: OK / WARN / FAIL with a hint each. Exit code 1 on any FAIL."""
    settings = ops_settings()
    if as_json:
        results = run_doctor(settings, fix=fix)
        failed = any(r.status == Status.FAIL for r in results)
        typer.echo(json.dumps({"ok": not failed, "checks": [asdict(r) for r in results]}, indent=2))
    else:
        table = Table("check", "status", "result", "hint / repair", title="landkontor doctor")

        def show(result: CheckResult) -> None:
            style = STYLE[result.status]
            # Messages quote settings and driver errors: text, never Rich markup.
            note = Text(f"fixed: {result.fixed}", "green") if result.fixed else Text(result.hint)
            status = Text(result.status.value, style)
            table.add_row(result.name, status, Text(result.message), note)

        with console.status("checking…"):
            results = run_doctor(settings, fix=fix, on_result=show)
        console.print(table)
        failed = any(r.status == Status.FAIL for r in results)
        counts = {s: sum(r.status == s for r in results) for s in Status}
        console.print(
            f"{counts[Status.OK]} OK, {counts[Status.WARN]} WARN, {counts[Status.FAIL]} FAIL"
            + ("" if fix or not failed else " — `landkontor doctor --fix` does the safe repairs")
        )
    if failed:
        raise typer.Exit(1)
