"""The farmer's settlement as an EN 16931 e-invoice in the CII syntax: a self-billed invoice
(type code 389, UNTDID 1001), built with drafthorse like the sales invoices
(documents/einvoice.py) and validated against the same Factur-X EN 16931 XSD before it is
stored.

In a self-billed invoice the roles are those of the supply, not of the paper: the farmer
who delivered the grain is the seller (BG-4, with the VAT id recorded in the settlement and
the supplier number as seller id), the company that bills itself is the buyer (BG-7, with
its VAT id and tax number). Goods lines are billed in tonnes at the price per tonne; a
deduction (drying, cleaning, a quality discount) is a line of quantity -1 at the positive
amount, since EN 16931 forbids a negative item price (BR-27). VAT is one breakdown at the
farmer's regime: standard rated ("S") at the crop's rate or the §24 UStG average rate, or
exempt ("E") with the note as the exemption reason.

A farmer with an electronic address (the supplier's invoice e-mail) gets it as XRechnung
3.0 (BT-24 the XRechnung id, BT-23 the Peppol billing process): with the farmer's electronic
address (BT-34) and contact — name, telephone, e-mail (BG-6, BR-DE-2/5/6/7), the company's
electronic address as the buyer's (BT-49), the farmer's VAT id or tax number (BR-DE-16) and
payment instructions (BG-16, BR-DE-1; "instrument not defined": Landkontor keeps no farmer's
bank account). What the farmer lacks for that is a 409 naming the supplier's fields
(:func:`check_xrechnung_seller`). Others get the EN 16931 profile.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.payment import PaymentMeans
from drafthorse.models.tradelines import LineItem
from lxml import etree

from landkontor.company.models import Company
from landkontor.documents.einvoice import (
    EN16931_ID,
    PEPPOL_BILLING,
    XRECHNUNG_ID,
    address_of,
    cents,
    tax_registrations,
    validate_cii,
)
from landkontor.documents.errors import FarmerDataMissing
from landkontor.grain.models import Settlement, SettlementLine, SettlementLineKind, VatRegime
from landkontor.partners.models import Supplier

SELF_BILLED_INVOICE = "389"
TONNE = "TNE"
ONE = "C62"
PAYMENT_NOT_DEFINED = "1"  # UNTDID 4461: instrument not defined
# What XRechnung needs of the farmer beyond the EN 16931 profile, and why.
XRECHNUNG_SELLER_FIELDS: tuple[tuple[str, str], ...] = (
    ("phone", "the seller contact's telephone of an XRechnung (BR-DE-6)"),
    ("postal_code", "the seller's post code of an XRechnung (BR-DE-4)"),
    ("city", "the seller's city of an XRechnung (BR-DE-3)"),
)
SELF_BILLING_NOTE = (
    "Gutschrift im Sinne des § 14 Abs. 2 Satz 2 UStG (Abrechnung durch den Leistungsempfänger)"
)


def _line(line: SettlementLine, category: str, percent: Decimal) -> LineItem:
    item = LineItem()
    item.document.line_id = str(line.line_no)
    item.product.name = line.description
    if line.kind == SettlementLineKind.goods or (
        line.kind == SettlementLineKind.quality and line.amount >= 0
    ):
        item.agreement.net.amount = line.price_per_t
        item.delivery.billed_quantity = (line.quantity_kg / 1000, TONNE)
    else:  # a deduction: minus one unit at the positive amount (BR-27)
        item.agreement.net.amount = cents(abs(line.amount))
        item.delivery.billed_quantity = (Decimal(-1) if line.amount < 0 else Decimal(1), ONE)
    item.settlement.trade_tax.type_code = "VAT"
    item.settlement.trade_tax.category_code = category
    item.settlement.trade_tax.rate_applicable_percent = percent
    item.settlement.monetary_summation.total_amount = cents(line.amount)
    return item


def wants_xrechnung(farmer: Supplier) -> bool:
    """A farmer with an electronic address gets the credit note as XRechnung."""
    return bool(farmer.invoice_email)


def check_xrechnung_seller(farmer: Supplier, settlement: Settlement) -> None:
    """FarmerDataMissing (409) naming what the farmer lacks for an XRechnung."""
    missing = [(name, why) for name, why in XRECHNUNG_SELLER_FIELDS if not getattr(farmer, name)]
    if not settlement.supplier_vat_id and not farmer.tax_number:
        missing.append(("tax_number", "the seller's tax number or VAT id (BR-DE-16)"))
    if missing:
        raise FarmerDataMissing(farmer.supplier_no, missing)


def _xrechnung_parties(
    doc: Document, settlement: Settlement, farmer: Supplier, company: Company
) -> None:
    doc.context.guideline_parameter.id = XRECHNUNG_ID
    doc.context.business_parameter.id = PEPPOL_BILLING
    assert farmer.invoice_email
    seller = doc.trade.agreement.seller
    seller.electronic_address.uri_ID = ("EM", farmer.invoice_email)
    seller.contact.person_name = settlement.supplier_name
    seller.contact.telephone.number = farmer.phone
    seller.contact.email.address = farmer.invoice_email
    doc.trade.agreement.buyer.electronic_address.uri_ID = ("EM", company.email)
    means = PaymentMeans()
    means.type_code = PAYMENT_NOT_DEFINED
    means.information.add("Überweisung an den Landwirt")
    doc.trade.settlement.payment_means.add(means)


def build_settlement_document(
    settlement: Settlement,
    lines: list[SettlementLine],
    farmer: Supplier,
    company: Company,
    delivered_on: date | None,
) -> Document:
    doc = Document()
    doc.context.guideline_parameter.id = EN16931_ID
    doc.header.id = settlement.settlement_no
    doc.header.type_code = SELF_BILLED_INVOICE
    doc.header.issue_date_time = settlement.settled_on
    note = IncludedNote()
    note.content = SELF_BILLING_NOTE
    doc.header.notes.add(note)

    seller = doc.trade.agreement.seller  # the farmer who delivered
    seller.id = farmer.supplier_no
    seller.name = settlement.supplier_name
    address_of(seller.address, farmer.street, farmer.postal_code, farmer.city, farmer.country)
    tax_registrations(seller, settlement.supplier_vat_id, farmer.tax_number)
    buyer = doc.trade.agreement.buyer  # the company, which issued this document
    buyer.name = company.legal_name
    address_of(buyer.address, company.street, company.postal_code, company.city, company.country)
    # the buyer carries one tax registration (Factur-X EN 16931: at most one, BT-48)
    tax_registrations(buyer, company.vat_id, None if company.vat_id else company.tax_number)
    doc.trade.agreement.buyer_reference = settlement.settlement_no
    doc.trade.delivery.event.occurrence = delivered_on or settlement.settled_on

    exempt = settlement.vat_regime == VatRegime.exempt
    category = "E" if exempt else "S"
    percent = Decimal(0) if exempt else settlement.vat_percent
    for line in lines:
        doc.trade.items.add(_line(line, category, percent))
    trade = doc.trade.settlement
    trade.currency_code = "EUR"
    trade.payment_reference = settlement.settlement_no
    tax = ApplicableTradeTax()
    tax.calculated_amount = cents(settlement.vat_amount)
    tax.type_code = "VAT"
    if exempt:
        tax.exemption_reason = settlement.vat_note[:500]
    tax.basis_amount = cents(settlement.net_amount)
    tax.category_code = category
    tax.rate_applicable_percent = percent
    trade.trade_tax.add(tax)
    totals = trade.monetary_summation
    totals.line_total = cents(sum((line.amount for line in lines), Decimal(0)))
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = cents(settlement.net_amount)
    totals.tax_total = (cents(settlement.vat_amount), "EUR")
    totals.grand_total = cents(settlement.gross_amount)
    totals.due_amount = cents(settlement.gross_amount)
    if wants_xrechnung(farmer):
        _xrechnung_parties(doc, settlement, farmer, company)
    return doc


def render_settlement_cii(
    settlement: Settlement,
    lines: list[SettlementLine],
    farmer: Supplier,
    company: Company,
    delivered_on: date | None,
) -> bytes:
    """The settlement as CII XML (type 389; XRechnung for a farmer with an electronic
    address, else EN 16931), validated: DocumentInvalid (422); FarmerDataMissing (409)."""
    if wants_xrechnung(farmer):
        check_xrechnung_seller(farmer, settlement)
    doc = build_settlement_document(settlement, lines, farmer, company, delivered_on)
    xml = doc.serialize(schema=None)
    pretty = etree.tostring(
        etree.fromstring(xml), pretty_print=True, xml_declaration=True, encoding="UTF-8"
    )
    validate_cii(pretty)
    return pretty
