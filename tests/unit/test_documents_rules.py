"""Rules of the documents that need no database: German formats, tax treatment, the DATEV
period and amounts, and schema failures named by their element."""

from datetime import date
from decimal import Decimal as D

import pytest

from landkontor.catalog.models import VatCategory
from landkontor.documents import layout
from landkontor.documents.datev import amount_text, check_period
from landkontor.documents.einvoice import validate_cii
from landkontor.documents.errors import DocumentInvalid
from landkontor.documents.vat import is_intra_eu, treatment


def test_german_amounts_and_quantities():
    assert layout.money(D("1234.5")) == "1.234,50"
    assert layout.money(D("1234567.555"), currency=True) == "1.234.567,56 €"
    assert layout.number(D("25.5000")) == "25,5"
    assert layout.number(D("1000")) == "1.000"
    assert layout.percent(D("7.00")) == "7 %"
    assert layout.day(date(2026, 3, 1)) == "01.03.2026"


def test_zero_rate_is_intra_community_only_across_eu_borders_with_a_vat_id():
    assert is_intra_eu("DE", "AT", "ATU13585627")
    assert not is_intra_eu("DE", "DE", "DE136695976")
    assert not is_intra_eu("DE", "AT", None)
    assert not is_intra_eu("DE", "CH", "CHE123")
    assert treatment(VatCategory.zero, intra_eu=True).code == "K"
    assert treatment(VatCategory.zero, intra_eu=False).code == "Z"
    assert treatment(VatCategory.reduced, intra_eu=True).code == "S"
    assert treatment(VatCategory.reduced, intra_eu=False).revenue_key == "revenue_reduced"


def test_datev_amounts_and_periods():
    assert amount_text(D("1234.5")) == "1234,50"
    assert amount_text(D("0.0400")) == "0,04"
    assert check_period(date(2026, 7, 1), date(2026, 7, 31), 1) == date(2026, 1, 1)
    assert check_period(date(2026, 2, 1), date(2026, 3, 31), 7) == date(2025, 7, 1)
    with pytest.raises(ValueError, match="one fiscal year"):
        check_period(date(2026, 6, 1), date(2026, 7, 31), 7)
    with pytest.raises(ValueError, match="before"):
        check_period(date(2026, 6, 2), date(2026, 6, 1), 1)


def test_a_schema_failure_names_the_element():
    xml = (
        b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100"><rsm:Unknown/></rsm:CrossIndustryInvoice>'
    )
    with pytest.raises(DocumentInvalid) as caught:
        validate_cii(xml)
    assert caught.value.status == 422 and caught.value.code == "document-invalid"
    assert caught.value.errors[0]["field"].startswith("/rsm:CrossIndustryInvoice")
