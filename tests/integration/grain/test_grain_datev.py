"""The farmers' settlements in the DATEV booking batch: one booking per credit note, credited
to the farmer's creditor account against the purchase account of the farmer's VAT regime,
read back from the file; the sums are the credit notes' gross amounts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from landkontor.documents.datev import datev_export
from tests.grain_support import Harvest

DAY = date(2026, 8, 3)


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def _rows(content: bytes) -> list[list[str]]:
    lines = content.decode("cp1252").split("\r\n")
    return [line.split(";") for line in lines[2:-1]]


def _amount(text: str) -> D:
    return D(text.replace(",", "."))


def _settle_three_farmers(harvest: Harvest) -> list[dict]:
    """A regular farmer with an own creditor account, a flat-rate and an exempt farmer."""
    farmers = [
        harvest.farmer("regular", name="Hof Albers", creditor_account=70010),
        harvest.farmer("flat_rate", name="Hof Brandt"),
        harvest.farmer("exempt", name="Hof Claus"),
    ]
    harvest.contract(farmers[0], 30, price_per_t="210")
    return [
        harvest.settle(farmer, harvest.load(farmer, harvest.cells[0]), settled_on=DAY.isoformat())
        for farmer in farmers
    ]


def test_each_settlement_is_credited_to_the_farmer_against_its_purchase_account(harvest, session):
    notes = _settle_three_farmers(harvest)
    content, _ = datev_export(session, DAY, DAY)
    rows = {row[10].strip('"'): row for row in _rows(content)}
    assert set(rows) == {note["settlement_no"] for note in notes}
    # SKR03: Wareneingang 7 % (the regular farmer's wheat), at the §24 average rate, and
    # without input VAT; the own creditor account, else the collective one
    expected = [("70010", "3300"), ("70000", "3540"), ("70000", "3200")]
    for note, (creditor, purchase) in zip(notes, expected, strict=True):
        row = rows[note["settlement_no"]]
        assert (row[6], row[7]) == (creditor, purchase)
        assert row[1] == '"H"'  # a credit to the farmer
        assert _amount(row[0]) == D(note["gross_amount"])
        assert row[9] == DAY.strftime("%d%m")
        assert row[13].startswith(f'"Gutschrift {note["settlement_no"]} Hof ')
    total = sum(_amount(row[0]) for row in rows.values())
    assert total == sum(D(note["gross_amount"]) for note in notes)
    # the exempt farmer's credit note carries no VAT: its booking is its net amount
    assert D(notes[2]["gross_amount"]) == D(notes[2]["net_amount"])

    again, _ = datev_export(session, DAY, DAY)
    assert again == content


def test_the_purchase_accounts_follow_the_chart_and_the_overrides(harvest, session, trade, admin):
    trade.enter_company(
        admin, chart_of_accounts="SKR04", account_overrides={"collective_creditor": 79999}
    )
    notes = _settle_three_farmers(harvest)
    content, _ = datev_export(session, DAY, DAY)
    rows = {row[10].strip('"'): row for row in _rows(content)}
    found = [(rows[n["settlement_no"]][6], rows[n["settlement_no"]][7]) for n in notes]
    assert found == [("70010", "5300"), ("79999", "5540"), ("79999", "5200")]
