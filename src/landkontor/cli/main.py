"""Entry point of the `landkontor` command.

A service process (`landkontor api`, `worker`, `beat`, `flower`) imports only its own
command's module, not every command's: each started interpreter saves about half a second,
which `landkontor up` starting four of them side by side on a small machine notices.
`landkontor --help` and anything unknown build the whole command tree.

Every command starts by validating the settings (`config.require_valid_configuration`): an
invalid one ends it with exit code 2 and one line per problem, before anything is started or
written. Only `--help`, `version` and `config check` (which reports the result itself) skip it.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from landkontor import __version__

HELP = "Landkontor: ERP for agricultural trade and feed production."

# name → (module in landkontor.cli, attribute, "group" for a Typer sub-app or "command")
COMMANDS: dict[str, tuple[str, str, str]] = {
    "config": ("config", "app", "group"),
    "db": ("db", "app", "group"),
    "user": ("users", "app", "group"),
    "stock": ("stock", "app", "group"),
    "grain": ("grain", "app", "group"),
    "documents": ("documents", "app", "group"),
    "demo": ("demo", "demo", "command"),
    "api": ("server", "api", "command"),
    "up": ("ops", "up", "command"),
    "down": ("ops", "down", "command"),
    "status": ("ops", "status", "command"),
    "restart": ("ops", "restart", "command"),
    "logs": ("ops", "logs", "command"),
    "doctor": ("doctor", "doctor", "command"),
    "systemtest": ("systemtest", "systemtest", "command"),
    "loadtest": ("loadtest", "run", "command"),
    "worker": ("jobs", "worker", "command"),
    "beat": ("jobs", "beat", "command"),
    "flower": ("jobs", "flower", "command"),
}


ARGS = "landkontor.args"
NO_VALIDATION = (["version"], ["config", "check"])


class _Root(TyperGroup):
    """The root group; keeps the command line so the callback can see what will run."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        ctx.meta[ARGS] = list(args)
        return super().parse_args(ctx, args)


def _validate_first(
    ctx: typer.Context,
    debug: bool = typer.Option(
        False, "--debug", help="Show the traceback of a configuration error."
    ),
) -> None:
    """Validate the settings before the command runs (exit 2 with the reasons when invalid)."""
    args = ctx.meta.get(ARGS, [])
    words = [a for a in args if not a.startswith("-")]
    if "--help" in args or any(words[: len(path)] == path for path in NO_VALIDATION):
        return
    from landkontor.cli.config import require_valid_configuration

    require_valid_configuration(ctx.invoked_subcommand, debug=debug)


def version() -> None:
    """Print the installed version."""
    typer.echo(__version__)


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree: every command, or just ``only`` (the one being run)."""
    app = typer.Typer(
        name="landkontor",
        help=HELP,
        no_args_is_help=True,
        pretty_exceptions_show_locals=False,
        cls=_Root,
    )
    # The callback also keeps the app a group when only one command is registered.
    app.callback()(_validate_first)

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
    words = [a for a in sys.argv[1:] if not a.startswith("-")]  # skip --debug
    wanted = words[0] if words else None
    build_app(wanted if wanted in COMMANDS or wanted == "version" else None)()


if __name__ == "__main__":
    main()
