"""Money, VAT and price rules (pure functions)."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

from landkontor.catalog.models import VatCategory
from landkontor.common.money import round_cents
from landkontor.partners.rules import (
    best_break,
    check_payment_terms,
    discounted,
    line_amount,
    periods_overlap,
    vat_totals,
)
from landkontor.purchasing.receipts import allowed_quantity


def test_cents_round_half_up():
    assert round_cents(D("2.675")) == D("2.68")
    assert round_cents(D("0.005")) == D("0.01")
    assert round_cents(D("0.0049")) == D("0.00")
    assert line_amount(D(3), D("0.335")) == D("1.01")


def test_discount_keeps_price_precision():
    assert discounted(D("0.70"), D(10)) == D("0.630000")
    assert discounted(D("1.234567"), D("2.5")) == D("1.203703")


def test_vat_per_rate_on_the_sum_of_its_lines():
    totals = vat_totals(
        [(VatCategory.standard, D(19), D("0.03"))] * 3
        + [(VatCategory.reduced, D(7), D("10.00")), (VatCategory.zero, D(0), D("5.00"))]
    )
    assert [(t.category, t.net, t.vat) for t in totals.taxes] == [
        (VatCategory.reduced, D("10.00"), D("0.70")),
        (VatCategory.standard, D("0.09"), D("0.02")),
        (VatCategory.zero, D("5.00"), D("0.00")),
    ]
    assert (totals.net, totals.vat, totals.gross) == (D("15.09"), D("0.72"), D("15.81"))


def test_best_break_takes_the_highest_fitting_quantity_valid_that_day():
    entries = [
        SimpleNamespace(min_quantity=D(0), valid_from=None, valid_to=None, price=1),
        SimpleNamespace(min_quantity=D(500), valid_from=None, valid_to=None, price=2),
        SimpleNamespace(min_quantity=D(500), valid_from=date(2026, 6, 1), valid_to=None, price=3),
        SimpleNamespace(min_quantity=D(1000), valid_from=None, valid_to=date(2026, 1, 1), price=4),
    ]
    assert best_break(entries, D(499), date(2026, 7, 1)).price == 1
    assert best_break(entries, D(500), date(2026, 5, 1)).price == 2
    assert best_break(entries, D(5000), date(2026, 7, 1)).price == 3
    assert best_break(entries, D(5000), date(2025, 7, 1)).price == 4
    assert best_break(entries[1:], D(1), date(2026, 7, 1)) is None


def test_periods_overlap_with_open_ends():
    d = date
    assert periods_overlap(None, None, d(2026, 1, 1), d(2026, 1, 2))
    assert periods_overlap(d(2026, 1, 1), d(2026, 1, 31), d(2026, 1, 31), None)
    assert not periods_overlap(d(2026, 1, 1), d(2026, 1, 31), d(2026, 2, 1), None)
    assert not periods_overlap(None, d(2025, 12, 31), d(2026, 1, 1), None)


def test_payment_terms_rules():
    assert check_payment_terms(30, D(2), 10) is None
    assert check_payment_terms(None, None, None) is None
    assert "both" in check_payment_terms(30, D(2), None)
    assert "exceed" in check_payment_terms(10, D(2), 14)


def test_over_receipt_tolerance():
    assert allowed_quantity(D(1000), D(5)) == D(1050)
    assert allowed_quantity(D(1000), D(0)) == D(1000)
