"""URLs and hosts in settings: which schemes Landkontor supports, masking, loopback."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

MASK = "***"

# URL schemes Landkontor supports, each with an example.
DATABASE_SCHEMES: dict[str, str] = {
    "sqlite": "sqlite:///var/landkontor.db",
    "postgresql": "postgresql://landkontor:PASSWORD@db.example.de:5432/landkontor",
    "postgres": "postgres://landkontor:PASSWORD@db.example.de:5432/landkontor",
    "postgresql+psycopg": "postgresql+psycopg://landkontor:PASSWORD@db.example.de/landkontor",
}
BROKER_SCHEMES: dict[str, str] = {
    "redis": "redis://127.0.0.1:6379/0",
    "rediss": "rediss://:PASSWORD@redis.example.de:6380/0",
    "amqp": "amqp://landkontor:PASSWORD@rabbitmq.example.de:5672/landkontor",
}
HTTP_SCHEMES: dict[str, str] = {"http": "http://127.0.0.1:8000", "https": "https://erp.example.de"}


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def mask_url(url: str) -> str:
    """Hide the password of a URL (``scheme://user:***@host/db``)."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url
    if password is None:
        return url
    netloc = parts.netloc.replace(f":{password}@", f":{MASK}@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def url_scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def is_amqp(url: str) -> bool:
    """Whether the broker ``url`` is RabbitMQ (else Redis)."""
    return url_scheme(url) == "amqp"


def is_loopback_host(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine (127.0.0.0/8, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, schemes: dict[str, str]) -> str:
    """``url`` when its scheme is one of ``schemes`` and it parses; ValueError otherwise."""
    scheme = url_scheme(url)
    if scheme not in schemes:
        raise ValueError(f"unsupported URL scheme {scheme + '://'!r}" if scheme else "not a URL")
    try:
        urlsplit(url).port  # noqa: B018 - raises for a port that is not a number
    except ValueError as exc:
        raise ValueError(f"not a valid URL: {exc}") from None
    return url


def supported(schemes: dict[str, str]) -> str:
    """``sqlite://…, postgresql://…`` for error messages and the README."""
    return ", ".join(f"{scheme}://…" for scheme in schemes)
