from datetime import timedelta

import pytest

from landkontor.auth.roles import Role
from landkontor.auth.security import (
    create_access_token,
    decode_access_token,
    hash_password,
    verify_password,
    write_private_file,
)
from landkontor.errors import Unauthorized


def test_passwords_are_argon2_hashed_and_verified():
    hashed = hash_password("korrekt-pferd")
    assert hashed.startswith("$argon2id$")
    assert verify_password(hashed, "korrekt-pferd")
    assert not verify_password(hashed, "falsch")
    assert not verify_password(None, "anything")


def test_token_round_trip():
    token, _ = create_access_token(7, 3, key="k" * 40, lifetime=timedelta(minutes=5))
    claims = decode_access_token(token, key="k" * 40)
    assert (claims.user_id, claims.token_version) == (7, 3)


@pytest.mark.parametrize(
    ("token", "reason"),
    [
        ("garbage", "invalid"),
        (create_access_token(1, 0, key="other" * 10, lifetime=timedelta(minutes=5))[0], "invalid"),
        (create_access_token(1, 0, key="k" * 40, lifetime=timedelta(seconds=-5))[0], "expired"),
    ],
)
def test_bad_tokens_are_rejected_with_reason(token, reason):
    with pytest.raises(Unauthorized) as info:
        decode_access_token(token, key="k" * 40)
    assert reason in info.value.detail


def test_roles_are_ordered():
    assert Role.admin.at_least(Role.manager)
    assert Role.clerk.at_least(Role.viewer)
    assert not Role.viewer.at_least(Role.clerk)


def test_private_files_are_owner_only(tmp_path):
    path = tmp_path / "secret"
    assert write_private_file(path, "a")
    assert not write_private_file(path, "b")
    assert path.read_text() == "a"
    assert write_private_file(path, "c", replace=True)
    assert path.read_text() == "c"
    assert path.stat().st_mode & 0o777 == 0o600
