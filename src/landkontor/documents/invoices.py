"""The PDF of an invoice (Rechnung) or credit note (Gutschrift) with every item §14 (4) UStG
requires: both parties' names and addresses, the seller's tax number or VAT id, the date,
the unique number, quantity and kind of the goods, the time of supply, the net amounts per
VAT rate with any reduction agreed in advance (discount, Skonto), rate and tax per rate or
the note on a tax exemption — and, for intra-community supplies, the customer's VAT id."""

from __future__ import annotations

from decimal import Decimal

from reportlab.platypus import Flowable

from landkontor.common.money import round_cents
from landkontor.documents import layout
from landkontor.documents.invoice_view import InvoiceView

WIDTHS = (0.05, 0.12, 0.29, 0.1, 0.06, 0.12, 0.07, 0.07, 0.12)
HEADER = (
    "Pos.",
    "Art.-Nr.",
    "Bezeichnung",
    "Menge",
    "Einh.",
    "Einzelpreis",
    "Rabatt",
    "USt",
    "Betrag €",
)


def _info(view: InvoiceView) -> list[tuple[str, str]]:
    invoice = view.invoice
    first, last = view.delivery_period
    supplied = layout.day(first) if first == last else f"{layout.day(first)} bis {layout.day(last)}"
    rows = [
        ("Gutschrift-Nr." if view.is_credit_note else "Rechnungs-Nr.", invoice.number),
        ("Datum", layout.day(invoice.invoice_date)),
        ("Kunden-Nr.", view.customer.customer_no),
        ("Auftrag", view.order.order_no),
        ("Lieferdatum", supplied),
    ]
    if view.credited is not None:
        rows.append(("zu Rechnung", view.credited.number))
    if invoice.customer_vat_id:
        rows.append(("Ihre USt-IdNr.", invoice.customer_vat_id))
    if view.customer.buyer_reference:
        rows.append(("Leitweg-ID", view.customer.buyer_reference))
    seller_tax = view.company.vat_id or view.company.tax_number or ""
    rows.append(("Unsere USt-IdNr." if view.company.vat_id else "Unsere St.-Nr.", seller_tax))
    return rows


def _lines(view: InvoiceView) -> list[Flowable]:
    rows, totals, running = [], [], Decimal(0)
    for line in view.invoice.lines:
        running += line.net_amount
        rows.append(
            (
                str(line.line_no),
                line.item_no,
                line.description[:60],
                layout.number(line.quantity),
                line.unit if line.quantity is not None else "",
                layout.number(line.unit_price, 4),
                layout.percent(line.discount_percent) if line.discount_percent else "",
                layout.percent(line.vat_percent),
                layout.money(line.net_amount),
            )
        )
        totals.append(running)
    return layout.line_table(HEADER, rows, WIDTHS, right=(3, 5, 6, 7, 8), totals=totals)


def _totals(view: InvoiceView) -> list[list[str]]:
    invoice = view.invoice
    rows = []
    for tax in invoice.taxes:
        rate = layout.percent(tax.vat_percent)
        rows.append([f"Nettobetrag {rate} USt", layout.money(tax.net_amount, currency=True)])
        rows.append([f"Umsatzsteuer {rate}", layout.money(tax.vat_amount, currency=True)])
    rows.append(["Summe netto", layout.money(invoice.net_total, currency=True)])
    rows.append(["Summe Umsatzsteuer", layout.money(invoice.vat_total, currency=True)])
    label = "Gutschriftsbetrag" if view.is_credit_note else "Rechnungsbetrag"
    rows.append([label, layout.money(invoice.gross_total, currency=True)])
    return rows


def payment_terms_text(view: InvoiceView) -> list[str]:
    invoice = view.invoice
    if view.is_credit_note:
        return ["Der Betrag wird mit offenen Forderungen verrechnet oder Ihnen erstattet."]
    texts = []
    if invoice.cash_discount_percent and invoice.cash_discount_until:
        discount = round_cents(invoice.gross_total * invoice.cash_discount_percent / 100)
        texts.append(
            f"Bei Zahlung bis zum {layout.day(invoice.cash_discount_until)} gewähren wir "
            f"{layout.percent(invoice.cash_discount_percent)} Skonto "
            f"({layout.money(discount, currency=True)}); Zahlbetrag dann "
            f"{layout.money(invoice.gross_total - discount, currency=True)}."
        )
    if invoice.due_date:
        texts.append(f"Zahlbar ohne Abzug bis zum {layout.day(invoice.due_date)}.")
    company = view.company
    texts.append(
        f"Bitte überweisen Sie unter Angabe der Rechnungsnummer {invoice.number} auf "
        f"IBAN {company.iban}" + (f", BIC {company.bic}" if company.bic else "") + "."
    )
    return texts


def _notes(view: InvoiceView) -> list[str]:
    notes = []
    first, last = view.delivery_period
    numbers = ", ".join(number for number, _ in view.deliveries)
    when = layout.day(first) if first == last else f"{layout.day(first)} bis {layout.day(last)}"
    notes.append(
        f"Lieferdatum (Leistungszeitpunkt): {when}"
        + (f", Lieferschein {numbers}" if numbers else "")
        + "."
    )
    exemptions = {view.tax(t.vat_category).note for t in view.invoice.taxes} - {""}
    notes.extend(sorted(exemptions))
    discounted = any(line.discount_percent for line in view.invoice.lines)
    if discounted:
        notes.append("Die Einzelpreise sind nach Abzug des ausgewiesenen Rabatts angegeben.")
    return notes


def render_invoice_pdf(view: InvoiceView) -> bytes:
    """The invoice or credit note as a DIN 5008 letter (deterministic bytes)."""
    s = layout.styles()
    invoice = view.invoice
    letter = layout.Letter(
        company=view.company,
        title=view.title,
        recipient=view.recipient,
        info=_info(view),
        logo=layout.logo_flowable(view.company),
    )
    story: list[Flowable] = [layout.paragraphs([view.title], s["subject"])[0]]
    if view.credited is not None:
        story += layout.paragraphs(
            [
                f"Gutschrift (Rechnungskorrektur) zu Rechnung {view.credited.number} vom "
                f"{layout.day(view.credited.invoice_date)}."
                + (f" Grund: {invoice.reason}" if invoice.reason else "")
            ],
            s["body"],
        )
        story.append(layout.gap(3))
    story += _lines(view)
    story += [layout.gap(3), layout.summary_table(_totals(view)), layout.gap(5)]
    story += layout.paragraphs(_notes(view), s["body"])
    story.append(layout.gap(3))
    story += layout.paragraphs(payment_terms_text(view), s["body"])
    return layout.render(letter, story)
