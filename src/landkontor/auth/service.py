"""Users, authentication and login throttling."""

from __future__ import annotations

import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.auth.models import LoginThrottle, User
from landkontor.auth.principals import Principal, PrincipalCache, forget_user
from landkontor.auth.roles import Role
from landkontor.auth.schemas import UserCreate, UserUpdate
from landkontor.auth.security import (
    TokenClaims,
    create_access_token,
    hash_password,
    needs_rehash,
    verify_password,
    write_private_file,
)
from landkontor.common.lookup import fetch, get_locked
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import begin_write, use_case
from landkontor.db.types import utcnow
from landkontor.errors import (
    AlreadyExists,
    InvalidInput,
    InvalidState,
    TooManyRequests,
    Unauthorized,
)
from landkontor.settings import Settings

log = logging.getLogger(__name__)

FAILURE_WINDOW = timedelta(minutes=15)
MAX_LOCKOUT_SECONDS = 900
INITIAL_ADMIN = "admin"


def normalize_username(username: str) -> str:
    return username.strip().lower()


def get_user(session: Session, user_id: int) -> User:
    return fetch(session, User, user_id, kind="user")


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == normalize_username(username)))


_USERS_BY_NAME = select(User).order_by(User.username)


def list_users(session: Session, params: PageParams) -> tuple[list[User], int]:
    """One page of the users, by name, and how many there are."""
    return paginate(session, _USERS_BY_NAME, params)


def all_users(session: Session) -> list[User]:
    """Every user, by name (the CLI's list; installations have few users)."""
    return list(session.scalars(_USERS_BY_NAME))


@use_case
def create_user(session: Session, data: UserCreate) -> User:
    """Create a user. Raises AlreadyExists when the name is taken."""
    username = normalize_username(data.username)
    if find_user(session, username) is not None:
        raise AlreadyExists(f"user {username} already exists", field="username")
    user = User(
        username=username,
        full_name=data.full_name,
        email=data.email,
        role=data.role,
        password_hash=hash_password(data.password),
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyExists(f"user {username} already exists", field="username") from None
    forget_user(session, user.id)  # an id seen before (rows deleted behind the services)
    log.info("user created", extra={"username": username, "role": data.role.value})
    return user


def _active_admins(session: Session) -> int:
    return (
        session.scalar(
            select(func.count()).where(User.role == Role.admin, User.is_active.is_(True))
        )
        or 0
    )


@use_case
def update_user(session: Session, user_id: int, data: UserUpdate, *, actor: Principal) -> User:
    """Change role, name, e-mail, active flag or password of a user (admin).

    The last active admin can neither be demoted nor deactivated (InvalidState).
    """
    user = fetch(session, User, user_id, kind="user", lock=True)
    loses_admin = (
        user.role == Role.admin
        and user.is_active
        and ((data.role is not None and data.role != Role.admin) or data.is_active is False)
    )
    if loses_admin and _active_admins(session) <= 1:
        raise InvalidState("the last active admin cannot be demoted or deactivated")
    if data.role is not None:
        user.role = data.role
    if data.full_name is not None:
        user.full_name = data.full_name
    if "email" in data.model_fields_set:
        user.email = data.email
    if data.is_active is not None and data.is_active != user.is_active:
        user.is_active = data.is_active
        user.token_version += 1
    if data.password is not None:
        user.password_hash = hash_password(data.password)
        user.token_version += 1
    forget_user(session, user.id)
    log.info("user updated", extra={"username": user.username, "by": actor.username})
    return user


@use_case
def change_own_password(session: Session, user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise InvalidInput("the current password is wrong", field="current_password")
    user.password_hash = hash_password(new)
    user.token_version += 1
    forget_user(session, user.id)


@dataclass(frozen=True)
class IssuedToken:
    token: str
    expires_at: datetime
    user: User


def _check_throttle(session: Session, username: str) -> LoginThrottle | None:
    throttle = get_locked(session, LoginThrottle, username)
    now = utcnow()
    if throttle is not None and throttle.locked_until is not None and throttle.locked_until > now:
        retry_after = max(1, math.ceil((throttle.locked_until - now).total_seconds()))
        raise TooManyRequests(
            f"too many failed logins for {username}; try again in {retry_after} s",
            retry_after=retry_after,
        )
    return throttle


def _record_failure(
    session: Session, username: str, throttle: LoginThrottle | None, settings: Settings
) -> None:
    now = utcnow()
    if throttle is None:
        throttle = LoginThrottle(username=username, failures=0, last_failure_at=now)
        session.add(throttle)
    elif now - throttle.last_failure_at > FAILURE_WINDOW:
        throttle.failures = 0
    throttle.failures += 1
    throttle.last_failure_at = now
    over = throttle.failures - settings.login_max_failures
    if over >= 0:
        seconds = min(settings.login_lockout_seconds * 2**over, MAX_LOCKOUT_SECONDS)
        throttle.locked_until = now + timedelta(seconds=seconds)
        log.warning("login throttled", extra={"username": username, "failures": throttle.failures})


def authenticate(
    session: Session, username: str, password: str, *, settings: Settings, key: str
) -> IssuedToken:
    """Check a login and issue an access token.

    Raises TooManyRequests while the user name is locked out after repeated failures and
    Unauthorized for a wrong name or password (the same message for both). A failed attempt
    is committed even though the login fails, so the throttle counts it.
    """
    username = normalize_username(username)[:150]
    begin_write(session)
    try:
        throttle = _check_throttle(session, username)
        user = find_user(session, username)
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.is_active:
            _record_failure(session, username, throttle, settings)
            session.commit()
            raise Unauthorized("Wrong user name or password.")
        if throttle is not None:
            session.delete(throttle)
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.last_login_at = utcnow()
        token, expires_at = create_access_token(
            user.id,
            user.token_version,
            key=key,
            lifetime=timedelta(minutes=settings.token_expire_minutes),
        )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return IssuedToken(token=token, expires_at=expires_at, user=user)


def _check_still_valid(user: Any, claims: TokenClaims) -> None:
    """A token counts while its user exists, is active and has the token's version."""
    if user is None or not user.is_active or user.token_version != claims.token_version:
        raise Unauthorized("The access token is no longer valid; log in again.")


def user_for_token(session: Session, claims: TokenClaims) -> User:
    """The active user a valid token belongs to; Unauthorized if revoked or deactivated."""
    user = session.get(User, claims.user_id)
    _check_still_valid(user, claims)
    assert user is not None
    return user


_PRINCIPAL = select(User.id, User.username, User.role, User.token_version, User.is_active)


def principal_for_token(
    session: Session, claims: TokenClaims, cache: PrincipalCache | None = None
) -> Principal:
    """Who a valid token belongs to, from ``cache`` when it saw the token's user and version
    in the last seconds, else from the user's row (see :mod:`landkontor.auth.principals`).
    Unauthorized if revoked or deactivated."""
    principal = cache.get(claims.user_id, claims.token_version) if cache is not None else None
    if principal is not None:
        return principal
    row = session.execute(_PRINCIPAL.where(User.id == claims.user_id)).first()
    _check_still_valid(row, claims)
    assert row is not None
    principal = Principal(row.id, row.username, row.role, row.token_version)
    if cache is not None:
        cache.put(principal)
    return principal


def ensure_initial_admin(session: Session, settings: Settings) -> str | None:
    """Create the user ``admin`` when there are no users at all.

    The password is LANDKONTOR_ADMIN_PASSWORD, else a generated one that is written to
    <var_dir>/initial-admin-password (mode 0600) and returned so the caller can print it once.
    Returns None when nothing was created. Safe when several processes start at once.
    """
    begin_write(session)
    if session.scalar(select(func.count()).select_from(User)):
        session.rollback()
        return None
    configured = settings.admin_password.get_secret_value() if settings.admin_password else ""
    password = configured or secrets.token_urlsafe(12)
    session.add(
        User(
            username=INITIAL_ADMIN,
            full_name="Administrator",
            role=Role.admin,
            password_hash=hash_password(password),
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None  # another process created it first
    log.info("initial admin user created")
    if configured:
        return None
    write_private_file(settings.var_dir / "initial-admin-password", password + "\n", replace=True)
    return password
