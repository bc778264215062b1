"""The DATEV booking batch and the document archive of a period, made by a real worker and
read back: header, columns, encoding, sums equal to the invoices; the same file again."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal as D

import pytest

from landkontor.documents.datev import COLUMNS
from tests.helpers import assert_problem
from tests.jobs_helpers import result_file, run_job, submit, wait_job

pytestmark = pytest.mark.usefixtures("worker")


def amount(text: str) -> D:
    return D(text.replace(",", "."))


@pytest.fixture
def books(trade, shop, manager):
    """Two customers' invoices (two VAT rates), a credit note, one invoice paid."""
    other = trade.customer(
        customer_no="K-9", name="Gut Ahlden", city="Ahlden", debtor_account=10042
    )
    invoices = []
    for customer in (shop["customer"], other):
        order = trade.sales_order(
            customer["id"],
            shop["wh"]["id"],
            {"item_id": shop["seed"]["id"], "quantity": "12"},
            {"item_id": shop["mineral"]["id"], "quantity": "7"},
            confirm=True,
        )
        trade.deliver(order["id"])
        invoices.append(trade.invoice(order["id"]))
    note = trade.post(
        f"/invoices/{invoices[0]['id']}/credit-notes",
        {
            "reason": "Retoure",
            "lines": [{"invoice_line_id": invoices[0]["lines"][0]["id"], "quantity": 2}],
        },
        as_="manager",
    )
    paid = trade.post(f"/invoices/{invoices[1]['id']}/payment", {}, status=200)
    return invoices, note, paid


def _export(client, manager, today):
    job = run_job(
        client, manager, "accounting.datev_export", {"date_from": today, "date_to": today}
    )
    return result_file(client, manager, job)


def test_datev_export_reads_back_and_sums_to_the_invoices(client, manager, books):
    invoices, note, paid = books
    today = invoices[0]["invoice_date"]
    content, content_type = _export(client, manager, today)
    assert "windows-1252" in content_type
    assert "Schlüssel".encode("cp1252") in content  # Windows-1252, not UTF-8
    lines = content.decode("cp1252").split("\r\n")
    assert lines[-1] == ""
    header, columns, rows = (
        lines[0].split(";"),
        lines[1].split(";"),
        [r.split(";") for r in lines[2:-1]],
    )
    assert header[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"] and len(header) == 31
    assert header[10:12] == ["1234567", "42"]  # consultant and client numbers
    compact = today.replace("-", "")
    assert header[14:16] == [compact, compact] and header[26] == '"03"'
    assert len(columns) == len(COLUMNS) == 125 and columns[0] == '"Umsatz (ohne Soll/Haben-Kz)"'
    assert all(len(row) == 125 for row in rows)

    documents = [r for r in rows if r[6] != "1200"]  # against the debtors
    payments = [r for r in rows if r[6] == "1200"]  # on the bank account
    assert len(documents) == 2 + 2 + len(note["taxes"])  # one per invoice and VAT rate
    signed = sum(amount(r[0]) * (1 if r[1] == '"S"' else -1) for r in documents)
    assert signed == sum(D(i["gross_total"]) for i in invoices) - D(note["gross_total"])
    assert {r[7] for r in documents} == {"8300", "8400"}  # SKR03 revenue 7 % and 19 %
    assert {r[6] for r in documents} == {"10000", "10042"}  # collective and own debtor
    [payment] = payments
    assert amount(payment[0]) == D(paid["gross_total"]) and payment[7] == "10042"
    assert all(r[9] == date.fromisoformat(today).strftime("%d%m") for r in rows)
    assert {r[10] for r in documents} == {f'"{i["number"]}"' for i in [*invoices, note]}

    again, _ = _export(client, manager, today)
    assert again == content


def test_datev_export_refuses_bad_periods_and_missing_numbers(client, manager, admin, trade):
    bad = client.post(
        "/api/v1/jobs",
        json={
            "type": "accounting.datev_export",
            "params": {"date_from": "2026-05-02", "date_to": "2026-05-01"},
        },
        headers=manager,
    )
    assert_problem(bad, 422)
    spanning = client.post(
        "/api/v1/jobs",
        json={
            "type": "accounting.datev_export",
            "params": {"date_from": "2025-12-01", "date_to": "2026-01-31"},
        },
        headers=manager,
    )
    assert_problem(spanning, 422, field="params.date_to")
    trade.enter_company(admin, datev_consultant_number=None)
    missing = client.post(
        "/api/v1/jobs",
        json={
            "type": "accounting.datev_export",
            "params": {"date_from": "2026-01-01", "date_to": "2026-01-31"},
        },
        headers=manager,
    )
    assert_problem(missing, 409, "company-data-missing", field="company.datev_consultant_number")


def test_document_archive_holds_every_document_of_the_period(client, clerk, books, viewer):
    invoices, note, _ = books
    today = invoices[0]["invoice_date"]
    job = submit(client, clerk, "documents.export", {"date_from": today, "date_to": today})
    done = wait_job(client, clerk, job["id"])
    assert done["status"] == "succeeded", done
    assert done["result"]["invoices"] == 3 and done["result"]["delivery_notes"] == 2
    assert done["progress"] == 100
    content, content_type = result_file(client, clerk, done)
    assert content_type == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(content))
    names = set(archive.namelist())
    for invoice in invoices:
        assert f"Rechnungen/Rechnung_{invoice['number']}.pdf" in names
        assert f"Rechnungen/Rechnung_{invoice['number']}_XRechnung.xml" in names
        assert f"Rechnungen/Rechnung_{invoice['number']}_ZUGFeRD.pdf" in names
    assert f"Gutschriften/Gutschrift_{note['number']}.pdf" in names
    assert len([n for n in names if n.startswith("Lieferscheine/")]) == 2
    stored = client.get(f"/api/v1/invoices/{invoices[0]['id']}/xrechnung", headers=viewer).content
    assert archive.read(f"Rechnungen/Rechnung_{invoices[0]['number']}_XRechnung.xml") == stored
