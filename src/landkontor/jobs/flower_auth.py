"""Flower's login: basic auth from settings, or a password generated once into
<var_dir>/flower-password (mode 0600). Flower never runs open on a non-loopback address."""

from __future__ import annotations

import secrets

from landkontor.auth.security import write_private_file
from landkontor.errors import InvalidInput
from landkontor.settings import Settings
from landkontor.urls import is_loopback_host as is_loopback

PASSWORD_FILE = "flower-password"  # noqa: S105 - a file name


def resolve_flower_password(settings: Settings) -> str | None:
    """The Flower password: configured, else generated once into <var_dir>/flower-password.

    An explicitly empty password means no login, allowed only when Flower binds to a
    loopback address (InvalidInput otherwise)."""
    configured = settings.flower_password
    if configured is not None:
        value = configured.get_secret_value()
        if value:
            return value
        if not is_loopback(settings.flower_host):
            raise InvalidInput(
                f"Flower without a password may only bind to a loopback address, "
                f"not {settings.flower_host}; set LANDKONTOR_FLOWER_PASSWORD",
                field="flower_password",
            )
        return None
    path = settings.var_dir / PASSWORD_FILE
    write_private_file(path, secrets.token_urlsafe(24))
    return path.read_text(encoding="utf-8").strip()


def basic_auth(settings: Settings) -> str | None:
    """'user:password' for Flower's --basic-auth, or None for no login."""
    password = resolve_flower_password(settings)
    if password is None:
        return None
    if "," in settings.flower_user or ":" in settings.flower_user or "," in password:
        raise InvalidInput(
            "the Flower user may not contain ',' or ':' and the password no ','",
            field="flower_password",
        )
    return f"{settings.flower_user}:{password}"
