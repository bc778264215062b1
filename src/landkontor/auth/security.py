"""Password hashing (argon2id) and signed access tokens (JWT, HS256)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from landkontor.errors import Unauthorized
from landkontor.settings import Settings

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("landkontor-timing-equaliser")
ALGORITHM = "HS256"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; without a hash still spend the time, so user names do not leak."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def write_private_file(path: Path, content: str, *, replace: bool = False) -> bool:
    """Write ``path`` readable by the owner only (mode 0600).

    Without ``replace`` an existing file is kept and False returned; with it the file is
    replaced atomically.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    target = path.with_name(path.name + f".{os.getpid()}.tmp") if replace else path
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    if replace:
        os.replace(target, path)
    return True


def resolve_secret_key(settings: Settings) -> str:
    """The token signing key: from settings, else generated once into <var_dir>/secret-key."""
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    path = settings.var_dir / "secret-key"
    write_private_file(path, secrets.token_urlsafe(48))
    return path.read_text(encoding="utf-8").strip()


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    token_version: int
    expires_at: datetime


def create_access_token(
    user_id: int, token_version: int, *, key: str, lifetime: timedelta
) -> tuple[str, datetime]:
    now = datetime.now(UTC)
    expires_at = now + lifetime
    payload = {
        "sub": str(user_id),
        "ver": token_version,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "typ": "access",
    }
    return jwt.encode(payload, key, algorithm=ALGORITHM), expires_at


def decode_access_token(token: str, *, key: str) -> TokenClaims:
    """Validate signature, expiry and shape; raise Unauthorized with the reason."""
    try:
        payload = jwt.decode(
            token, key, algorithms=[ALGORITHM], options={"require": ["sub", "exp", "iat"]}
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("The access token has expired; log in again.") from None
    except jwt.InvalidTokenError:
        raise Unauthorized("The access token is invalid.") from None
    try:
        if payload.get("typ") != "access":
            raise ValueError("not an access token")
        return TokenClaims(
            user_id=int(payload["sub"]),
            token_version=int(payload.get("ver", 0)),
            expires_at=datetime.fromtimestamp(payload["exp"], UTC),
        )
    except (TypeError, ValueError):
        raise Unauthorized("The access token is invalid.") from None
