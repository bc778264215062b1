"""The delivery note (Lieferschein): what left the warehouse, with batch numbers and
best-before dates per line — what lets a recall reach the farmer."""

from __future__ import annotations

from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.clock import business_date
from landkontor.common.lookup import fetch
from landkontor.company.service import letterhead_company
from landkontor.db.session import settings_of
from landkontor.documents import layout
from landkontor.inventory.models import Batch, Location
from landkontor.partners.models import Customer
from landkontor.sales.deliveries import get_delivery
from landkontor.sales.models import DeliveryStatus, SalesOrder

WIDTHS = (0.06, 0.13, 0.27, 0.11, 0.07, 0.14, 0.11, 0.11)
HEADER = ("Pos.", "Art.-Nr.", "Bezeichnung", "Menge", "Einh.", "Charge", "MHD", "Lagerplatz")


def render_delivery_note(session: Session, delivery_id: int) -> tuple[str, bytes]:
    """The delivery note's number and PDF; NotFound for an unknown delivery."""
    delivery = get_delivery(session, delivery_id)
    company = letterhead_company(session)
    customer = fetch(session, Customer, delivery.customer_id, kind="customer")
    order = fetch(session, SalesOrder, delivery.sales_order_id, kind="sales order")
    rows = []
    for number, line in enumerate(delivery.lines, start=1):
        item = fetch(session, Item, line.item_id, kind="item")
        batch = fetch(session, Batch, line.batch_id, kind="batch") if line.batch_id else None
        location = fetch(session, Location, line.location_id, kind="location")
        rows.append(
            (
                str(number),
                item.item_no,
                item.name[:45],
                layout.number(line.quantity),
                item.base_unit.code,
                batch.batch_no if batch else "",
                layout.day(batch.best_before) if batch else "",
                location.code,
            )
        )
    s = layout.styles()
    title = f"Lieferschein {delivery.delivery_no}"
    city = f"{customer.postal_code} {customer.city}".strip()
    letter = layout.Letter(
        company=company,
        title=title,
        recipient=[customer.name, customer.street, city],
        info=[
            ("Lieferschein-Nr.", delivery.delivery_no),
            ("Lieferdatum", layout.day(business_date(delivery.delivered_at, settings_of(session)))),
            ("Kunden-Nr.", customer.customer_no),
            ("Auftrag", order.order_no),
            *([("Ihre Bestellung", order.customer_reference)] if order.customer_reference else []),
        ],
        logo=layout.logo_flowable(company),
    )
    story = [layout.paragraphs([title], s["subject"])[0]]
    if delivery.status == DeliveryStatus.cancelled:
        story += layout.paragraphs(
            [f"STORNIERT: {delivery.cancel_reason or 'Lieferung zurückgenommen'}"], s["bold"]
        )
    story += layout.line_table(HEADER, rows, WIDTHS, right=(3,))
    story += [layout.gap(8)]
    story += layout.paragraphs(
        [
            "Die Ware bleibt bis zur vollständigen Bezahlung unser Eigentum.",
            "Ware vollständig und in einwandfreiem Zustand erhalten:",
            "",
            "______________________________        ______________________________",
            "Datum, Unterschrift                             Name in Druckbuchstaben",
        ],
        s["body"],
    )
    return delivery.delivery_no, layout.render(letter, story)
