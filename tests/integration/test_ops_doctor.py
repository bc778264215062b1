"""Doctor checks in-process against the test database (JSONB on PostgreSQL)."""

from __future__ import annotations

import pytest

from landkontor.ops.doctor import Status, installation, run_doctor, services
from landkontor.ops.doctor.base import Doctor
from tests.ops_helpers import free_ports


@pytest.fixture
def offline_settings(settings, tmp_path):
    """The test settings with a broker where nothing listens (never the shared Redis)."""
    return settings.model_copy(
        update={"broker_url": f"redis://127.0.0.1:{free_ports(1)[0]}/0", "var_dir": tmp_path}
    )


def test_database_checks_pass_on_the_test_database(migrated_database, offline_settings):
    doctor = Doctor(offline_settings)
    assert services.check_database(doctor).status == Status.OK
    assert services.check_migrations(doctor).status == Status.OK
    json_check = services.check_json(doctor)
    assert json_check.status == Status.OK, json_check
    expected = "jsonb" if migrated_database.dialect == "postgresql" else "json"
    assert f"({expected})" in json_check.message


def test_installation_checks_pass(offline_settings):
    doctor = Doctor(offline_settings)
    for check in (
        installation.check_python,
        installation.check_dependencies,
        installation.check_modules,
    ):
        result = check(doctor)
        assert result.status == Status.OK, result


def test_missing_folders_are_a_warning_and_fix_creates_them(offline_settings):
    settings = offline_settings.model_copy(update={"var_dir": offline_settings.var_dir / "new"})
    result = installation.check_folders(Doctor(settings))
    assert result.status == Status.WARN and "--fix" in result.hint
    repaired = installation.check_folders(Doctor(settings, fix=True))
    assert repaired.status == Status.OK and "created" in repaired.fixed
    assert settings.run_dir.is_dir() and settings.log_dir.is_dir()


def test_a_local_broker_that_is_down_is_a_warning_when_nothing_runs(
    migrated_database, offline_settings
):
    results = {r.name: r for r in run_doctor(offline_settings)}
    assert results["broker"].status == Status.WARN
    assert "landkontor up" in results["broker"].hint
    assert results["redis-eviction"].message.startswith("not checked")
    assert results["ports"].status == Status.OK
    assert not any(r.status == Status.FAIL for r in results.values()), results


@pytest.fixture
def unreachable_settings(offline_settings):
    """A PostgreSQL and a Redis where nothing listens, both with passwords."""
    db_port, broker_port = free_ports(2)
    return offline_settings.model_copy(
        update={
            "database_url": f"postgresql+psycopg://erp:db-pw-1234@127.0.0.1:{db_port}/erp",
            "broker_url": f"redis://:broker-pw-1234@127.0.0.1:{broker_port}/0",
        }
    )


def test_every_warning_and_failure_says_why_and_what_to_do(unreachable_settings):
    results = run_doctor(unreachable_settings)
    problems = [r for r in results if r.status != Status.OK]
    assert {r.name for r in problems} >= {"database", "migrations", "broker", "workers"}
    for result in problems:
        assert result.message.strip() and not result.message.rstrip().endswith(":"), result
        assert result.hint.strip(), result
    text = " ".join(f"{r.message} {r.hint}" for r in results)
    assert "db-pw-1234" not in text and "broker-pw-1234" not in text


def test_an_unreachable_database_and_broker_say_what_was_tried(unreachable_settings):
    doctor = Doctor(unreachable_settings)
    database = services.check_database(doctor)
    port = unreachable_settings.database_url.rsplit(":", 1)[1].split("/")[0]
    assert database.status == Status.FAIL
    assert f"tried postgresql host 127.0.0.1 port {port} user erp password ***" in database.message
    assert "OperationalError" in database.message and "refused" in database.message.lower()
    assert "LANDKONTOR_DATABASE_URL" in database.hint
    broker = services.check_broker(doctor)
    assert "tried redis host 127.0.0.1 port" in broker.message
    assert "password ***" in broker.message and "ConnectionError" in broker.message


def test_a_check_that_crashes_still_names_the_error(offline_settings, monkeypatch):
    from landkontor.ops import doctor as doctor_package

    def broken(_doctor):
        raise ModuleNotFoundError()  # no message at all

    monkeypatch.setattr(doctor_package, "CHECKS", [broken])
    (result,) = run_doctor(offline_settings)
    assert result.status == Status.FAIL
    assert "ModuleNotFoundError" in result.message and result.hint


def test_pool_sizes_are_checked_against_max_connections(migrated_database, offline_settings):
    result = services.check_connections(Doctor(offline_settings))
    if migrated_database.dialect != "postgresql":
        assert result.status == Status.OK and "no connection limit" in result.message
        return
    assert result.status == Status.OK, result
    huge = offline_settings.model_copy(update={"database_pool_size": 100_000})
    refused = services.check_connections(Doctor(huge))
    assert refused.status == Status.FAIL
    assert "max_connections" in refused.message
    assert "LANDKONTOR_DATABASE_POOL_SIZE=" in refused.hint


def test_the_planned_connections_of_every_host_are_counted(migrated_database, offline_settings):
    from landkontor.ops.budget import planned_budget

    if migrated_database.dialect != "postgresql":
        pytest.skip("a connection limit exists on PostgreSQL only")
    three_hosts = offline_settings.model_copy(
        update={"api_servers": 2, "api_workers": 2, "worker_nodes": 2, "worker_concurrency": 4}
        | {"database_pool_size": 5}
    )
    budget = planned_budget(three_hosts)
    pool, worker_pool = three_hosts.database_pool_size, three_hosts.worker_database_pool_size
    # API: pool + overflow; worker pool process: pool + overflow + two bookkeeping connections.
    assert budget.total == 4 * 2 * pool + 8 * (2 * worker_pool + 2) + budget.other
    fits = services.check_connections(Doctor(three_hosts))
    assert fits.status == Status.OK and f"= {budget.total}" in fits.message
    many = three_hosts.model_copy(update={"worker_nodes": 40, "worker_concurrency": 16})
    warned = services.check_connections(Doctor(many))
    assert warned.status == Status.WARN and "exceed" in warned.message
    assert "640 worker pool process(es)" in warned.message
    assert "PGBOUNCER" in warned.hint and "WORKER_NODES" in warned.hint
    pooled = services.check_connections(
        Doctor(many.model_copy(update={"database_behind_pgbouncer": True}))
    )
    assert pooled.status == Status.OK and "PgBouncer" in pooled.message


def test_risky_settings_are_a_configuration_warning(offline_settings):
    public = offline_settings.model_copy(update={"api_host": "0.0.0.0"})
    result = installation.check_configuration(Doctor(public))
    assert result.status == Status.WARN and "LANDKONTOR_API_URL" in result.message
    assert installation.check_configuration(Doctor(offline_settings)).status == Status.OK


def test_a_rabbitmq_that_does_not_answer_is_named_with_what_was_tried(offline_settings):
    url = f"amqp://landkontor:geheim-pw@127.0.0.1:{free_ports(1)[0]}/landkontor"
    doctor = Doctor(offline_settings.model_copy(update={"broker_url": url}))
    result = services.check_broker(doctor)
    assert result.status == Status.FAIL
    assert "amqp host 127.0.0.1" in result.message and "vhost landkontor" in result.message
    assert "geheim-pw" not in result.message and "RabbitMQ" in result.hint
    queues = services.check_broker_queues(doctor)
    assert queues.status == Status.FAIL and queues.message.startswith("not checked")


def test_rabbitmq_job_queues_must_be_durable_quorum_queues(offline_settings):
    from kombu.connection import Connection

    from tests.jobs_support import private_rabbitmq

    forwarded = private_rabbitmq()  # skips without LANDKONTOR_TEST_RABBITMQ_URL
    try:
        doctor = Doctor(offline_settings.model_copy(update={"broker_url": forwarded.url}))
        assert services.check_broker(doctor).status == Status.OK
        with Connection(forwarded.url) as conn:
            conn.channel().queue_delete("reports")
            conn.channel().queue_declare("reports", durable=False)  # a classic, transient queue
        wrong = services.check_broker_queues(doctor)
        assert wrong.status == Status.FAIL and "reports" in wrong.message
        assert "rabbitmqctl delete_queue" in wrong.hint
        with Connection(forwarded.url) as conn:
            conn.channel().queue_delete("reports")
        right = services.check_broker_queues(doctor)
        assert right.status == Status.OK and "durable quorum" in right.message
    finally:
        forwarded.stop()
