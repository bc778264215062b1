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
