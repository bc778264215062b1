"""USt-IdNr. (EU VAT identification number) check with python-stdnum.

Checks the country prefix, the country's format and, where the country defines one, the
check digit (DE: ISO 7064 Mod 11,10). No online (VIES) lookup.
"""

from __future__ import annotations

from stdnum.eu import vat
from stdnum.exceptions import InvalidChecksum, InvalidComponent, ValidationError


def normalize_vat_id(value: str) -> str:
    """The VAT id in compact form (``DE136695976``); ValueError saying what is wrong."""
    try:
        return str(vat.validate(value))
    except InvalidComponent:
        raise ValueError(
            f"{value!r} does not start with the code of an EU member state (DE, AT, FR …)"
        ) from None
    except InvalidChecksum:
        raise ValueError(f"{value!r} has a wrong check digit") from None
    except ValidationError:
        country = value.strip()[:2].upper()
        raise ValueError(f"{value!r} is not a valid {country} VAT id (format or length)") from None
