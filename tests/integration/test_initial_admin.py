from landkontor.auth.service import ensure_initial_admin, find_user
from landkontor.settings import Settings


def test_first_start_creates_admin_with_generated_password(session, tmp_path):
    settings = Settings(var_dir=tmp_path, admin_password=None)
    password = ensure_initial_admin(session, settings)
    assert password
    stored = tmp_path / "initial-admin-password"
    assert stored.read_text().strip() == password
    assert stored.stat().st_mode & 0o777 == 0o600
    assert find_user(session, "admin").role.value == "admin"
    # Second start: nothing is created or printed again.
    assert ensure_initial_admin(session, settings) is None


def test_configured_admin_password_is_used_and_not_written(session, tmp_path, client):
    settings = Settings(var_dir=tmp_path, admin_password="configured-admin-pw")
    assert ensure_initial_admin(session, settings) is None
    assert not (tmp_path / "initial-admin-password").exists()
    response = client.post(
        "/api/v1/auth/token", data={"username": "admin", "password": "configured-admin-pw"}
    )
    assert response.status_code == 200
