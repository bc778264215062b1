"""Base classes for request and response models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from landkontor.common import bounds


class InputModel(BaseModel):
    """Request bodies: unknown fields are an error, strings are stripped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    """Response bodies, built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


# Decimal fields: JSON numbers or strings in, strings out (no binary floating point anywhere).
# The bounds themselves live in common/bounds.py; these names are the quantity types.
PositiveDecimal = bounds.PositiveQuantity
NonNegativeDecimal = bounds.Quantity
AnyDecimal = bounds.SignedQuantity
PercentDecimal = bounds.Percent
Code = bounds.ItemNo
Name = bounds.Name
