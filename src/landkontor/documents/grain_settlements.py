"""The farmer's settlement as a document: a self-billed credit note (Gutschrift).

The company bought the grain and bills itself on the farmer's behalf (§14 (2) sentence 2
UStG); §14 (4) no. 10 UStG requires the word "Gutschrift" on it. So the farmer is the
supplier and the recipient of the letter, the company the issuer; the document names the
farmer's VAT id (snapshot in the settlement) or tax number and the company's, the delivery
date of each weighing ticket, the lines, the net amount, the VAT at the farmer's regime with
its note (for a flat-rate farmer the average rate of §24 UStG) and the gross amount.

Rendered once, with its CII e-invoice (documents/grain_einvoice.py), in the transaction
that writes the settlement, and stored in ``grain_settlement_documents`` (triggers refuse
UPDATE and DELETE); rendering is deterministic, so rendering it again gives the stored bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.common.lookup import fetch
from landkontor.company.models import Company
from landkontor.company.service import invoicing_company
from landkontor.documents import layout
from landkontor.documents.grain_einvoice import render_settlement_cii
from landkontor.documents.models import SettlementDocument
from landkontor.errors import NotFound
from landkontor.grain.models import (
    Settlement,
    SettlementLine,
    SettlementLineKind,
    Ticket,
    VatRegime,
)
from landkontor.partners.models import Supplier

WIDTHS = (0.06, 0.40, 0.16, 0.17, 0.21)
HEADER = ("Pos.", "Bezeichnung", "Menge kg", "Preis €/t", "Betrag €")
SELF_BILLING = (
    "Gutschrift im Sinne des § 14 Abs. 2 Satz 2 UStG: Abrechnung durch den "
    "Leistungsempfänger über die Lieferung des Landwirts. Widerspricht der Landwirt dieser "
    "Gutschrift, verliert sie die Wirkung einer Rechnung."
)


def _recipient(supplier: Supplier, company: Company) -> list[str]:
    if supplier.billing_city:
        street, city = supplier.billing_street, supplier.billing_city
        postal, country = supplier.billing_postal_code, supplier.billing_country
    else:
        street, city = supplier.street, supplier.city
        postal, country = supplier.postal_code, supplier.country
    lines = [supplier.name, street, f"{postal} {city}".strip()]
    if country and country != company.country:
        lines.append(country)
    return [line for line in lines if line]


def _price(line: SettlementLine) -> str:
    """Costs are charged as an amount, not per tonne of the line's quantity."""
    if line.kind in (SettlementLineKind.drying, SettlementLineKind.cleaning):
        return ""
    return layout.money(line.price_per_t)


@dataclass(frozen=True)
class SettlementView:
    """Everything the settlement's documents show, read once."""

    settlement: Settlement
    company: Company
    supplier: Supplier
    lines: list[SettlementLine]
    tickets: list[Ticket]

    @property
    def delivered_on(self) -> date | None:
        """The last delivery day (the time of supply)."""
        return max((t.taken_in_on for t in self.tickets if t.taken_in_on), default=None)


def settlement_view(session: Session, settlement: Settlement) -> SettlementView:
    """CompanyDataMissing (409) without the company's invoice data."""
    supplier = fetch(session, Supplier, settlement.supplier_id, kind="supplier")
    lines = session.scalars(
        select(SettlementLine)
        .where(SettlementLine.settlement_id == settlement.id)
        .order_by(SettlementLine.line_no)
    )
    tickets = session.scalars(
        select(Ticket).where(Ticket.settlement_id == settlement.id).order_by(Ticket.id)
    )
    return SettlementView(
        settlement, invoicing_company(session), supplier, list(lines), list(tickets)
    )


def render_settlement_pdf(view: SettlementView) -> bytes:
    """The credit note's PDF (DIN 5008 letter)."""
    settlement, company, supplier = view.settlement, view.company, view.supplier
    lines, tickets = view.lines, view.tickets
    title = f"{settlement.document_title} {settlement.settlement_no}"
    info = [
        ("Gutschrift-Nr.", settlement.settlement_no),
        ("Datum", layout.day(settlement.settled_on)),
        ("Lieferanten-Nr.", supplier.supplier_no),
        *(
            [("USt-IdNr. Landwirt", settlement.supplier_vat_id)]
            if settlement.supplier_vat_id
            else []
        ),
        *([("St.-Nr. Landwirt", supplier.tax_number)] if supplier.tax_number else []),
        *([("Unsere USt-IdNr.", company.vat_id)] if company.vat_id else []),
        *([("Unsere St.-Nr.", company.tax_number)] if company.tax_number else []),
    ]
    letter = layout.Letter(
        company=company,
        title=title,
        recipient=_recipient(supplier, company),
        info=info,
        logo=layout.logo_flowable(company),
    )
    s = layout.styles()
    rows, totals, running = [], [], Decimal(0)
    for line in lines:
        running += line.amount
        rows.append(
            (
                str(line.line_no),
                line.description,
                layout.number(line.quantity_kg, 0),
                _price(line),
                layout.money(line.amount),
            )
        )
        totals.append(running)
    deliveries = "; ".join(
        f"{t.ticket_no} vom {layout.day(t.taken_in_on)} ({layout.number(t.settlement_kg, 0)} kg)"
        for t in tickets
    )
    story = [layout.paragraphs([title], s["subject"])[0]]
    story += layout.paragraphs(
        [SELF_BILLING, f"Lieferungen (Wiegescheine): {deliveries}"], s["body"]
    )
    story += [layout.gap(3)]
    story += layout.line_table(HEADER, rows, WIDTHS, right=(2, 3, 4), totals=totals)
    story += [layout.gap(2)]
    vat_label = (
        f"Umsatzsteuer {layout.percent(settlement.vat_percent)}"
        if settlement.vat_regime != VatRegime.exempt
        else "Umsatzsteuer"
    )
    story.append(
        layout.summary_table(
            [
                ("Nettobetrag", layout.money(settlement.net_amount, currency=True)),
                (vat_label, layout.money(settlement.vat_amount, currency=True)),
                ("Gutschriftsbetrag", layout.money(settlement.gross_amount, currency=True)),
            ]
        )
    )
    story += [layout.gap(4)]
    story += layout.paragraphs(
        [
            settlement.vat_note,
            f"Der Betrag wird auf Ihr Konto überwiesen. Abrechnung vom "
            f"{layout.day(settlement.settled_on)}.",
        ],
        s["body"],
    )
    return layout.render(letter, story)


def render_settlement(session: Session, settlement: Settlement) -> tuple[bytes, bytes]:
    """PDF and CII XML of a settlement; the same bytes every time."""
    view = settlement_view(session, settlement)
    xml = render_settlement_cii(
        settlement, view.lines, view.supplier, view.company, view.delivered_on
    )
    return render_settlement_pdf(view), xml


def store_settlement_document(session: Session, settlement: Settlement) -> SettlementDocument:
    """Render the just written settlement's PDF and e-invoice and store them in its
    transaction. CompanyDataMissing (409), DocumentInvalid (422): either rolls it back."""
    pdf, xml = render_settlement(session, settlement)
    document = SettlementDocument(settlement_id=settlement.id, pdf=pdf, cii_xml=xml)
    session.add(document)
    session.flush()
    return document


def stored_settlement_document(session: Session, settlement: Settlement) -> SettlementDocument:
    """The stored documents; NotFound for a settlement written before they were stored."""
    document = session.get(SettlementDocument, settlement.id)
    if document is None:
        raise NotFound(
            f"no document is stored for {settlement.settlement_no}", kind="settlement-document"
        )
    return document
