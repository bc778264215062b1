"""The weighing ticket for the receipt printer and the settlement's credit note PDF: what
they show, who may read them, and that the stored credit note renders the same again."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from lxml import etree
from pypdf import PdfReader

from landkontor.documents.grain_settlements import render_settlement
from landkontor.grain.models import Settlement
from tests.grain_support import Harvest
from tests.helpers import assert_problem
from tests.integration.documents.einvoice_checks import NS, en16931_schematron_failures
from tests.trade import COMPANY


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def _pdf(client, url, headers) -> tuple[object, str]:
    response = client.get("/api/v1" + url, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return response, "\n".join(page.extract_text() for page in reader.pages)


def test_the_weighing_ticket_shows_weighings_analysis_and_settlement_weight(
    harvest, client, viewer
):
    farmer = harvest.farmer(name="Hof Jürgens")
    opened = harvest.ticket(farmer, driver="Kai Meyer")
    harvest.analyse(opened, protein="13.4", falling_number=280, hectolitre_weight="77")
    ticket = harvest.take_in(opened, harvest.cells[1])
    response, text = _pdf(client, f"/grain/tickets/{ticket['id']}/pdf", viewer)
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="Wiegeschein_{ticket["ticket_no"]}.pdf"'
    )
    page = PdfReader(io.BytesIO(response.content)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 80  # an 80 mm roll
    for expected in (
        "Wiegeschein",
        ticket["ticket_no"],
        "NORD",
        "W1 Waage",
        "CE-AB 123",
        "Kai Meyer",
        "Hof Jürgens",
        "WEIZEN Weizen",
        "40.000 kg",  # gross
        "15.000 kg",  # tare
        "25.000 kg",  # net
        ticket["gross"]["record_no"],
        ticket["tare"]["record_no"],
        "20.07.2026",
        "16,5 %",  # moisture
        "3 %",  # foreign matter
        "13,4 %",  # protein
        "280 s",  # falling number
        "77 kg/hl",
        "585 kg",  # drying shrink 584.7953
        "250 kg",  # foreign-matter deduction
        "125 kg",  # handling loss
        "24.040 kg",  # settlement weight
        "Z2",
        COMPANY["legal_name"],
    ):
        assert expected in text, expected


def test_a_ticket_only_weighed_in_prints_without_tare(harvest, client, viewer):
    ticket = harvest.ticket(harvest.farmer(), tare=None)
    _, text = _pdf(client, f"/grain/tickets/{ticket['id']}/pdf", viewer)
    assert "Brutto" in text and "40.000 kg" in text and "offen" in text
    assert "Abrechnungsgewicht" not in text


def test_unknown_ticket_or_settlement_is_a_404_problem(harvest, client, viewer):
    for url in ("/grain/tickets/999999/pdf", "/grain/settlements/999999/pdf"):
        assert_problem(client.get("/api/v1" + url, headers=viewer), 404)
    assert_problem(client.get("/api/v1/grain/tickets/0/pdf", headers=viewer), 422)


@pytest.mark.parametrize(
    ("regime", "note"),
    [("regular", "Umsatzsteuer 7 %"), ("flat_rate", "§ 24 Abs. 1 Satz 1 Nr. 3 UStG: 7,8 %")],
)
def test_the_credit_note_carries_the_items_of_section_14(harvest, client, viewer, regime, note):
    farmer = harvest.farmer(
        regime,
        name="Hof Hansen GbR",
        street="Am Anger 4",
        postal_code="29229",
        city="Celle",
        vat_id="DE811569869",
    )
    harvest.contract(farmer, 30, price_per_t="210")
    ticket = harvest.load(farmer, harvest.cells[0])
    settled = harvest.settle(farmer, ticket, settled_on="2026-08-01")
    response, text = _pdf(client, f"/grain/settlements/{settled['id']}/pdf", viewer)
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="Gutschrift_{settled["settlement_no"]}.pdf"'
    )
    for expected in (
        "Gutschrift",  # §14 (4) no. 10 UStG
        "§ 14 Abs. 2 Satz 2 UStG",
        settled["settlement_no"],
        "01.08.2026",
        COMPANY["legal_name"],  # the issuer
        COMPANY["vat_id"],
        "Hof Hansen GbR",  # the farmer: recipient and supplier
        "Am Anger 4",
        "29229 Celle",
        "DE811569869",
        ticket["ticket_no"],
        "24.040",  # settlement weight
        "5.048,40",  # goods
        "120,20",  # class A premium
        "-75,00",  # drying
        "-50,00",  # cleaning
        "5.043,60",  # net
        settled["vat_amount"].replace(".", ","),
        note,
    ):
        assert expected in text, expected


def test_the_stored_credit_note_renders_the_same_again(harvest, session):
    farmer = harvest.farmer("flat_rate")
    ticket = harvest.load(farmer, harvest.cells[0])
    settled = harvest.settle(farmer, ticket)
    stored = harvest.client.get(
        f"/api/v1/grain/settlements/{settled['id']}/pdf", headers=harvest.trade.clerk
    ).content
    note = session.get(Settlement, settled["id"])
    pdf, _ = render_settlement(session, note)
    assert pdf == stored


def test_settling_needs_the_company_invoice_data_and_then_writes_nothing(
    stock, trade, admin, client
):
    harvest = Harvest(stock, trade)
    farmer = harvest.farmer()
    ticket = harvest.load(farmer, harvest.cells[0])
    trade.enter_company(admin, phone="")
    response = harvest.call(
        "POST", "/grain/settlements", {"supplier_id": farmer["id"], "ticket_ids": [ticket["id"]]}
    )
    assert_problem(response, 409, "company-data-missing")
    assert harvest.get("/grain/settlements")["total"] == 0
    assert [row["id"] for row in harvest.get("/grain/reports/unsettled")] == [ticket["id"]]


@pytest.mark.parametrize(
    ("regime", "category", "percent"),
    [("regular", "S", "7"), ("flat_rate", "S", "7.8"), ("exempt", "E", "0")],
)
def test_the_credit_note_is_a_self_billed_en16931_invoice(
    harvest, client, viewer, regime, category, percent
):
    farmer = harvest.farmer(
        regime,
        name="Hof Hansen GbR",
        street="Am Anger 4",
        postal_code="29229",
        city="Celle",
        vat_id="DE811569869",
    )
    harvest.contract(farmer, 30, price_per_t="210")
    ticket = harvest.load(farmer, harvest.cells[0])
    settled = harvest.settle(farmer, ticket, settled_on="2026-08-01")
    response = client.get(f"/api/v1/grain/settlements/{settled['id']}/cii", headers=viewer)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = etree.fromstring(response.content)
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "389"
    assert (
        root.findtext(".//rsm:ExchangedDocument/ram:ID", namespaces=NS) == settled["settlement_no"]
    )
    seller = root.find(".//ram:SellerTradeParty", NS)
    buyer = root.find(".//ram:BuyerTradeParty", NS)
    assert seller.findtext("ram:Name", namespaces=NS) == "Hof Hansen GbR"
    assert buyer.findtext("ram:Name", namespaces=NS) == COMPANY["legal_name"]
    tax = root.find(".//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax", NS)
    assert tax.findtext("ram:CategoryCode", namespaces=NS) == category
    assert D(tax.findtext("ram:RateApplicablePercent", namespaces=NS)) == D(percent)
    grand = root.findtext(".//ram:GrandTotalAmount", namespaces=NS)
    assert D(grand) == D(settled["gross_amount"])
    failures = en16931_schematron_failures(response.content)
    # FX-SCH-A-000556: the Factur-X schematron wants a Factur-X profile id in BT-24
    assert [f for f in failures if not f.startswith("FX-SCH-A-000556:")] == []


XRECHNUNG_FARMER = {
    "name": "Hof Hansen GbR",
    "street": "Am Anger 4",
    "postal_code": "29229",
    "city": "Celle",
    "invoice_email": "abrechnung@hof-hansen.de",
    "phone": "05141 987654",
    "tax_number": "17/123/45678",
}


def test_a_farmer_with_an_electronic_address_gets_the_credit_note_as_xrechnung(
    harvest, client, viewer
):
    farmer = harvest.farmer("flat_rate", **XRECHNUNG_FARMER)  # no VAT id: the tax number
    ticket = harvest.load(farmer, harvest.cells[0])
    settled = harvest.settle(farmer, ticket, settled_on="2026-08-01")
    response = client.get(f"/api/v1/grain/settlements/{settled['id']}/cii", headers=viewer)
    assert response.status_code == 200, response.text
    root = etree.fromstring(response.content)
    context = root.find("rsm:ExchangedDocumentContext", NS)
    assert context.findtext(
        ".//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID", namespaces=NS
    ) == ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0")
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "389"
    seller = root.find(".//ram:SellerTradeParty", NS)
    address = seller.find("ram:URIUniversalCommunication/ram:URIID", NS)
    assert (address.text, address.get("schemeID")) == ("abrechnung@hof-hansen.de", "EM")
    contact = seller.find("ram:DefinedTradeContact", NS)
    assert contact.findtext("ram:PersonName", namespaces=NS) == "Hof Hansen GbR"
    assert contact.findtext(".//ram:CompleteNumber", namespaces=NS) == "05141 987654"
    assert contact.findtext(".//ram:URIID", namespaces=NS) == "abrechnung@hof-hansen.de"
    registrations = {
        r.find("ram:ID", NS).get("schemeID"): r.findtext("ram:ID", namespaces=NS)
        for r in seller.findall("ram:SpecifiedTaxRegistration", NS)
    }
    assert registrations == {"FC": "17/123/45678"}
    buyer = root.find(".//ram:BuyerTradeParty", NS)
    assert (
        buyer.findtext("ram:URIUniversalCommunication/ram:URIID", namespaces=NS)
        == (COMPANY["email"])
    )
    assert root.findtext(".//ram:BuyerReference", namespaces=NS) == settled["settlement_no"]
    means = root.find(".//ram:SpecifiedTradeSettlementPaymentMeans", NS)
    assert means.findtext("ram:TypeCode", namespaces=NS) == "1"
    assert D(root.findtext(".//ram:GrandTotalAmount", namespaces=NS)) == D(settled["gross_amount"])
    # the XSD passed when it was stored; the EN 16931 rules (and XRechnung's, where
    # LANDKONTOR_XRECHNUNG_SCHEMATRON names them) hold too, but for the Factur-X profile id
    failures = en16931_schematron_failures(response.content)
    assert [f for f in failures if not f.startswith("FX-SCH-A-000556:")] == []


def test_an_xrechnung_farmer_lacking_contact_or_tax_data_is_a_409_and_nothing_is_settled(
    harvest,
):
    farmer = harvest.farmer(
        "flat_rate", name="Hof Ohnetel", invoice_email="hof@ohnetel.de", city="Celle"
    )
    ticket = harvest.load(farmer, harvest.cells[0])
    response = harvest.call(
        "POST", "/grain/settlements", {"supplier_id": farmer["id"], "ticket_ids": [ticket["id"]]}
    )
    body = assert_problem(response, 409, "farmer-data-missing", field="supplier.phone")
    assert {e["field"] for e in body["errors"]} == {
        "supplier.phone",
        "supplier.postal_code",
        "supplier.tax_number",
    }
    assert harvest.get("/grain/settlements")["total"] == 0
    assert [row["id"] for row in harvest.get("/grain/reports/unsettled")] == [ticket["id"]]
    # completed, the same tickets settle
    changed = harvest.call(
        "PATCH",
        f"/suppliers/{farmer['id']}",
        {"phone": "05141 1234", "postal_code": "29221", "tax_number": "17/999/00001"},
        as_="manager",
    )
    assert changed.status_code == 200, changed.text
    assert harvest.settle(farmer, ticket)["gross_amount"]
