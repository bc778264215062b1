"""Entry point of the `landkontor` command.

A service process (`landkontor api`, `worker`, `beat`, `flower`) imports only its own
command's module, not every command's: each started interpreter saves about half a second,
which `landkontor up` starting four of them side by side on a small machine notices.
`landkontor --help` and anything unknown build the whole command tree.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from landkontor import __version__

HELP = "Landkontor: ERP for agricultural trade and feed production."

# name → (module in landkontor.cli, attribute, "group" for a Typer sub-app or "command")
COMMANDS: dict[str, tuple[str, str, str]] = {
    "config": ("config", "app", "group"),
    "db": ("db", "app", "group"),
    "user": ("users", "app", "group"),
    "stock": ("stock", "app", "group"),
    "demo": ("demo", "demo", "command"),
    "api": ("server", "api", "command"),
    "up": ("ops", "up", "command"),
    "down": ("ops", "down", "command"),
    "status": ("ops", "status", "command"),
    "restart": ("ops", "restart", "command"),
    "logs": ("ops", "logs", "command"),
    "doctor": ("doctor", "doctor", "command"),
    "systemtest": ("systemtest", "systemtest", "command"),
    "worker": ("jobs", "worker", "command"),
    "beat": ("jobs", "beat", "command"),
    "flower": ("jobs", "flower", "command"),
}


def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree: every command, or just ``only`` (the one being run)."""
    app = typer.Typer(
        name="landkontor", help=HELP, no_args_is_help=True, pretty_exceptions_show_locals=False
    )

    @app.callback()
    def _root() -> None:  # a group even when only one command is registered
        pass

    for name, (module_name, attribute, kind) in COMMANDS.items():
        if only is not None and name != only:
            continue
        target = getattr(importlib.import_module(f"landkontor.cli.{module_name}"), attribute)
        if kind == "group":
            app.add_typer(target, name=name)
        else:
            app.command(name)(target)
    if only is None or only == "version":
        app.command("version")(version)
    return app


def __getattr__(name: str) -> Any:
    if name == "app":  # the whole tree, for tests and tools that import it
        return build_app()
    raise AttributeError(name)


def main() -> None:
    wanted = sys.argv[1] if len(sys.argv) > 1 else None
    build_app(wanted if wanted in COMMANDS or wanted == "version" else None)()


if __name__ == "__main__":
    main()
