"""Bank data checked with python-stdnum: IBAN (country format, ISO 7064 check digits), BIC."""

from __future__ import annotations

from stdnum import bic, iban
from stdnum.exceptions import ValidationError


def normalize_iban(value: str) -> str:
    """The IBAN compact (``DE89370400440532013000``); ValueError saying what is wrong."""
    try:
        return str(iban.validate(value))
    except ValidationError:
        raise ValueError(
            f"{value!r} is not a valid IBAN (country, length or check digits)"
        ) from None


def normalize_bic(value: str) -> str:
    """The BIC compact, 8 or 11 characters; ValueError otherwise."""
    try:
        return str(bic.validate(value))
    except ValidationError:
        raise ValueError(f"{value!r} is not a valid BIC") from None
