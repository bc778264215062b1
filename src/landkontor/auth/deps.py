"""FastAPI dependencies: the current user from the bearer token, and role checks.

They are ``async``: nothing here waits for anything but, on a cache miss, the one read of the
user's row, which goes to the thread pool. A plain ``def`` dependency would cost every request
a trip through the thread pool (FastAPI runs those there).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from starlette.concurrency import run_in_threadpool

from landkontor.auth import service
from landkontor.auth.principals import Principal, PrincipalCache
from landkontor.auth.roles import Role
from landkontor.auth.security import decode_access_token
from landkontor.common.deps import SessionDep
from landkontor.errors import Forbidden, Unauthorized

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a URL, not a secret
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def current_user(
    request: Request,
    session: SessionDep,
    token: Annotated[str | None, Depends(oauth2_scheme)],
) -> Principal:
    if not token:
        raise Unauthorized("This endpoint needs a bearer token; get one at " + TOKEN_URL)
    state = request.app.state
    claims = decode_access_token(token, key=state.secret_key)
    cache: PrincipalCache | None = getattr(state, "principals", None)
    user = cache.get(claims.user_id, claims.token_version) if cache is not None else None
    if user is None:
        user = await run_in_threadpool(service.principal_for_token, session, claims, cache)
    request.state.user = user.username
    return user


CurrentUser = Annotated[Principal, Depends(current_user)]


def require_role(minimum: Role) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency that lets only users with ``minimum`` or a higher role through."""

    async def check(user: CurrentUser) -> Principal:
        if not user.role.at_least(minimum):
            raise Forbidden(
                f"this needs the role {minimum.value} or higher; you are {user.role.value}",
                required_role=minimum.value,
            )
        return user

    return check


async def writes_need_clerk(request: Request, user: CurrentUser) -> Principal:
    """Router-wide rule: viewers may read but never change anything."""
    if request.method not in SAFE_METHODS and not user.role.at_least(Role.clerk):
        raise Forbidden("viewers have read-only access", required_role=Role.clerk.value)
    return user


Clerk = Annotated[Principal, Depends(require_role(Role.clerk))]
Manager = Annotated[Principal, Depends(require_role(Role.manager))]
Admin = Annotated[Principal, Depends(require_role(Role.admin))]
