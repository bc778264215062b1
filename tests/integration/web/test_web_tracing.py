"""Rückverfolgung over the real database (no browser): the batch search, the trace both
ways as tree and SVG graph, the lazy branches, the recall report on screen and as PDF and
XLSX, the recall with reason and confirmation, roles and CSRF."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from tests.mill import build_delivered_mill


@pytest.fixture
def delivered(stock, trade):
    return build_delivered_mill(stock, trade)


def test_the_batch_search_finds_batches_by_part_of_their_number(web_client, delivered):
    web_client.login_as("viewer")
    assert "Chargennummer" in web_client.get("/rueckverfolgung").text
    found = web_client.get("/rueckverfolgung?q=VM", headers={"HX-Request": "true"}).text
    assert "<h1>" not in found and "VM-1" in found and "G-1" not in found


def test_the_backward_trace_reaches_the_raw_batches_and_their_supplier(web_client, delivered):
    web_client.login_as("viewer")
    page = web_client.get(f"/rueckverfolgung/{delivered['feed_batch']}").text
    for number in ("VM-1", "G-1", "S-1", "M-1"):
        assert number in page
    assert "Agrarhandel Nord eG" in page and "LS-778" in page
    svg = page[page.index("<svg") : page.index("</svg>")]
    # Feed, premix, three raw batches, and the supplier before G-1 and before S-1 and M-1.
    assert svg.count('class="node ') == 7
    assert 'data-key="s' in svg and svg.count('class="edge"') == 7
    # The tree's first level: the premix and the barley, each opening lazily.
    assert f"/rueckverfolgung/{delivered['premix_batch']}/zweig?richtung=rueckwaerts" in page
    branch = web_client.get(
        f"/rueckverfolgung/{delivered['premix_batch']}/zweig?richtung=rueckwaerts"
    ).text
    assert "S-1" in branch and "M-1" in branch and "hergestellt in" in branch


def test_the_forward_trace_reaches_the_customer(web_client, delivered):
    web_client.login_as("viewer")
    page = web_client.get(f"/rueckverfolgung/{delivered['batches']['S-1']}?richtung=vorwaerts").text
    assert "VM-1" in page and "MF-1" in page and "Hof Schulte" in page
    assert 'data-key="c' in page


def test_the_recall_report_on_screen_as_pdf_and_as_xlsx(web_client, delivered):
    web_client.login_as("viewer")
    url = f"/rueckverfolgung/{delivered['batches']['S-1']}/rueckruf"
    page = web_client.get(url).text
    assert "Hof Schulte" in page and "Dorfstraße 4" in page and "schulte@example.org" in page
    assert "Rückruf auslösen" not in page  # a viewer may not recall
    pdf = web_client.get(url + ".pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Rückrufbericht Charge S-1", "VM-1", "MF-1", "K-700", "Hof Schulte"):
        assert expected in text
    xlsx = web_client.get(url + ".xlsx")
    assert "spreadsheetml" in xlsx.headers["content-type"]
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert book.sheetnames == ["Chargen", "Bestand", "Lieferungen", "Kontakte"]
    batches = [row[0] for row in book["Chargen"].iter_rows(min_row=2, values_only=True)]
    assert batches == ["S-1", "VM-1", "MF-1"]
    delivery = list(book["Lieferungen"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4], r[5]) for r in delivery] == [("K-700", "MF-1", 300)]
    contacts = list(book["Kontakte"].iter_rows(min_row=2, values_only=True))
    assert contacts[0][:3] == ("K-700", "Hof Schulte", "Dorfstraße 4")


def test_a_manager_recalls_after_confirming_with_a_reason(web_client, delivered, stock):
    web_client.login_as("manager")
    batch = delivered["batches"]["S-1"]
    confirm = web_client.get(f"/rueckverfolgung/{batch}/zurueckrufen")
    assert confirm.status_code == 200 and "zurückrufen?" in confirm.text
    short = web_client.post(f"/rueckverfolgung/{batch}/zurueckrufen", {"reason": "x"})
    assert short.status_code == 422
    assert re.search(r'id="e-reason"[^>]*>Mindestens 3', short.text)
    assert "freigegeben" in web_client.get(f"/chargen/{delivered['feed_batch']}").text
    done = web_client.post(
        f"/rueckverfolgung/{batch}/zurueckrufen", {"reason": "Salmonellenbefund"}
    )
    assert done.status_code == 303
    report = web_client.get(done.headers["location"]).text
    assert "3 Chargen sind jetzt zurückgerufen" in report
    for batch_id in (batch, delivered["premix_batch"], delivered["feed_batch"]):
        assert "zurückgerufen" in web_client.get(f"/chargen/{batch_id}").text
    assert "zurückgerufen" not in web_client.get(f"/chargen/{delivered['batches']['G-1']}").text


def test_a_clerk_may_not_recall_and_a_recall_needs_the_csrf_token(web_client, delivered):
    batch = delivered["batches"]["S-1"]
    web_client.login_as("clerk")
    assert web_client.get(f"/rueckverfolgung/{batch}/zurueckrufen").status_code == 403
    refused = web_client.post(f"/rueckverfolgung/{batch}/zurueckrufen", {"reason": "Befund"})
    assert refused.status_code == 403
    web_client.login_as("manager")
    no_token = web_client.post(
        f"/rueckverfolgung/{batch}/zurueckrufen", {"reason": "Befund"}, csrf=False
    )
    assert no_token.status_code == 403
    assert "zurückgerufen" not in web_client.get(f"/chargen/{batch}").text


def test_an_unknown_batch_is_a_german_404(web_client, delivered):
    web_client.login_as("viewer")
    for url in ("/rueckverfolgung/999999", "/rueckverfolgung/999999/rueckruf.pdf"):
        response = web_client.get(url)
        assert response.status_code == 404 and "gibt es nicht" in response.text


def test_the_trace_page_runs_as_many_statements_for_a_deep_trace_as_for_a_short(
    web_client, delivered, stock, count_statements
):
    web_client.login_as("viewer")

    def statements(batch_id: int) -> int:
        with count_statements() as counter:
            assert web_client.get(f"/rueckverfolgung/{batch_id}").status_code == 200
        return counter.count

    assert statements(delivered["feed_batch"]) == statements(delivered["premix_batch"])
