"""Routes: log in, who am I, change my password, and user management (admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status

from landkontor.auth import service
from landkontor.auth.deps import Admin, CurrentUser
from landkontor.auth.schemas import (
    LoginPassword,
    LoginUsername,
    PasswordChange,
    TokenOut,
    UserCreate,
    UserOut,
    UserUpdate,
)
from landkontor.common.bounds import Id
from landkontor.common.deps import PageDep, SessionDep, SettingsDep
from landkontor.common.pagination import Page, page_of

# No token needed here: this is where tokens come from.
login_router = APIRouter(prefix="/auth", tags=["auth"])
# Any authenticated user, viewers included, may manage their own account.
self_router = APIRouter(prefix="/users/me", tags=["users"])
# User accounts: admins only, reading included (README, "API conventions"): they hold personal
# data (e-mail addresses) and say who may do what. Everyone reads their own at /users/me.
router = APIRouter(prefix="/users", tags=["users"])


class LoginForm:
    """The OAuth2 password form (RFC 6749 4.3), bounded like every other input: a user name
    no longer than the column that stores it (the login throttle counts failures per name)."""

    def __init__(
        self,
        username: Annotated[LoginUsername, Form()],
        password: Annotated[LoginPassword, Form(json_schema_extra={"format": "password"})],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=1000)] = "",
    ) -> None:
        self.username = username
        self.password = password
        self.grant_type = grant_type
        self.scopes = scope.split()


@login_router.post("/token", response_model=TokenOut, summary="Log in (OAuth2 password flow)")
def login(
    request: Request,
    form: Annotated[LoginForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenOut:
    issued = service.authenticate(
        session,
        form.username,
        form.password,
        settings=settings,
        key=request.app.state.secret_key,
    )
    request.state.user = issued.user.username
    return TokenOut(
        access_token=issued.token,
        expires_at=issued.expires_at,
        expires_in=settings.token_expire_minutes * 60,
    )


@self_router.get("", response_model=UserOut, summary="The user the token belongs to")
def me(user: CurrentUser, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.get_user(session, user.id))


@self_router.post("/password", status_code=status.HTTP_204_NO_CONTENT, summary="Change my password")
def change_password(body: PasswordChange, user: CurrentUser, session: SessionDep) -> None:
    own = service.get_user(session, user.id)
    service.change_own_password(session, own, body.current_password, body.new_password)


@router.get("", response_model=Page[UserOut], summary="List users")
def list_users(_: Admin, session: SessionDep, page: PageDep) -> Page[UserOut]:
    rows, total = service.list_users(session, page)
    return page_of([UserOut.model_validate(u) for u in rows], total, page)


@router.post("", response_model=UserOut, status_code=201, summary="Create a user")
def create_user(body: UserCreate, _: Admin, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.create_user(session, body))


@router.get("/{user_id}", response_model=UserOut, summary="One user")
def get_user(user_id: Id, _: Admin, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.get_user(session, user_id))


@router.patch("/{user_id}", response_model=UserOut, summary="Change a user")
def update_user(user_id: Id, body: UserUpdate, actor: Admin, session: SessionDep) -> UserOut:
    return UserOut.model_validate(service.update_user(session, user_id, body, actor=actor))
