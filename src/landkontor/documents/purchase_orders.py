"""The purchase order (Bestellung) to the supplier: items, quantities, agreed net prices."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.lookup import fetch
from landkontor.company.service import letterhead_company
from landkontor.documents import layout
from landkontor.errors import InvalidState
from landkontor.partners.models import Supplier
from landkontor.purchasing.models import PurchaseOrderStatus
from landkontor.purchasing.orders import get_order

WIDTHS = (0.06, 0.14, 0.34, 0.12, 0.08, 0.13, 0.13)
HEADER = ("Pos.", "Art.-Nr.", "Bezeichnung", "Menge", "Einh.", "Preis €", "Betrag €")


def render_purchase_order(session: Session, order_id: int) -> tuple[str, bytes]:
    """The purchase order's number and PDF. NotFound; InvalidState (409) for a draft,
    which is not yet an order a supplier may receive."""
    order = get_order(session, order_id)
    if order.status == PurchaseOrderStatus.draft:
        raise InvalidState(
            f"purchase order {order.order_no} is a draft; place it before printing it"
        )
    company = letterhead_company(session)
    supplier = fetch(session, Supplier, order.supplier_id, kind="supplier")
    rows, total = [], Decimal(0)
    for line in order.lines:
        item = fetch(session, Item, line.item_id, kind="item")
        total += line.net_amount
        rows.append(
            (
                str(line.line_no),
                item.item_no,
                item.name[:50],
                layout.number(line.quantity),
                item.base_unit.code,
                layout.number(line.unit_price, 4),
                layout.money(line.net_amount),
            )
        )
    s = layout.styles()
    title = f"Bestellung {order.order_no}"
    city = f"{supplier.postal_code} {supplier.city}".strip()
    letter = layout.Letter(
        company=company,
        title=title,
        recipient=[supplier.name, supplier.street, city],
        info=[
            ("Bestell-Nr.", order.order_no),
            ("Datum", layout.day(order.order_date)),
            ("Lieferanten-Nr.", supplier.supplier_no),
            *([("Liefertermin", layout.day(order.expected_date))] if order.expected_date else []),
            *([("Ihr Zeichen", order.supplier_reference)] if order.supplier_reference else []),
        ],
        logo=layout.logo_flowable(company),
    )
    story = [layout.paragraphs([title], s["subject"])[0]]
    if order.status == PurchaseOrderStatus.cancelled:
        story += layout.paragraphs(["STORNIERT"], s["bold"])
    story += layout.paragraphs(["Wir bestellen zu den vereinbarten Bedingungen:"], s["body"])
    story += [layout.gap(2)]
    story += layout.line_table(HEADER, rows, WIDTHS, right=(3, 5, 6))
    story += [
        layout.gap(3),
        layout.summary_table([["Summe netto", layout.money(total, currency=True)]]),
    ]
    notes = [order.note] if order.note else []
    notes.append(
        f"Bitte geben Sie auf Lieferschein und Rechnung unsere Bestellnummer {order.order_no} an."
    )
    story += [layout.gap(4), *layout.paragraphs(notes, s["body"])]
    return order.order_no, layout.render(letter, story)
