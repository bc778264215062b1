"""Real health probes: HTTP for the API and Flower, PING for Redis, a connection for
RabbitMQ, Celery ping for workers.

A probe returns a short detail on success and raises ``ProbeFailed`` (or any error) otherwise.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from landkontor.ops import redis_server
from landkontor.settings import MASK, Settings
from landkontor.urls import is_amqp

CELERY_APP_MODULE = "landkontor.jobs.celery_app"


class ProbeFailed(Exception):
    """The service answered, but not as a healthy one would."""


ERROR_LENGTH = 300
DEFAULT_PORTS = {"postgresql": 5432, "redis": 6379, "rediss": 6379, "amqp": 5672}


def url_port(url: str) -> int | None:
    """The port of a service URL, or its scheme's default port."""
    parts = urlsplit(url)
    return parts.port or DEFAULT_PORTS.get(parts.scheme.split("+", 1)[0])


def describe_error(exc: BaseException, secrets: Iterable[str] = ()) -> str:
    """``Class: message`` of the error the driver gave, on one line, never empty.

    SQLAlchemy wraps the driver's error (``.orig``); its own text only adds a link.
    """
    cause = getattr(exc, "orig", None) or exc
    text = " ".join(str(cause).split())
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, MASK)
    name = type(cause).__name__
    return f"{name}: {text}"[:ERROR_LENGTH] if text else f"{name} (the driver gave no message)"


def describe_target(url: str) -> str:
    """What a connection to ``url`` tries, credentials masked: ``host db port 5432 user erp …``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "an unparsable URL"
    scheme = parts.scheme.split("+", 1)[0]
    if scheme == "sqlite":
        return f"SQLite file {unquote(parts.path[1:]) or '(none)'}"
    words = [f"{scheme} host {parts.hostname or '(none)'}"]
    words.append(f"port {port or DEFAULT_PORTS.get(scheme, '(default)')}")
    if parts.username:
        words.append(f"user {unquote(parts.username)}")
    words.append("password " + (MASK if parts.password else "(none)"))
    path = parts.path.strip("/")
    if path:
        label = {"postgresql": "database", "amqp": "vhost"}.get(scheme, "db")
        words.append(f"{label} {unquote(path)}")
    return " ".join(words)


def job_engine_installed() -> bool:
    """Whether the job engine (Celery app) is part of this installation."""
    try:
        return importlib.util.find_spec(CELERY_APP_MODULE) is not None
    except ModuleNotFoundError:
        return False


def http_get(url: str, *, timeout: float, auth: tuple[str, str] | None = None) -> httpx.Response:
    # trust_env=False: a proxy from the environment must not sit between us and localhost.
    with httpx.Client(timeout=timeout, trust_env=False, auth=auth) as http:
        return http.get(url)


def http_ok(url: str, *, timeout: float, auth: tuple[str, str] | None = None) -> str:
    response = http_get(url, timeout=timeout, auth=auth)
    if response.status_code != 200:
        raise ProbeFailed(f"HTTP {response.status_code} from {url}: {response.text[:200]}")
    return f"HTTP 200 from {url}"


def api_probe(settings: Settings) -> str:
    """The API is ready: ``GET /ready`` answers 200 (database, and broker once jobs exist)."""
    return http_ok(settings.api_url.rstrip("/") + "/ready", timeout=settings.ops_health_timeout)


def api_liveness(settings: Settings) -> str:
    """The API process serves requests at all: ``GET /health`` (no dependencies)."""
    return http_ok(settings.api_url.rstrip("/") + "/health", timeout=settings.ops_health_timeout)


def broker_probe(settings: Settings) -> str:
    """The broker answers: PING on Redis; connection and channel on RabbitMQ."""
    if is_amqp(settings.broker_url):
        from landkontor.jobs import rabbitmq

        return rabbitmq.ping(settings.broker_url, settings.ops_health_timeout)
    return redis_server.ping(settings.broker_url, settings.ops_health_timeout)


def flower_password(settings: Settings) -> str | None:
    """Flower's password: the setting, else the one the job engine generated into var/."""
    if settings.flower_password is not None:
        return settings.flower_password.get_secret_value()
    path = Path(settings.var_dir) / "flower-password"
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8").strip() or None
    return None


def flower_auth(settings: Settings) -> tuple[str, str] | None:
    password = flower_password(settings)
    return (settings.flower_user, password) if password else None


def flower_url(settings: Settings) -> str:
    host = settings.flower_host
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - a wildcard bind is reached via loopback
        host = "127.0.0.1"
    return f"http://{host}:{settings.flower_port}"


def flower_probe(settings: Settings) -> str:
    url = flower_url(settings) + "/healthcheck"
    response = http_get(url, timeout=settings.ops_health_timeout, auth=flower_auth(settings))
    if response.status_code != 200 or response.text.strip() != "OK":
        raise ProbeFailed(f"HTTP {response.status_code} from {url}: {response.text[:200]}")
    return f"OK from {url}"


def worker_probe(hostname: str, timeout: float) -> str:
    """The worker ``hostname`` answers a Celery control ping."""
    from landkontor.jobs.celery_app import celery_app

    # limit=1: return as soon as the one worker answered instead of waiting out the timeout
    replies = celery_app.control.ping(destination=[hostname], timeout=timeout, limit=1)
    if not replies:
        raise ProbeFailed(f"worker {hostname} did not answer ping within {timeout:g} s")
    return f"{hostname} answers ping"
