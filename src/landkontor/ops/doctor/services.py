"""Checks of what the installation talks to: database, broker, workers, Flower, ports."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from landkontor.db import migrate
from landkontor.db.session import Database, get_database
from landkontor.db.types import JSONType
from landkontor.ops import processes, redis_server
from landkontor.ops.budget import planned_budget
from landkontor.ops.doctor.base import CheckResult, Doctor, Status
from landkontor.ops.probes import (
    broker_probe,
    describe_target,
    flower_probe,
    flower_url,
    job_engine_installed,
)
from landkontor.ops.specs import QUEUES
from landkontor.settings import mask_url
from landkontor.urls import is_amqp

REINSTALL = "reinstall Landkontor with its job engine: .venv/bin/pip install -e ."
JSON_PROBE = {"crop": "Weizen", "moisture": "14.5"}


def _database(doctor: Doctor) -> Database:
    return get_database(doctor.settings)


# --- database -------------------------------------------------------------------------------
def check_database(doctor: Doctor) -> CheckResult:
    settings = doctor.settings
    url = mask_url(settings.database_url)
    try:
        database = _database(doctor)
        database.ping()
    except Exception as exc:
        doctor.database_error = doctor.describe(exc)
        hint = (
            "make sure the folder exists and this user may write there (landkontor doctor --fix)"
            if settings.is_sqlite
            else "start PostgreSQL there, or fix host, port, user, password or database name "
            "in LANDKONTOR_DATABASE_URL"
        )
        return CheckResult(
            "database",
            Status.FAIL,
            f"{url} does not answer; tried {describe_target(settings.database_url)}: "
            f"{doctor.database_error}",
            hint,
        )
    return CheckResult("database", Status.OK, f"{url} answers ({database.dialect})")


def _database_unchecked(doctor: Doctor, name: str) -> CheckResult | None:
    if doctor.database_error:
        return CheckResult(
            name,
            Status.FAIL,
            "not checked: the database does not answer",
            "fix the database check first",
        )
    return None


def check_connections(doctor: Doctor) -> CheckResult:
    """The planned connections of every process on every host fit into PostgreSQL's
    max_connections (:mod:`landkontor.ops.budget`)."""
    name = "database-connections"
    if skipped := _database_unchecked(doctor, name):
        return skipped
    database = _database(doctor)
    if database.dialect != "postgresql":
        return CheckResult(name, Status.OK, f"{database.dialect}: no connection limit")
    with database.engine.connect() as connection:
        limit = int(connection.exec_driver_sql("SHOW max_connections").scalar_one())
        reserved = int(
            connection.exec_driver_sql("SHOW superuser_reserved_connections").scalar_one()
        )
    settings = doctor.settings
    budget = planned_budget(settings)
    available = limit - reserved
    facts = f"planned {budget.describe()}; max_connections {limit} ({reserved} reserved)"
    if settings.database_behind_pgbouncer:
        return CheckResult(
            name,
            Status.OK,
            f"behind PgBouncer: {facts}; PgBouncer's pool (default_pool_size) bounds what "
            "PostgreSQL sees, its max_client_conn must admit the planned total",
        )
    workers = budget.worker_processes * budget.per_worker_process
    fitting_pool = max(1, (available - budget.other - workers) // (2 * budget.api_processes))
    hint = (
        f"set LANDKONTOR_DATABASE_POOL_SIZE={fitting_pool} or lower (and/or lower "
        "LANDKONTOR_WORKER_DATABASE_POOL_SIZE, LANDKONTOR_WORKER_CONCURRENCY), raise "
        "max_connections in postgresql.conf, or put PgBouncer (transaction mode) in front and "
        "set LANDKONTOR_DATABASE_BEHIND_PGBOUNCER=true. LANDKONTOR_API_SERVERS and "
        "LANDKONTOR_WORKER_NODES say how many hosts share the database"
    )
    if max(budget.per_api_process, budget.per_worker_process) > available:
        return CheckResult(name, Status.FAIL, f"one process alone may exceed it: {facts}", hint)
    if budget.total > available:
        return CheckResult(
            name, Status.WARN, f"the planned connections exceed PostgreSQL's limit: {facts}", hint
        )
    return CheckResult(name, Status.OK, f"the planned connections fit: {facts}")


def check_migrations(doctor: Doctor) -> CheckResult:
    if skipped := _database_unchecked(doctor, "migrations"):
        return skipped
    database = _database(doctor)
    current, head = migrate.current_revision(database), migrate.head_revision()
    if current == head:
        return CheckResult("migrations", Status.OK, f"at head ({head})")
    if doctor.fix:
        try:
            migrate.upgrade(database)
        except Exception as exc:
            return CheckResult(
                "migrations",
                Status.FAIL,
                f"upgrade from {current} failed: {doctor.describe(exc)}",
                "see the error; restore the database from a backup if it is newer than the code",
            )
        return CheckResult(
            "migrations",
            Status.OK,
            f"at head ({head})",
            fixed=f"applied migrations {current or '(empty)'} → {head}",
        )
    return CheckResult(
        "migrations",
        Status.FAIL,
        f"database at {current or '(empty)'}, newest is {head}",
        "landkontor db upgrade (or landkontor doctor --fix)",
    )


def check_json(doctor: Doctor) -> CheckResult:
    """A JSON document round-trips and can be queried (JSONB on PostgreSQL)."""
    if skipped := _database_unchecked(doctor, "json"):
        return skipped
    database = _database(doctor)
    table = Table(
        "landkontor_doctor_json",
        MetaData(),
        Column("id", Integer, primary_key=True),
        Column("doc", JSONType),
        prefixes=["TEMPORARY"],
    )
    postgres = database.dialect == "postgresql"
    with database.engine.connect() as connection:
        transaction = connection.begin()
        try:
            table.create(connection)
            connection.execute(insert(table).values(id=1, doc=JSON_PROBE))
            stored = connection.execute(select(table.c.doc)).scalar_one()
            if postgres:
                field, kind = connection.execute(
                    text("SELECT doc->>'crop', pg_typeof(doc)::text FROM landkontor_doctor_json")
                ).one()
            else:
                field = connection.execute(
                    text("SELECT json_extract(doc, '$.crop') FROM landkontor_doctor_json")
                ).scalar_one()
                kind = "json"
        finally:
            transaction.rollback()
    if stored != JSON_PROBE or field != "Weizen" or (postgres and kind != "jsonb"):
        return CheckResult(
            "json",
            Status.FAIL,
            f"JSON round trip gave {stored!r}, field {field!r}, type {kind}",
            "PostgreSQL ≥ 12 or SQLite with the JSON1 extension is needed",
        )
    return CheckResult("json", Status.OK, f"documents round-trip and are queryable ({kind})")


# --- broker ---------------------------------------------------------------------------------
def check_broker(doctor: Doctor) -> CheckResult:
    url = doctor.settings.broker_url
    try:
        detail = broker_probe(doctor.settings)
    except Exception as exc:
        doctor.broker_error = doctor.describe(exc)
        message = (
            f"{mask_url(url)} does not answer; tried {describe_target(url)}: {doctor.broker_error}"
        )
        if is_amqp(url):
            return CheckResult(
                "broker",
                Status.FAIL,
                message,
                "start RabbitMQ there, or fix host, port, user, password or vhost in "
                "LANDKONTOR_BROKER_URL (the vhost must exist and the user may use it)",
            )
        if redis_server.is_local(url) and not doctor.supervised:
            return CheckResult(
                "broker", Status.WARN, message, "`landkontor up` starts a managed Redis there"
            )
        return CheckResult(
            "broker",
            Status.FAIL,
            message,
            "start Redis there, or fix host, port or password in LANDKONTOR_BROKER_URL",
        )
    managed = "managed by landkontor up" if doctor.managed_redis() else "external"
    return CheckResult("broker", Status.OK, f"{mask_url(url)}: {detail}, {managed}")


def check_broker_queues(doctor: Doctor) -> CheckResult:
    """RabbitMQ: every job queue is a durable quorum queue (a classic or transient queue of
    the same name loses messages on a broker restart, and the workers cannot declare theirs)."""
    name = "broker-queues"
    if not is_amqp(doctor.settings.broker_url):
        return CheckResult(name, Status.OK, "Redis lists (persistence: see redis-persistence)")
    if doctor.broker_error:
        return CheckResult(
            name, Status.FAIL, "not checked: the broker does not answer", "fix the broker first"
        )
    from landkontor.jobs import rabbitmq

    url = doctor.settings.broker_url
    queues = [rabbitmq.job_queue(queue) for queue in QUEUES]
    kinds = rabbitmq.declare_queues(url, queues, doctor.settings.ops_health_timeout)
    if wrong := [kind for kind in kinds if not kind.ok]:
        names = ", ".join(kind.name for kind in wrong)
        vhost = urlsplit(url).path.strip("/") or "/"
        return CheckResult(
            name,
            Status.FAIL,
            f"not durable quorum queues: {names} ({wrong[0].detail})",
            f"stop the workers, delete them (rabbitmqctl delete_queue NAME -p {vhost}) after "
            "moving their messages, and start the workers: they declare them as quorum queues",
        )
    return CheckResult(name, Status.OK, f"all {len(kinds)} job queues are durable quorum queues")


def _not_redis(doctor: Doctor, name: str) -> CheckResult | None:
    if is_amqp(doctor.settings.broker_url):
        return CheckResult(name, Status.OK, "not used: the broker is RabbitMQ")
    return None


def _redis_config(doctor: Doctor, name: str) -> dict[str, str] | CheckResult:
    if not_redis := _not_redis(doctor, name):
        return not_redis
    if doctor.broker_error:
        return CheckResult(
            name, Status.WARN, "not checked: the broker does not answer", "fix the broker first"
        )
    try:
        return redis_server.server_config(
            doctor.settings.broker_url,
            doctor.settings.ops_health_timeout,
            "maxmemory-policy",
            "appendonly",
            "save",
        )
    except Exception as exc:
        return CheckResult(
            name,
            Status.WARN,
            f"cannot read the configuration: {doctor.describe(exc)}",
            "allow CONFIG GET for Landkontor's Redis user, or check the settings by hand "
            "against deploy/redis/redis.conf",
        )


def _repair(doctor: Doctor, name: str, key: str, wanted: str, was: str) -> CheckResult | None:
    """Set ``key`` on the managed Redis under --fix; None when that is not ours to do."""
    if not (doctor.fix and doctor.managed_redis()):
        return None
    settings = doctor.settings
    redis_server.set_server_config(settings.broker_url, settings.ops_health_timeout, key, wanted)
    return CheckResult(name, Status.OK, f"{key} {wanted}", fixed=f"set {key} {wanted} (was {was})")


def _redis_hint(doctor: Doctor, key: str, wanted: str) -> str:
    if doctor.managed_redis():
        return "landkontor doctor --fix sets it on the managed Redis"
    return f"set `{key} {wanted}` in that Redis' configuration (see deploy/redis/redis.conf)"


def check_redis_policy(doctor: Doctor) -> CheckResult:
    name = "redis-eviction"
    config = _redis_config(doctor, name)
    if isinstance(config, CheckResult):
        return config
    policy = config.get("maxmemory-policy", "")
    if policy == "noeviction":
        return CheckResult(name, Status.OK, "maxmemory-policy noeviction")
    if repaired := _repair(doctor, name, "maxmemory-policy", "noeviction", policy):
        return repaired
    return CheckResult(
        name,
        Status.FAIL,
        f"maxmemory-policy is {policy}: Redis may silently drop queued jobs when memory runs out",
        _redis_hint(doctor, "maxmemory-policy", "noeviction"),
    )


def check_redis_persistence(doctor: Doctor) -> CheckResult:
    name = "redis-persistence"
    config = _redis_config(doctor, name)
    if isinstance(config, CheckResult):
        return config
    if config.get("appendonly") == "yes":
        return CheckResult(name, Status.OK, "append-only file on")
    if repaired := _repair(doctor, name, "appendonly", "yes", config.get("appendonly", "")):
        return repaired
    hint = _redis_hint(doctor, "appendonly", "yes")
    if config.get("save"):
        return CheckResult(
            name,
            Status.WARN,
            f"only RDB snapshots (save {config['save']}): jobs queued since the last one are"
            " lost on a crash",
            hint,
        )
    return CheckResult(
        name, Status.FAIL, "no persistence: queued jobs are lost when Redis restarts", hint
    )


# --- job engine -----------------------------------------------------------------------------
def _queue_names(celery_app: Any) -> set[str]:
    configured = celery_app.conf.task_queues or []
    if isinstance(configured, dict):
        return set(configured)
    return {getattr(queue, "name", str(queue)) for queue in configured}


def check_workers(doctor: Doctor) -> CheckResult:
    if not job_engine_installed():
        return CheckResult(
            "workers", Status.WARN, "job engine not installed: no worker to check", REINSTALL
        )
    if doctor.broker_error:
        return CheckResult(
            "workers", doctor.missing("worker"), "not checked: no broker", "fix the broker first"
        )
    from landkontor.jobs.celery_app import celery_app

    timeout = doctor.settings.ops_health_timeout
    try:
        replies = celery_app.control.ping(timeout=timeout) or []
        names = sorted(name for reply in replies for name in reply)
        active = celery_app.control.inspect(names, timeout=timeout).active_queues() if names else {}
    except Exception as exc:
        return CheckResult(
            "workers",
            doctor.missing("worker"),
            f"cannot ask the workers: {doctor.describe(exc)}",
            "check that the broker answers and LANDKONTOR_BROKER_URL points at it",
        )
    if not names:
        return CheckResult(
            "workers",
            doctor.missing("worker"),
            "no worker answers ping",
            "landkontor up starts one (or: landkontor worker)",
        )
    consumed = {queue["name"] for queues in (active or {}).values() for queue in queues}
    expected = set(QUEUES) | _queue_names(celery_app)
    if missing := sorted(expected - consumed):
        return CheckResult(
            "workers",
            Status.FAIL,
            f"{len(names)} worker(s) answer, but no one consumes: {', '.join(missing)}",
            "start a worker for all queues: landkontor worker (default: every queue)",
        )
    return CheckResult(
        "workers",
        Status.OK,
        f"{len(names)} worker(s) answer ping; all {len(expected)} queues consumed",
    )


def check_flower(doctor: Doctor) -> CheckResult:
    if not job_engine_installed():
        return CheckResult(
            "flower", Status.WARN, "job engine not installed: no Flower to check", REINSTALL
        )
    try:
        return CheckResult("flower", Status.OK, flower_probe(doctor.settings))
    except Exception as exc:
        return CheckResult(
            "flower",
            doctor.missing("flower"),
            f"{flower_url(doctor.settings)} does not answer: {doctor.describe(exc)}",
            "landkontor up starts it (or: landkontor flower)",
        )


# --- ports ----------------------------------------------------------------------------------
def check_ports(doctor: Doctor) -> CheckResult:
    settings = doctor.settings
    wanted = [("api", settings.api_port, settings.api_host)]
    wanted.append(("flower", settings.flower_port, settings.flower_host))
    broker = settings.broker_url
    if not is_amqp(broker) and redis_server.is_local(broker) and doctor.broker_error:
        wanted.append(("redis", redis_server.url_port(broker), "127.0.0.1"))
    ours = doctor.runfiles.our_pids()
    notes, foreign = [], []
    for service, port, host in wanted:
        holder = processes.port_holder(port, host)
        if holder is None:
            notes.append(f"{port} free")
        elif holder.pid in ours or (holder.pid is None and doctor.expected(service)):
            notes.append(f"{port} held by our {service}")
        else:
            foreign.append(f"{port} ({service}) held by {holder.describe()}")
    if foreign:
        return CheckResult(
            "ports",
            Status.FAIL,
            "; ".join(foreign),
            "stop that process or choose other ports (LANDKONTOR_API_PORT, ..._FLOWER_PORT, "
            "..._BROKER_URL)",
        )
    return CheckResult("ports", Status.OK, ", ".join(notes))
