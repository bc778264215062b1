"""Entry point of the `landkontor` command."""

from __future__ import annotations

import typer

from landkontor import __version__
from landkontor.cli import config, db, doctor, jobs, ops, server, stock, systemtest, users

app = typer.Typer(
    name="landkontor",
    help="Landkontor: ERP for agricultural trade and feed production.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(config.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="user")
app.add_typer(stock.app, name="stock")
app.command("api")(server.api)
app.command("up")(ops.up)
app.command("down")(ops.down)
app.command("status")(ops.status)
app.command("restart")(ops.restart)
app.command("logs")(ops.logs)
app.command("doctor")(doctor.doctor)
app.command("systemtest")(systemtest.systemtest)
app.command("worker")(jobs.worker)
app.command("beat")(jobs.beat)
app.command("flower")(jobs.flower)


@app.command("version")
def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
