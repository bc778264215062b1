"""The CLI shell, called in-process through Typer's runner against the test database."""

from typer.testing import CliRunner

from landkontor.cli.main import app

runner = CliRunner()


def test_config_show_masks_secrets(settings):
    result = runner.invoke(app, ["config", "show", "--json"])
    assert result.exit_code == 0, result.output
    assert settings.secret_key.get_secret_value() not in result.output
    assert '"secret_key": "***"' in result.output


def test_db_current_reports_head(migrated_database):
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0, result.output
    assert "up to date" in " ".join(result.output.split())  # Rich wraps at 80 columns


def test_user_create_reads_password_from_stdin(db, client):
    result = runner.invoke(
        app, ["user", "create", "disponent", "--role", "manager"], input="stdin-password\n"
    )
    assert result.exit_code == 0, result.output
    response = client.post(
        "/api/v1/auth/token", data={"username": "disponent", "password": "stdin-password"}
    )
    assert response.status_code == 200


def test_user_create_rejects_bad_input_with_message(db):
    result = runner.invoke(app, ["user", "create", "x!", "--role", "clerk"], input="short\n")
    assert result.exit_code == 1
    assert "username" in result.output or "password" in result.output


def test_worker_refuses_unknown_queues():
    result = runner.invoke(app, ["worker", "--queues", "default,weekend"])
    assert result.exit_code == 1
    assert "weekend" in result.output


def test_flower_open_on_a_public_address_is_refused_at_start(monkeypatch):
    from landkontor.settings import get_settings

    monkeypatch.setenv("LANDKONTOR_FLOWER_PASSWORD", "")
    monkeypatch.setenv("LANDKONTOR_FLOWER_HOST", "0.0.0.0")
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["flower"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert result.exit_code == 2  # refused at start, before Flower runs
    assert "LANDKONTOR_FLOWER_PASSWORD=''" in result.output
    assert "other machines reach" in result.output
