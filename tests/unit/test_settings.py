"""Settings: defaults, masking, and the rules that refuse or warn about a configuration."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from landkontor.config_check import check_configuration
from landkontor.settings import Settings, get_settings, mask_url, normalize_database_url

KEY = "k" * 32


def test_default_database_is_sqlite_under_var_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("LANDKONTOR_DATABASE_URL", raising=False)
    settings = Settings(var_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path}/landkontor.db"
    assert settings.is_sqlite


def test_plain_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_url_passwords_are_masked():
    assert mask_url("postgresql://erp:geheim@db:5432/erp") == "postgresql://erp:***@db:5432/erp"
    assert mask_url("redis://localhost:6379/0") == "redis://localhost:6379/0"


def test_masked_settings_hide_every_secret(tmp_path):
    settings = Settings(
        var_dir=tmp_path,
        database_url="postgresql://erp:dbpass@db/erp",
        secret_key=SecretStr("signing-key-value-long-enough-for-hs256"),
        admin_password=SecretStr("first-admin-pw"),
    )
    shown = " ".join(settings.masked().values())
    for secret in ("dbpass", "signing-key-value-long-enough-for-hs256", "first-admin-pw"):
        assert secret not in shown
    assert set(settings.secret_values()) >= {"dbpass", "first-admin-pw"}


def test_api_url_defaults_to_loopback_for_wildcard_bind(tmp_path):
    assert Settings(var_dir=tmp_path, api_host="0.0.0.0", api_port=9000).api_url == (
        "http://127.0.0.1:9000"
    )


# --- what Landkontor supports ------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///var/landkontor.db",
        "postgresql://u:p@db:5432/erp",
        "postgres://u@db/erp",
        "postgresql+psycopg://u@db/erp",
    ],
)
def test_supported_database_urls_are_accepted(tmp_path, url):
    assert Settings(var_dir=tmp_path, database_url=url).database_url


@pytest.mark.parametrize(
    "url",
    ["mysql://u:p@db/erp", "oracle://db/erp", "db.example.de", "sqlite://", "sqlite:///:memory:"],
)
def test_other_database_urls_are_refused(tmp_path, url):
    with pytest.raises(ValidationError, match="database_url"):
        Settings(var_dir=tmp_path, database_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "redis://127.0.0.1:6379/0",
        "rediss://:pw@r.example.de:6380/1",
        "amqp://landkontor:pw@rabbitmq.example.de:5672/landkontor",
    ],
)
def test_redis_and_rabbitmq_brokers_are_accepted(tmp_path, url):
    assert Settings(var_dir=tmp_path, broker_url=url).broker_url == url


@pytest.mark.parametrize("url", ["ftp://nope", "sqs://queue", "redis://h:port/0"])
def test_other_brokers_are_refused(tmp_path, url):
    with pytest.raises(ValidationError, match="broker_url"):
        Settings(var_dir=tmp_path, broker_url=url)


def test_unknown_time_zone_is_a_validation_error_not_a_crash(tmp_path):
    with pytest.raises(ValidationError, match="unknown time zone"):
        Settings(var_dir=tmp_path, timezone="Mars/Olympus")


@pytest.mark.parametrize("field", ["secret_key", "admin_password", "metrics_token"])
def test_an_explicitly_empty_secret_is_refused(tmp_path, field):
    with pytest.raises(ValidationError, match=field):
        Settings(var_dir=tmp_path, **{field: SecretStr("")})


# --- settings that cannot work together --------------------------------------------------------
def test_flower_without_login_is_refused_on_a_public_address(tmp_path):
    assert Settings(var_dir=tmp_path, flower_password=SecretStr(""))  # loopback: allowed
    with pytest.raises(ValidationError, match="flower_password"):
        Settings(var_dir=tmp_path, flower_password=SecretStr(""), flower_host="0.0.0.0")


def test_services_may_not_share_a_port(tmp_path):
    with pytest.raises(ValidationError, match="flower_port"):
        Settings(var_dir=tmp_path, api_port=8000, flower_port=8000)
    with pytest.raises(ValidationError, match="worker_metrics_port"):
        Settings(var_dir=tmp_path, flower_port=9000, worker_metrics_port=9000)
    assert Settings(var_dir=tmp_path, api_host="10.0.0.1", flower_host="10.0.0.2", flower_port=8000)


def test_jobs_must_not_count_as_lost_between_two_heartbeats(tmp_path):
    with pytest.raises(ValidationError, match="job_stale_after_seconds"):
        Settings(var_dir=tmp_path, job_heartbeat_seconds=30, job_stale_after_seconds=20)


def test_a_public_api_without_https_is_warned_about(tmp_path):
    public = Settings(var_dir=tmp_path, api_host="0.0.0.0")
    assert [w.variable for w in public.warnings()] == ["LANDKONTOR_API_URL"]
    proxied = Settings(var_dir=tmp_path, api_host="0.0.0.0", api_url="https://erp.example.de")
    assert proxied.warnings() == []
    assert Settings(var_dir=tmp_path).warnings() == []


# --- the lines an operator reads ---------------------------------------------------------------
@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A clean LANDKONTOR_* environment in an empty working directory; settings re-read."""
    for key in list(os.environ):
        if key.upper().startswith("LANDKONTOR_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANDKONTOR_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_a_bad_port_names_variable_value_expectation_and_example(environment):
    environment.setenv("LANDKONTOR_API_PORT", "notaport")
    report = check_configuration()
    assert [p.line() for p in report.errors] == [
        "LANDKONTOR_API_PORT='notaport': must be a port number 1-65535, e.g. 8000"
    ]


def test_a_value_from_the_env_file_names_its_line(environment):
    Path(".env").write_text("# comment\nPOSTGRES_USER=x\nlandkontor_log_level=LOUD\n")
    (problem,) = check_configuration().errors
    assert problem.line() == (
        "landkontor_log_level='LOUD' (.env line 3): must be one of DEBUG, INFO, WARNING, "
        "ERROR, e.g. INFO"
    )


def test_secrets_and_url_passwords_are_masked_in_problems(environment):
    environment.setenv("LANDKONTOR_SECRET_KEY", "short-secret")
    environment.setenv("LANDKONTOR_DATABASE_URL", "mysql://erp:dbsecret@db/erp")
    text = " ".join(p.line() for p in check_configuration().errors)
    assert "short-secret" not in text and "dbsecret" not in text
    assert "LANDKONTOR_SECRET_KEY='***'" in text
    assert "'mysql://erp:***@db/erp': unsupported URL scheme 'mysql://'" in text
    assert "postgresql://" in text and "sqlite://" in text  # the supported list


def test_a_malformed_json_list_is_one_problem(environment):
    environment.setenv("LANDKONTOR_CORS_ORIGINS", "https://erp.example.de")
    (problem,) = check_configuration().errors
    assert problem.variable == "LANDKONTOR_CORS_ORIGINS" and "JSON list" in problem.message


def test_every_problem_of_a_bad_environment_is_listed(environment):
    environment.setenv("LANDKONTOR_OPS_FLAP_MAX_CRASHES", "-3")
    environment.setenv("LANDKONTOR_DATABASE_ECHO", "maybe")
    environment.setenv("LANDKONTOR_PURCHASE_OVER_RECEIPT_PERCENT", "120")
    lines = sorted(p.line() for p in check_configuration().errors)
    assert lines == [
        "LANDKONTOR_DATABASE_ECHO='maybe': must be true or false, e.g. false",
        "LANDKONTOR_OPS_FLAP_MAX_CRASHES='-3': must be a whole number, at least 1, e.g. 5",
        "LANDKONTOR_PURCHASE_OVER_RECEIPT_PERCENT='120': must be a number from 0 to 100, e.g. 5",
    ]


def test_a_misspelt_variable_is_a_warning_with_a_suggestion(environment):
    environment.setenv("LANDKONTOR_API_PROT", "9000")
    report = check_configuration()
    assert report.ok
    assert [p.line() for p in report.warnings] == [
        "LANDKONTOR_API_PROT: is not a setting and is ignored; did you mean LANDKONTOR_API_PORT?"
    ]


def test_var_dir_that_cannot_be_a_folder_is_refused(environment, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    for var_dir, why in ((blocker, "is not a folder"), (blocker / "var", "is a file")):
        environment.setenv("LANDKONTOR_VAR_DIR", str(var_dir))
        get_settings.cache_clear()
        (problem,) = check_configuration().errors
        assert problem.variable == "LANDKONTOR_VAR_DIR" and why in problem.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root may read and write every folder")
def test_var_dir_without_access_is_refused(environment, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    environment.setenv("LANDKONTOR_VAR_DIR", str(locked))
    (problem,) = check_configuration().errors
    assert "not readable and writable" in problem.message


def test_a_valid_environment_has_no_problems(environment):
    report = check_configuration()
    assert report.ok and report.errors == [] and report.warnings == []
    assert not (Path(os.environ["LANDKONTOR_VAR_DIR"])).exists()  # checking writes nothing


def test_api_processes_default_to_one_per_cpu_core(tmp_path, monkeypatch):
    from landkontor.settings import cpu_cores

    monkeypatch.delenv("LANDKONTOR_API_WORKERS", raising=False)
    assert Settings(var_dir=tmp_path).api_workers == cpu_cores() >= 1
    monkeypatch.setenv("LANDKONTOR_API_WORKERS", "3")
    assert Settings(var_dir=tmp_path).api_workers == 3


def test_the_auth_cache_period_is_short_and_can_be_turned_off(tmp_path, monkeypatch):
    monkeypatch.delenv("LANDKONTOR_AUTH_CACHE_SECONDS", raising=False)
    assert Settings(var_dir=tmp_path).auth_cache_seconds == 5
    assert Settings(var_dir=tmp_path, auth_cache_seconds=0).auth_cache_seconds == 0
    with pytest.raises(ValidationError):
        Settings(var_dir=tmp_path, auth_cache_seconds=61)
