"""Invoice and credit note documents: the PDF carries every item of §14 UStG, the e-invoices
pass the CII schema and the EN 16931 arithmetic, the ZUGFeRD PDF holds the same XML, and
the stored documents are what rendering gives again."""

from __future__ import annotations

import io
from decimal import Decimal as D

from lxml import etree
from pypdf import PdfReader
from sqlalchemy import text

from landkontor.documents.einvoice import validate_cii
from landkontor.documents.invoice_view import invoice_view
from landkontor.documents.issue import render_invoice
from landkontor.documents.models import InvoiceDocument
from landkontor.sales.models import Invoice
from tests.helpers import assert_problem
from tests.integration.documents.einvoice_checks import (
    NS,
    assert_en16931_arithmetic,
    en16931_schematron_failures,
    without_context,
)
from tests.trade import COMPANY


def _get(client, url, headers):
    response = client.get("/api/v1" + url, headers=headers)
    assert response.status_code == 200, response.text
    return response


def _pdf_text(content: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_invoice_pdf_has_every_item_of_section_14_on_three_pages(client, viewer, long_invoice):
    invoice = long_invoice
    response = _get(client, f"/invoices/{invoice['id']}/pdf", viewer)
    assert response.headers["content-type"] == "application/pdf"
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="Rechnung_{invoice["number"]}.pdf"'
    )
    pages, content = _pdf_text(response.content)
    assert pages == 3
    assert "Seite 1 von 3" in content and "Seite 3 von 3" in content
    assert "Übertrag" in content and "Übertrag von Seite 1" in content
    day = ".".join(reversed(invoice["invoice_date"].split("-")))
    for required in (
        COMPANY["legal_name"],  # supplier's name and address
        COMPANY["street"],
        f"{COMPANY['postal_code']} {COMPANY['city']}",
        COMPANY["vat_id"],  # supplier's VAT id
        "Hof Meyer GbR",  # recipient's name and address
        "Dorfstraße 3",
        "29336 Nienhagen",
        invoice["number"],  # unique number
        day,  # invoice date
        "Saatgut Weizen",  # kind of goods
        "Mineralfutter",
        "Lieferdatum",  # time of supply
        "Lieferschein LS-",
        "Nettobetrag 7 % USt",  # net per rate
        "Nettobetrag 19 % USt",
        "Umsatzsteuer 7 %",  # rate and tax per rate
        "Umsatzsteuer 19 %",
        "5 %",  # the discount on the lines
        "2 % Skonto",  # reduction agreed in advance
        "Zahlbar ohne Abzug bis zum",
        COMPANY["iban"],
    ):
        assert required in content, required
    for tax in invoice["taxes"]:
        assert (
            f"{D(tax['vat_amount']):,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
            in content
        )
    gross = f"{D(invoice['gross_total']):,.2f}".replace(",", "_").replace(".", ",")
    assert gross.replace("_", ".") + " €" in content


def test_xrechnung_passes_the_schema_and_the_en16931_arithmetic(client, viewer, long_invoice):
    response = _get(client, f"/invoices/{long_invoice['id']}/xrechnung", viewer)
    assert response.headers["content-type"] == "application/xml"
    assert response.headers["content-disposition"].endswith(
        f'filename="Rechnung_{long_invoice["number"]}_XRechnung.xml"'
    )
    validate_cii(response.content)
    root = etree.fromstring(response.content)
    assert root.findtext(
        ".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS
    ) == ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0")
    assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    assert root.findtext(".//ram:BuyerReference", namespaces=NS) == "04011000-12345-67"
    issue = root.find("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString", NS)
    assert issue.get("format") == "102"
    assert issue.text == long_invoice["invoice_date"].replace("-", "")
    assert root.findtext(
        ".//ram:SpecifiedTradePaymentTerms/ram:Description", namespaces=NS
    ).startswith("#SKONTO#TAGE=10#PROZENT=2.00#\n")
    assert_en16931_arithmetic(root, long_invoice)
    # the Factur-X schematron also checks that BT-24 names a Factur-X profile (FX-SCH-A-000556);
    # an XRechnung names XRechnung, so that one rule does not apply to it
    failures = en16931_schematron_failures(response.content)
    assert [f for f in failures if not f.startswith("FX-SCH-A-000556:")] == []


def test_zugferd_pdf_embeds_the_same_invoice_as_the_xml_endpoint(client, viewer, long_invoice):
    zugferd = _get(client, f"/invoices/{long_invoice['id']}/zugferd", viewer)
    xrechnung = _get(client, f"/invoices/{long_invoice['id']}/xrechnung", viewer)
    reader = PdfReader(io.BytesIO(zugferd.content))
    attached = reader.attachments["factur-x.xml"][0]
    validate_cii(attached)
    root = etree.fromstring(attached)
    assert root.findtext(
        ".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS
    ) == ("urn:cen.eu:en16931:2017")
    # the same invoice; only the specification identifier differs
    assert without_context(attached) == without_context(xrechnung.content)
    assert "/OutputIntents" in reader.trailer["/Root"]  # sRGB, for device colours
    fonts = {
        font.get_object()["/BaseFont"]
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("+BitstreamVeraSans" in font for font in fonts), fonts  # embedded subsets
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp and "factur-x.xml" in xmp
    assert en16931_schematron_failures(attached) == []


def test_stored_documents_are_what_rendering_gives_again(client, viewer, long_invoice, session):
    invoice = session.get(Invoice, long_invoice["id"])
    stored = session.get(InvoiceDocument, invoice.id)
    again = render_invoice(invoice_view(session, invoice))
    assert (again.pdf, again.zugferd_pdf, again.xrechnung_xml) == (
        stored.pdf,
        stored.zugferd_pdf,
        stored.xrechnung_xml,
    )


def test_stored_documents_cannot_be_changed(long_invoice, session):
    import pytest
    from sqlalchemy.exc import DBAPIError

    with pytest.raises(DBAPIError):
        session.execute(
            text("UPDATE invoice_documents SET pdf = :pdf WHERE invoice_id = :id"),
            {"pdf": b"forged", "id": long_invoice["id"]},
        )
        session.flush()
    session.rollback()


def test_credit_note_refers_to_its_invoice(client, trade, viewer, long_invoice):
    note = trade.post(
        f"/invoices/{long_invoice['id']}/credit-notes",
        {
            "reason": "Preisnachlass",
            "lines": [{"invoice_line_id": long_invoice["lines"][0]["id"], "net_amount": "1.00"}],
        },
        as_="manager",
    )
    pdf = _get(client, f"/invoices/{note['id']}/pdf", viewer)
    assert pdf.headers["content-disposition"].endswith(
        f'filename="Gutschrift_{note["number"]}.pdf"'
    )
    _, content = _pdf_text(pdf.content)
    assert f"Gutschrift {note['number']}" in content
    assert f"zu Rechnung {long_invoice['number']}" in content
    xml = _get(client, f"/invoices/{note['id']}/xrechnung", viewer).content
    validate_cii(xml)
    root = etree.fromstring(xml)
    assert root.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert (
        root.findtext(".//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", namespaces=NS)
        == long_invoice["number"]
    )
    assert_en16931_arithmetic(root, note)
    zugferd = _get(client, f"/invoices/{note['id']}/zugferd", viewer).content
    assert (
        en16931_schematron_failures(PdfReader(io.BytesIO(zugferd)).attachments["factur-x.xml"][0])
        == []
    )


def test_documents_of_unknown_invoices_are_problems(client, viewer):
    for kind in ("pdf", "xrechnung", "zugferd"):
        assert_problem(client.get(f"/api/v1/invoices/999999/{kind}", headers=viewer), 404)
    assert_problem(client.get("/api/v1/invoices/0/pdf", headers=viewer), 422)
    assert_problem(client.get("/api/v1/invoices/1/docx", headers=viewer), 404)  # no such format
    assert_problem(client.get("/api/v1/invoices/abc/pdf", headers=viewer), 422)


def test_documents_need_authentication(client, long_invoice):
    assert_problem(client.get(f"/api/v1/invoices/{long_invoice['id']}/pdf"), 401)


def test_invoicing_without_the_legally_required_company_data_is_refused(
    client, trade, shop, admin, session
):
    trade.enter_company(admin, iban=None, vat_id=None, tax_number=None)
    order = trade.sales_order(
        shop["customer"]["id"],
        shop["wh"]["id"],
        {"item_id": shop["seed"]["id"], "quantity": "2"},
        confirm=True,
    )
    trade.deliver(order["id"])
    response = trade.call("POST", f"/sales-orders/{order['id']}/invoice")
    body = assert_problem(response, 409, "company-data-missing")
    assert {e["field"] for e in body["errors"]} == {"company.iban", "company.vat_id"}
    assert session.scalar(text("SELECT count(*) FROM invoices")) == 0
    assert session.scalar(text("SELECT count(*) FROM invoice_documents")) == 0
    assert trade.order(order["id"])["status"] == "delivered"


def test_an_unknown_invoice_format_is_refused_naming_the_field(trade, shop):
    response = trade.call(
        "PATCH", f"/customers/{shop['customer']['id']}", {"invoice_format": "docx"}, as_="manager"
    )
    assert_problem(response, 422, field="invoice_format")
    assert trade.get(f"/customers/{shop['customer']['id']}")["invoice_format"] == "pdf"
    # an XRechnung goes by e-mail: a format without the address is refused
    no_mail = trade.call(
        "POST",
        "/customers",
        {"customer_no": "K-OHNE", "name": "Stadt Celle", "invoice_format": "xrechnung"},
        as_="manager",
    )
    assert_problem(no_mail, 422, field="invoice_email")
    cleared = trade.call(
        "PATCH",
        f"/customers/{shop['customer']['id']}",
        {"invoice_format": "xrechnung", "invoice_email": None},
        as_="manager",
    )
    assert_problem(cleared, 422, field="invoice_email")
    assert (
        trade.get(f"/customers/{shop['customer']['id']}")["invoice_email"]
        == "buchhaltung@hof-meyer.de"
    )


def test_company_data_are_checked_and_only_an_admin_writes_them(client, admin, manager, viewer):
    company = COMPANY

    assert_problem(client.put("/api/v1/company", json=company, headers=manager), 403)
    bad = {**company, "iban": "DE89370400440532013001", "bic": "XX", "vat_id": "DE136695970"}
    body = assert_problem(client.put("/api/v1/company", json=bad, headers=admin), 422)
    assert {"iban", "bic", "vat_id"} <= {e["field"] for e in body["errors"]}
    assert_problem(
        client.put("/api/v1/company", json={**company, "legal_name": "A\x00B"}, headers=admin),
        422,
        field="legal_name",
    )
    saved = client.put("/api/v1/company", json=company, headers=admin).json()
    assert (
        saved["missing_for_invoices"] == [] and saved["booking_accounts"]["revenue_reduced"] == 8300
    )
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert_problem(
        client.put(
            "/api/v1/company/logo",
            files={"file": ("logo.gif", b"GIF89a", "image/gif")},
            headers=admin,
        ),
        422,
        field="file",
    )
    stored = client.put(
        "/api/v1/company/logo", files={"file": ("l.png", png, "image/png")}, headers=admin
    )
    assert stored.json()["logo_content_type"] == "image/png"
    assert client.get("/api/v1/company/logo", headers=viewer).content == png
    assert (
        client.get("/api/v1/company", headers=viewer).json()["legal_name"] == company["legal_name"]
    )


def test_intra_community_supply_carries_the_exemption_note(client, viewer, trade, stock, shop):
    seed = stock.item(
        item_no="SAAT-EU", name="Saatgut Export", vat_category="zero", base_price="3.00"
    )
    stock.receive(seed["id"], shop["a"]["id"], 100)
    buyer = trade.customer(
        customer_no="K-AT",
        name="Lagerhaus Wels",
        street="Hauptplatz 1",
        postal_code="4600",
        city="Wels",
        country="AT",
        vat_id="ATU13585627",
    )
    order = trade.sales_order(
        buyer["id"], shop["wh"]["id"], {"item_id": seed["id"], "quantity": "40"}, confirm=True
    )
    trade.deliver(order["id"])
    invoice = trade.invoice(order["id"])
    assert D(invoice["vat_total"]) == 0
    _, content = _pdf_text(_get(client, f"/invoices/{invoice['id']}/pdf", viewer).content)
    assert "Steuerfreie innergemeinschaftliche Lieferung" in content and "ATU13585627" in content
    zugferd = _get(client, f"/invoices/{invoice['id']}/zugferd", viewer).content
    xml = PdfReader(io.BytesIO(zugferd)).attachments["factur-x.xml"][0]
    root = etree.fromstring(xml)
    tax = root.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert tax.findtext("ram:CategoryCode", namespaces=NS) == "K"
    assert tax.findtext("ram:ExemptionReasonCode", namespaces=NS) == "VATEX-EU-IC"
    assert en16931_schematron_failures(xml) == []
