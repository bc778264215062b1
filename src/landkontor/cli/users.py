"""`landkontor user create|list`."""

from __future__ import annotations

import sys

import typer
from pydantic import ValidationError
from rich.table import Table

from landkontor.auth import service
from landkontor.auth.roles import Role
from landkontor.auth.schemas import UserCreate
from landkontor.cli.common import console, fail, session_scope

app = typer.Typer(help="Manage users.", no_args_is_help=True)


def _read_password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True)


@app.command("create")
def create(
    username: str = typer.Argument(..., help="Login name."),
    role: Role = typer.Option(Role.viewer, "--role", "-r", help="Role of the new user."),
    full_name: str = typer.Option("", "--name", help="Full name."),
) -> None:
    """Create a user; the password is read from stdin or prompted for."""
    password = _read_password()
    try:
        data = UserCreate(username=username, password=password, role=role, full_name=full_name)
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
        return
    with session_scope() as session:
        user = service.create_user(session, data)
        console.print(f"Created user [bold]{user.username}[/] with role {user.role.value}.")


@app.command("list")
def list_users() -> None:
    """List users and their roles."""
    with session_scope() as session:
        table = Table("username", "role", "active", "last login")
        for user in service.all_users(session):
            table.add_row(
                user.username,
                user.role.value,
                "yes" if user.is_active else "no",
                str(user.last_login_at or "-"),
            )
        console.print(table)
