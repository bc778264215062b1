"""FastAPI dependencies: the current user from the bearer token, and role checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from landkontor.auth import service
from landkontor.auth.models import User
from landkontor.auth.roles import Role
from landkontor.auth.security import decode_access_token
from landkontor.common.deps import SessionDep
from landkontor.errors import Forbidden, Unauthorized

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a URL, not a secret
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_user(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    if not token:
        raise Unauthorized("This endpoint needs a bearer token; get one at " + TOKEN_URL)
    claims = decode_access_token(token, key=request.app.state.secret_key)
    user = service.user_for_token(session, claims)
    request.state.user = user.username
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require_role(minimum: Role) -> Callable[[User], User]:
    """A dependency that lets only users with ``minimum`` or a higher role through."""

    def check(user: CurrentUser) -> User:
        if not user.role.at_least(minimum):
            raise Forbidden(
                f"this needs the role {minimum.value} or higher; you are {user.role.value}",
                required_role=minimum.value,
            )
        return user

    return check


def writes_need_clerk(request: Request, user: CurrentUser) -> User:
    """Router-wide rule: viewers may read but never change anything."""
    if request.method not in SAFE_METHODS and not user.role.at_least(Role.clerk):
        raise Forbidden("viewers have read-only access", required_role=Role.clerk.value)
    return user


Clerk = Annotated[User, Depends(require_role(Role.clerk))]
Manager = Annotated[User, Depends(require_role(Role.manager))]
Admin = Annotated[User, Depends(require_role(Role.admin))]
