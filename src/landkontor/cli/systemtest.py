"""`landkontor systemtest [--junit FILE] [--json FILE]`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.table import Table

from landkontor.cli.common import console, fail
from landkontor.cli.ops import ops_settings
from landkontor.ops.reports import passed, write_json, write_junit
from landkontor.ops.systemtest import StepResult, SystemTest, run_steps
from landkontor.settings import Settings

STYLE = {"pass": "[green]PASS[/]", "fail": "[bold red]FAIL[/]", "skip": "[yellow]SKIP[/]"}


def _password(settings: Settings, password: str | None, password_file: Path | None) -> str:
    if password:
        return password
    if password_file is not None:
        return password_file.read_text(encoding="utf-8").strip()
    if settings.admin_password is not None:
        return settings.admin_password.get_secret_value()
    initial = settings.var_dir / "initial-admin-password"
    if initial.is_file():
        return initial.read_text(encoding="utf-8").strip()
    fail("no password: pass --password/--password-file or set LANDKONTOR_ADMIN_PASSWORD")
    return ""


def systemtest(
    api_url: str | None = typer.Option(None, "--api-url", help="Default: LANDKONTOR_API_URL."),
    user: str = typer.Option("admin", "--user", help="User to log in as."),
    password: str | None = typer.Option(None, "--password", help="Its password."),
    password_file: Path | None = typer.Option(
        None, "--password-file", exists=True, dir_okay=False, help="File holding the password."
    ),
    broker_url: str | None = typer.Option(None, "--broker-url", help="Default: broker_url."),
    job_timeout: float = typer.Option(30.0, "--job-timeout", min=1, help="Seconds for the job."),
    junit: Path | None = typer.Option(None, "--junit", help="Write a JUnit XML report here."),
    json_path: Path | None = typer.Option(None, "--json", help="Write a JSON report here."),
) -> None:
    """Prove the running system works end to end. Exit code 0 only when no step fails."""
    settings = ops_settings()
    test = SystemTest(
        settings,
        api_url=api_url or settings.api_url,
        username=user,
        password=_password(settings, password, password_file),
        broker_url=broker_url or settings.broker_url,
        job_timeout=job_timeout,
    )
    started = datetime.now(UTC)
    table = Table("step", "result", "seconds", "detail", title=f"systemtest {test.api_url}")

    def show(result: StepResult) -> None:
        table.add_row(result.name, STYLE[result.status], f"{result.seconds:.2f}", result.detail)

    try:
        with console.status("running the system test…"):
            results = run_steps(test, on_result=show)
    finally:
        test.close()
    console.print(table)
    if junit:
        write_junit(junit, results, started=started)
    if json_path:
        write_json(json_path, results, started=started, api_url=test.api_url)
    failed = [r.name for r in results if r.status == "fail"]
    if not passed(results):
        console.print(f"[bold red]FAILED[/]: {', '.join(failed)}")
        raise typer.Exit(1)
    console.print("[bold green]PASSED[/]")
