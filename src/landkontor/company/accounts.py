"""Booking accounts of the DATEV export: the chart's standard accounts, overridable.

SKR03 and SKR04 are DATEV's standard charts; the revenue accounts and the purchase accounts
at 19 % and 7 % named here are their automatic accounts (DATEV computes the VAT, or the input
VAT, from the gross amount), so a booking needs no tax key. Grain bought from flat-rate
farmers (§24 UStG) goes to the charts' account for goods at the average rate ("Wareneingang
… Vorsteuer" at the §24 rate: SKR03 3540, SKR04 5540); purchases without VAT to the plain
goods-received account. A company whose advisor uses other accounts sets them in
``account_overrides``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Revenue per tax treatment (see documents/vat.py), the bank account payments arrive on,
# and the collective debtor account for customers without their own debtor account; the
# purchase (goods received) accounts of the farmers' settlements per VAT (documents/vat.py)
# and the collective creditor account for suppliers without their own creditor account.
ACCOUNT_KEYS = (
    "revenue_standard",
    "revenue_reduced",
    "revenue_zero",
    "revenue_intra_eu",
    "bank",
    "collective_debtor",
    "purchase_standard",
    "purchase_reduced",
    "purchase_flat_rate",
    "purchase_no_vat",
    "collective_creditor",
)

STANDARD_ACCOUNTS: dict[str, dict[str, int]] = {
    "SKR03": {
        "revenue_standard": 8400,  # Erlöse 19 % USt
        "revenue_reduced": 8300,  # Erlöse 7 % USt
        "revenue_zero": 8100,  # Steuerfreie Umsätze
        "revenue_intra_eu": 8125,  # Steuerfreie innergemeinschaftliche Lieferungen §4 Nr. 1b
        "bank": 1200,
        "collective_debtor": 10000,
        "purchase_standard": 3400,  # Wareneingang 19 % Vorsteuer
        "purchase_reduced": 3300,  # Wareneingang 7 % Vorsteuer
        "purchase_flat_rate": 3540,  # Wareneingang zum Durchschnittssatz § 24 UStG
        "purchase_no_vat": 3200,  # Wareneingang (ohne Vorsteuer)
        "collective_creditor": 70000,
    },
    "SKR04": {
        "revenue_standard": 4400,
        "revenue_reduced": 4300,
        "revenue_zero": 4100,
        "revenue_intra_eu": 4125,
        "bank": 1800,
        "collective_debtor": 10000,
        "purchase_standard": 5400,
        "purchase_reduced": 5300,
        "purchase_flat_rate": 5540,
        "purchase_no_vat": 5200,
        "collective_creditor": 70000,
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
