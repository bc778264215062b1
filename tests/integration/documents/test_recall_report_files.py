"""The recall report of a batch as PDF and XLSX through the API (the files the
Rückverfolgung page offers): what a recall concerns, with the customers' contact data."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.helpers import assert_problem
from tests.mill import build_delivered_mill


def test_the_recall_report_files_name_batches_stock_and_customers(client, stock, trade, viewer):
    mill = build_delivered_mill(stock, trade)
    base = f"/api/v1/batches/{mill['batches']['M-1']}/recall-report"
    pdf = client.get(f"{base}/pdf", headers=viewer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert 'filename="Rueckruf_M-1.pdf"' in pdf.headers["content-disposition"]
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Rückrufbericht Charge M-1", "VM-1", "MF-1", "FERTIG", "schulte@example.org"):
        assert expected in text
    xlsx = client.get(f"{base}/xlsx", headers=viewer)
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    stock_rows = list(book["Bestand"].iter_rows(min_row=2, values_only=True))
    # 700 kg of the feed are left after 300 kg were delivered; the premix is used up.
    assert [(r[0], r[3], r[4], r[5]) for r in stock_rows] == [
        ("M-1", "ROH", 40, "kg"),
        ("MF-1", "FERTIG", 700, "kg"),
    ]
    assert_problem(client.get("/api/v1/batches/999999/recall-report/pdf", headers=viewer), 404)
