"""`landkontor api`: run the API server alone."""

from __future__ import annotations

import typer
import uvicorn
from rich.panel import Panel

from landkontor.auth.service import ensure_initial_admin
from landkontor.cli.common import console, database, load_settings
from landkontor.db import migrate
from landkontor.settings import Settings


def prepare_database(settings: Settings, *, run_migrations: bool = True) -> None:
    """Apply migrations and create the first admin; print a generated password once."""
    db = database()
    if run_migrations:
        migrate.upgrade(db)
    with db.session() as session:
        password = ensure_initial_admin(session, settings)
    if password:
        console.print(
            Panel.fit(
                f"First start: created user [bold]admin[/] with password [bold]{password}[/]\n"
                f"It is also in {settings.var_dir / 'initial-admin-password'} (readable only\n"
                "by you). Change it after logging in.",
                title="Initial admin",
                border_style="yellow",
            )
        )


def api(
    host: str | None = typer.Option(None, help="Bind address (default: LANDKONTOR_API_HOST)."),
    port: int | None = typer.Option(None, help="Port (default: LANDKONTOR_API_PORT)."),
    workers: int | None = typer.Option(None, help="Server processes (LANDKONTOR_API_WORKERS)."),
    migrate_first: bool = typer.Option(
        True, "--migrate/--no-migrate", help="Apply migrations before starting."
    ),
) -> None:
    """Run the API server (uvicorn)."""
    from landkontor.api.metrics import prepare_multiprocess_dir, remove_multiprocess_dir

    settings = load_settings()
    prepare_database(settings, run_migrations=migrate_first)
    workers = workers or settings.api_workers
    # Several processes share their metrics through files; the folder must exist (and be
    # named in the environment) before uvicorn starts them.
    metrics_dir = prepare_multiprocess_dir(settings) if workers > 1 else None
    try:
        uvicorn.run(
            "landkontor.api.app:app_from_env",
            factory=True,
            host=host or settings.api_host,
            port=port or settings.api_port,
            workers=workers,
            log_config=None,
            proxy_headers=True,
        )
    finally:
        if metrics_dir is not None:
            remove_multiprocess_dir(metrics_dir)
