"""Request and response models of the auth endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import EmailStr, Field

from landkontor.auth.roles import Role
from landkontor.common.schemas import InputModel, OutputModel

Username = Annotated[
    str, Field(min_length=2, max_length=150, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")
]
Password = Annotated[str, Field(min_length=8, max_length=128)]


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
    full_name: str = Field("", max_length=200)
    email: EmailStr | None = None


class UserUpdate(InputModel):
    role: Role | None = None
    full_name: str | None = Field(None, max_length=200)
    email: EmailStr | None = None
    is_active: bool | None = None
    password: Password | None = Field(None, description="Set a new password (admin reset).")


class PasswordChange(InputModel):
    current_password: str = Field(min_length=1, max_length=128)
    new_password: Password
