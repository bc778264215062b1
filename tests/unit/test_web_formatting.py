"""German formatting of the web pages, German numbers typed into forms, German messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from landkontor.errors import AlreadyExists, DomainError, InvalidInput, TooManyRequests
from landkontor.inventory.errors import InsufficientStock
from landkontor.web import formatting
from landkontor.web.forms import german_decimal
from landkontor.web.messages import input_message, problem_message


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (Decimal("1234.56"), None, "1.234,56"),
        (Decimal("1250.0000"), None, "1.250"),
        (Decimal("1234567.5"), 2, "1.234.567,50"),
        (Decimal("0.125"), 2, "0,13"),
        (Decimal("-1234.5"), None, "-1.234,5"),
        (Decimal("-0.001"), 2, "0,00"),
        (Decimal("999"), None, "999"),
        (Decimal("1000"), None, "1.000"),
        (12, None, "12"),
        (None, None, formatting.EMPTY),
    ],
)
def test_numbers_are_german_and_exact(value, places, expected):
    assert formatting.number(value, places) == expected


def test_a_large_quantity_keeps_every_digit():
    assert formatting.number(Decimal("123456789012345.1234")) == "123.456.789.012.345,1234"


def test_money_and_quantities_carry_their_unit():
    assert formatting.money(Decimal("1234.5")) == "1.234,50 €"
    assert formatting.quantity(Decimal("25000.0000"), "kg") == "25.000 kg"
    assert formatting.quantity(None, "kg") == formatting.EMPTY


def test_dates_are_day_month_year():
    assert formatting.day(date(2026, 11, 30)) == "30.11.2026"


def test_moments_show_in_the_business_time_zone():
    late_evening_utc = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert formatting.moment(late_evening_utc, "Europe/Berlin") == "01.12.2026 00:30"
    assert formatting.day(late_evening_utc, "Europe/Berlin") == "01.12.2026"
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert formatting.moment(summer, "Europe/Berlin") == "01.07.2026 12:00"


def test_status_words_are_german():
    assert formatting.label("blocked", formatting.BATCH_STATUS) == "gesperrt"
    assert formatting.label("unknown-status", formatting.BATCH_STATUS) == "unknown-status"


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [("1.234,5", "1234.5"), ("1.500", "1500"), ("2,5", "2.5"), ("2.5", "2.5"), (" 12 ", "12")],
)
def test_german_numbers_typed_into_a_form_are_read(typed, parsed):
    assert german_decimal(typed) == parsed


def test_problem_codes_have_german_messages():
    assert problem_message(AlreadyExists("x", field="item_no")) == "Das gibt es schon."
    assert problem_message(InsufficientStock("x")) == "Nicht genug Bestand."
    assert "Fehlversuche" in problem_message(TooManyRequests("x", retry_after=30))
    assert "30 s" in problem_message(TooManyRequests("x", retry_after=30))


def test_an_unknown_code_falls_back_to_its_status_family():
    class Strange(InvalidInput):
        code = "something-new"

    assert problem_message(Strange("x")) == "Der Wert ist ungültig."
    assert problem_message(DomainError("x")) == "Die Anfrage ist ungültig."


def test_input_errors_name_their_limits_in_german():
    assert input_message("string_too_long", {"max_length": 64}) == "Höchstens 64 Zeichen."
    assert input_message("greater_than", {"gt": Decimal("0.5")}) == "Muss größer als 0,5 sein."
    assert input_message("no-such-type") == "Der Wert ist ungültig."
