"""The shop paper of a production order (Produktionsauftrag): the components with the
batches to take them from (first expired, first out — the same proposal the consumption
follows when no batch is named) and the outputs to report, with room to write."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.lookup import fetch
from landkontor.company.service import letterhead_company
from landkontor.documents import layout
from landkontor.errors import InvalidState
from landkontor.inventory.models import Batch, Location, Warehouse
from landkontor.inventory.queries import pick_proposal
from landkontor.production.models import OrderStatus
from landkontor.production.orders import get_order

COMPONENT_WIDTHS = (0.06, 0.14, 0.3, 0.12, 0.12, 0.12, 0.14)
COMPONENT_HEADER = ("Pos.", "Art.-Nr.", "Komponente", "Soll", "Verbraucht", "Offen", "Einheit")
PICK_WIDTHS = (0.06, 0.14, 0.3, 0.16, 0.16, 0.18)
PICK_HEADER = ("Pos.", "Art.-Nr.", "Charge", "MHD", "Lagerplatz", "Menge")
OUTPUT_WIDTHS = (0.3, 0.2, 0.25, 0.25)
OUTPUT_HEADER = ("Charge", "MHD", "Lagerplatz", "Menge")


def render_production_order(session: Session, order_id: int) -> tuple[str, bytes]:
    """The order's number and shop paper. NotFound; InvalidState (409) for a planned
    order, which has no number and no material yet."""
    order = get_order(session, order_id)
    if order.status == OrderStatus.planned or not order.number:
        raise InvalidState(f"production order {order.id} is planned; release it before printing")
    company = letterhead_company(session)
    warehouse = fetch(session, Warehouse, order.warehouse_id, kind="warehouse")
    components, picks = [], []
    for component in order.components:
        item = fetch(session, Item, component.item_id, kind="item")
        open_quantity = max(component.planned_quantity - component.consumed_quantity, Decimal(0))
        unit = item.base_unit.code
        components.append(
            (
                str(component.line_no),
                item.item_no,
                item.name[:50],
                layout.number(component.planned_quantity),
                layout.number(component.consumed_quantity),
                layout.number(open_quantity),
                unit,
            )
        )
        if open_quantity > 0:
            proposal = pick_proposal(session, item.id, open_quantity, warehouse_id=warehouse.id)
            for pick in proposal.lines:
                picks.append(
                    (
                        str(component.line_no),
                        item.item_no,
                        pick.batch_no or "",
                        layout.day(pick.best_before),
                        pick.location_code,
                        f"{layout.number(pick.quantity)} {unit}",
                    )
                )
            if proposal.shortage > 0:
                picks.append(
                    (
                        str(component.line_no),
                        item.item_no,
                        "FEHLMENGE",
                        "",
                        "",
                        f"{layout.number(proposal.shortage)} {unit}",
                    )
                )
    outputs = []
    for output in order.outputs:
        batch = fetch(session, Batch, output.batch_id, kind="batch") if output.batch_id else None
        location = fetch(session, Location, output.location_id, kind="location")
        outputs.append(
            (
                batch.batch_no if batch else "",
                layout.day(batch.best_before) if batch else "",
                location.code if location else "",
                f"{layout.number(output.quantity)} {order.item.base_unit.code}",
            )
        )
    outputs += [("", "", "", "")] * 4  # to fill in by hand
    s = layout.styles()
    title = f"Produktionsauftrag {order.number}"
    letter = layout.Letter(
        company=company,
        title=title,
        recipient=["Produktion", warehouse.name, *warehouse.address.splitlines()[:3]],
        info=[
            ("Auftrag", order.number),
            ("Status", order.status.value),
            ("Termin", layout.day(order.planned_date)),
            ("Artikel", order.item.item_no),
            ("Soll", f"{layout.number(order.planned_quantity)} {order.item.base_unit.code}"),
            ("Gemeldet", f"{layout.number(order.produced_quantity)} {order.item.base_unit.code}"),
        ],
        logo=layout.logo_flowable(company),
    )
    story = [layout.paragraphs([title], s["subject"])[0]]
    story += layout.paragraphs([f"Herzustellen: {order.item.name}", order.note], s["body"])
    story += [layout.gap(3), *layout.paragraphs(["Komponenten"], s["bold"])]
    story += layout.line_table(COMPONENT_HEADER, components, COMPONENT_WIDTHS, right=(3, 4, 5))
    story += [layout.gap(3), *layout.paragraphs(["Zu entnehmende Chargen (FEFO)"], s["bold"])]
    story += layout.line_table(PICK_HEADER, picks, PICK_WIDTHS, right=(5,))
    story += [layout.gap(3), *layout.paragraphs(["Rückmeldung der Ausbringung"], s["bold"])]
    story += layout.line_table(OUTPUT_HEADER, outputs, OUTPUT_WIDTHS, right=(3,))
    return order.number, layout.render(letter, story)
