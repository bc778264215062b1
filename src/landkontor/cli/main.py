"""Entry point of the `landkontor` command."""

from __future__ import annotations

import typer

from landkontor import __version__
from landkontor.cli import config, db, jobs, server, users

app = typer.Typer(
    name="landkontor",
    help="Landkontor: ERP for agricultural trade and feed production.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(config.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="user")
app.command("api")(server.api)
app.command("worker")(jobs.worker)
app.command("beat")(jobs.beat)
app.command("flower")(jobs.flower)
# Until the supervisor lands, `up` runs what exists on embedded defaults: the API on SQLite.
app.command("up")(server.api)


@app.command("version")
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
