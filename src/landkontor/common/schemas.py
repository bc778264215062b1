"""Base classes for request and response models."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    """Response bodies, built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# Decimal fields: JSON numbers or strings in, strings out (no binary floating point anywhere).
PositiveDecimal = Annotated[Decimal, Field(gt=0, allow_inf_nan=False)]
NonNegativeDecimal = Annotated[Decimal, Field(ge=0, allow_inf_nan=False)]
AnyDecimal = Annotated[Decimal, Field(allow_inf_nan=False)]
PercentDecimal = Annotated[Decimal, Field(ge=0, le=100, allow_inf_nan=False)]
Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def reject_nul(value: str) -> str:
    """Text with a NUL character is refused (PostgreSQL cannot store it)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def text_field(max_length: int, *, min_length: int = 0) -> Any:
    """A string type of at most ``max_length`` characters (its column's length), NUL refused."""
    return Annotated[
        str, Field(min_length=min_length, max_length=max_length), AfterValidator(reject_nul)
    ]
