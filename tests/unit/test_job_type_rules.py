"""Pure rules of the domain job types: reorder quantities, spreadsheet cells, the keys that
make opening stock idempotent, partner rows, German numbers, every type's registration."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from landkontor.common.clock import end_of_business_day
from landkontor.inventory.opening import balance_fingerprint, balance_key
from landkontor.inventory.schemas import OpeningStockIn
from landkontor.jobs.import_loop import spreadsheet_cells
from landkontor.jobs.pdf import Section, number, sections_pdf
from landkontor.jobs.registry import FAMILY_QUEUES, get_job_type, job_types
from landkontor.jobs.tabular import Sheet, write_xlsx_sheets
from landkontor.partners.jobs import partner_input
from landkontor.partners.schemas import PartnerImportRow
from landkontor.purchasing.replenishment import proposed_quantity
from landkontor.settings import Settings


@pytest.mark.parametrize(
    ("point", "lot", "projected", "pack", "expected"),
    [
        (D(100), D(250), D(80), None, D(250)),  # short by 20: one lot
        (D(100), D(250), D(-300), None, D(500)),  # short by 400: two lots
        (D(100), D(250), D(100), None, None),  # at the point: nothing yet
        (D(50), None, D(5), D(25), D(50)),  # short by 45: two sacks of 25
        (D(50), None, D("49.5"), None, D(1)),  # whole base units
        (D(10), D("0.5"), D(9), D(25), D(1)),  # the lot size wins over the pack
    ],
)
def test_proposed_quantity_rounds_up_to_lots_or_packs(point, lot, projected, pack, expected):
    assert proposed_quantity(point, lot, projected, pack) == expected


def test_spreadsheet_cells_understand_german_and_spreadsheet_values():
    values = {
        "item_no": 4711,
        "quantity": "12,5",
        "best_before": "31.03.2027",
        "produced": datetime(2026, 5, 1),
        "blocked": "ja",
        "note": None,
        "bad_date": "31.02.2027",
    }
    data = spreadsheet_cells(
        values,
        texts=("item_no",),
        decimals=("quantity",),
        dates=("best_before", "produced", "bad_date"),
        booleans=("blocked",),
    )
    assert data == {
        "item_no": "4711",
        "quantity": "12.5",
        "best_before": date(2027, 3, 31),
        "produced": date(2026, 5, 1),
        "blocked": True,
        "bad_date": "31.02.2027",  # left for the model to refuse with its reason
    }


def _balance(**fields) -> OpeningStockIn:
    base = {
        "item_no": "WEIZEN",
        "warehouse": "HAUPT",
        "location": "A1",
        "batch_no": "W-1",
        "quantity": "1000",
        "unit_cost": "0.25",
    }
    return OpeningStockIn.model_validate({**base, **fields})


def test_an_opening_balance_is_keyed_by_item_location_and_batch():
    first = _balance()
    assert balance_key(first) == balance_key(_balance(quantity="999"))
    assert balance_key(first) != balance_key(_balance(batch_no="W-2"))
    assert balance_key(first) != balance_key(_balance(location="A2"))
    assert len(balance_key(first)) <= 200  # fits stock_movements.idempotency_key
    assert balance_fingerprint(first) == balance_fingerprint(_balance(quantity="1000.000"))
    assert balance_fingerprint(first) != balance_fingerprint(_balance(quantity="999"))


def test_a_partner_row_is_a_customer_or_a_supplier():
    customer = PartnerImportRow.model_validate(
        partner_input({"customer_no": "K-1", "supplier_no": None, "name": "Hof", "city": None})
    )
    assert customer.customer_no == "K-1" and customer.city == ""
    assert {"supplier_no", "city"} <= customer.model_fields_set  # columns of the file
    for row in (
        {"name": "Hof"},
        {"customer_no": "K-1", "supplier_no": "L-1", "name": "Beides"},
        {"supplier_no": "L-1", "name": "Mühle", "discount_percent": "3"},
    ):
        with pytest.raises(ValidationError):
            PartnerImportRow.model_validate(partner_input(row))


def test_german_numbers_and_sections_in_pdf_reports():
    assert number(D("1234567.891")) == "1.234.567,89"
    assert number(D("-0.5"), 4) == "-0,5000" and number(None) == ""
    pdf = sections_pdf(
        "Chargenverfolgung",
        [
            Section("Vorwärts", ["batch_no", "quantity"], [["B-1", D("1234.5")]], [1]),
            Section("Lieferungen", ["delivery_no"], [], empty="keine"),
        ],
        header_lines=["Charge <B-1> & Co"],  # text, not markup
    )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "1.234,50" in text and "keine" in text and "Charge <B-1> & Co" in text


def test_xlsx_with_several_sheets():
    from openpyxl import load_workbook

    content = write_xlsx_sheets(
        [Sheet("Eins", ["a"], [[1], [2]]), Sheet("Zwei", ["b", "c"], iter([["x", None]]))]
    )
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Eins", "Zwei"]
    assert [r[0].value for r in workbook["Eins"].iter_rows(min_row=2)] == [1, 2]


def test_as_of_a_day_means_the_end_of_that_business_day(tmp_path):
    berlin = Settings(var_dir=tmp_path, timezone="Europe/Berlin")
    moment = end_of_business_day(date(2026, 3, 31), berlin)  # summer time
    assert moment == datetime(2026, 3, 31, 21, 59, 59, 999999, tzinfo=UTC)


DOMAIN_TYPES = {
    "import.partners": ("imports", "manager"),
    "import.opening-stock": ("imports", "manager"),
    "export.stock-levels": ("exports", "clerk"),
    "export.ledger": ("exports", "clerk"),
    "report.stock-valuation": ("reports", "clerk"),
    "report.batch-trace": ("reports", "clerk"),
    "optimization.reorder-proposals": ("optimization", "clerk"),
    "optimization.material-shortages": ("optimization", "clerk"),
    "maintenance.verify-stock": ("reports", "manager"),
    "demo.load": ("imports", "admin"),
}


def test_every_domain_job_type_is_registered_with_queue_role_and_limits():
    names = {t.name for t in job_types()}
    assert set(DOMAIN_TYPES) <= names
    for name, (queue, role) in DOMAIN_TYPES.items():
        spec = get_job_type(name)
        assert (spec.queue, spec.role.value) == (queue, role), name
        assert 0 < spec.soft_time_limit < spec.time_limit <= 3660, name
        assert spec.description, name
        family = name.split(".", 1)[0]
        assert family not in FAMILY_QUEUES or FAMILY_QUEUES[family] == spec.queue
    assert get_job_type("import.opening-stock").input_file
    assert get_job_type("import.partners").input_file
    verify = get_job_type("maintenance.verify-stock").schedule
    assert verify is not None and verify.hour == {2} and verify.minute == {43}


def test_an_xlsx_export_stopped_midway_leaves_no_temporary_file(tmp_path, monkeypatch):
    import tempfile

    from landkontor.jobs.errors import JobCancelled

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def rows():
        yield ["A-1"]
        raise JobCancelled()  # what check_cancelled raises between two batches

    with pytest.raises(JobCancelled):
        write_xlsx_sheets([Sheet("Eins", ["a"], [[1]]), Sheet("Zwei", ["item_no"], rows())])
    assert list(tmp_path.iterdir()) == []
