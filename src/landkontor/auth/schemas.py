"""Request and response models of the auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field

from landkontor.auth.models import User
from landkontor.auth.roles import Role
from landkontor.common.bounds import FREE_TEXT, length_of, single_line
from landkontor.common.schemas import InputModel, OutputModel

Username = Annotated[
    str,
    Field(
        min_length=2,
        max_length=length_of(User.username),
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$",
    ),
]
# Never stored (only its argon2 hash); any character but the control ones except tab.
Password = Annotated[str, Field(min_length=8, max_length=128, pattern=FREE_TEXT)]
FullName = single_line(User.full_name)
# What a login form may carry: a name of any shape (it is only looked up), never longer than
# the column, and a password no longer than any password can be.
LoginUsername = single_line(User.username, min_length=1)
LoginPassword = Annotated[str, Field(min_length=1, max_length=1024, pattern=FREE_TEXT)]
Email = Annotated[EmailStr, Field(max_length=length_of(User.email))]


class TokenOut(OutputModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105
    expires_at: datetime
    expires_in: int = Field(description="Seconds until the token expires.")


class UserOut(OutputModel):
    id: int
    username: str
    full_name: str
    email: str | None
    role: Role
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None


class UserCreate(InputModel):
    username: Username
    password: Password
    role: Role = Role.viewer
    full_name: FullName = ""
    email: Email | None = None


class UserUpdate(InputModel):
    role: Role | None = None
    full_name: FullName | None = None
    email: Email | None = None
    is_active: bool | None = None
    password: Password | None = Field(None, description="Set a new password (admin reset).")


class PasswordChange(InputModel):
    current_password: Annotated[str, Field(min_length=1, max_length=128, pattern=FREE_TEXT)]
    new_password: Password
