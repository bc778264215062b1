"""Booking accounts of the DATEV export: the chart's standard accounts, overridable.

SKR03 and SKR04 are DATEV's standard charts; the revenue accounts named here are their
automatic accounts (DATEV computes the VAT from the gross amount), so a booking needs no tax
key. A company whose advisor uses other accounts sets them in ``account_overrides``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Revenue per tax treatment (see documents/vat.py), the bank account payments arrive on,
# and the collective debtor account for customers without their own debtor account.
ACCOUNT_KEYS = (
    "revenue_standard",
    "revenue_reduced",
    "revenue_zero",
    "revenue_intra_eu",
    "bank",
    "collective_debtor",
)

STANDARD_ACCOUNTS: dict[str, dict[str, int]] = {
    "SKR03": {
        "revenue_standard": 8400,  # Erlöse 19 % USt
        "revenue_reduced": 8300,  # Erlöse 7 % USt
        "revenue_zero": 8100,  # Steuerfreie Umsätze
        "revenue_intra_eu": 8125,  # Steuerfreie innergemeinschaftliche Lieferungen §4 Nr. 1b
        "bank": 1200,
        "collective_debtor": 10000,
    },
    "SKR04": {
        "revenue_standard": 4400,
        "revenue_reduced": 4300,
        "revenue_zero": 4100,
        "revenue_intra_eu": 4125,
        "bank": 1800,
        "collective_debtor": 10000,
    },
}


def check_account_overrides(value: Mapping[str, Any]) -> dict[str, int]:
    """Only known keys, each a positive account number of at most 9 digits."""
    unknown = sorted(set(value) - set(ACCOUNT_KEYS))
    if unknown:
        raise ValueError(f"unknown account key(s) {unknown}; known: {list(ACCOUNT_KEYS)}")
    for key, number in value.items():
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number < 10**9:
            raise ValueError(f"{key} must be an account number from 1 to 999999999")
    return dict(value)


def booking_accounts(chart: str, overrides: Mapping[str, int]) -> dict[str, int]:
    """The accounts in effect: the chart's standard with the company's overrides."""
    return {**STANDARD_ACCOUNTS[chart], **overrides}
