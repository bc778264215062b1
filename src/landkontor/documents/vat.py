"""How a VAT category appears on a document: the EN 16931 category code, the exemption
note §14 (4) Nr. 8 UStG requires, and the DATEV revenue account key — one place for all.

A zero-rated line to a business customer in another EU member state with a VAT id is a
tax-exempt intra-community supply (§4 Nr. 1b, §6a UStG): category K, with the note; any other
zero-rated line is category Z (zero rated goods). Standard and reduced rates are category S.
"""

from __future__ import annotations

from dataclasses import dataclass

from landkontor.catalog.models import VatCategory

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
INTRA_EU_NOTE = "Steuerfreie innergemeinschaftliche Lieferung (§ 4 Nr. 1 Buchst. b, § 6a UStG)"


@dataclass(frozen=True)
class TaxTreatment:
    code: str  # EN 16931 VAT category code (UNTDID 5305)
    note: str  # exemption reason printed and put into the e-invoice (BT-120)
    exemption_code: str  # VATEX code (BT-121), empty if none
    revenue_key: str  # key of the DATEV revenue account (company/accounts.py)


def is_intra_eu(seller_country: str, buyer_country: str, buyer_vat_id: str | None) -> bool:
    return (
        bool(buyer_vat_id)
        and buyer_country != seller_country
        and buyer_country in EU_COUNTRIES
        and seller_country in EU_COUNTRIES
    )


def treatment(category: VatCategory, *, intra_eu: bool) -> TaxTreatment:
    if category == VatCategory.zero and intra_eu:
        return TaxTreatment("K", INTRA_EU_NOTE, "VATEX-EU-IC", "revenue_intra_eu")
    if category == VatCategory.zero:
        return TaxTreatment("Z", "", "", "revenue_zero")
    return TaxTreatment("S", "", "", f"revenue_{category.value}")


def purchase_key(regime: str, category: VatCategory) -> str:
    """The key of the DATEV purchase account of a farmer's settlement (company/accounts.py):
    by the crop's VAT category for a regularly taxed farmer, the §24 account for a flat-rate
    farmer, the account without input VAT for an exempt one (or a zero-rated crop)."""
    if regime == "flat_rate":
        return "purchase_flat_rate"
    if regime == "exempt" or category == VatCategory.zero:
        return "purchase_no_vat"
    return f"purchase_{category.value}"
