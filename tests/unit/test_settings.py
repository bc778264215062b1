from pydantic import SecretStr

from landkontor.settings import Settings, mask_url, normalize_database_url


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
        secret_key=SecretStr("signing-key-value"),
        admin_password=SecretStr("first-admin-pw"),
    )
    shown = " ".join(settings.masked().values())
    for secret in ("dbpass", "signing-key-value", "first-admin-pw"):
        assert secret not in shown
    assert set(settings.secret_values()) >= {"dbpass", "signing-key-value", "first-admin-pw"}


def test_api_url_defaults_to_loopback_for_wildcard_bind(tmp_path):
    assert Settings(var_dir=tmp_path, api_host="0.0.0.0", api_port=9000).api_url == (
        "http://127.0.0.1:9000"
    )
