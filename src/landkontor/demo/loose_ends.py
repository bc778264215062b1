"""The last day of the demo year: what a Landhandel always has lying about.

Blocked batches waiting for the lab, one recall (a soybean meal batch and every compound
feed made from it), short-dated goods that must go within 14 days, an expired remnant,
a credit note, a cancelled order, draft purchase orders, and one stocktake with a
difference. Each goes through the use case a user would call.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from landkontor.demo import catalogue, sites
from landkontor.demo.catalogue import ItemSpec
from landkontor.demo.simulation import Year
from landkontor.inventory.batches import change_status
from landkontor.inventory.models import Batch, BatchStatus
from landkontor.inventory.queries import pickable_stock
from landkontor.inventory.schemas import CountIn, CountsIn, StocktakeCreate
from landkontor.inventory.stocktake import open_stocktake, post_stocktake, record_counts
from landkontor.production.trace import recall
from landkontor.purchasing import orders as purchasing
from landkontor.purchasing.models import PurchaseOrder
from landkontor.purchasing.receipts import receive
from landkontor.purchasing.schemas import (
    GoodsReceiptCreate,
    PurchaseOrderCreate,
    PurchaseOrderLineIn,
    ReceiptLineIn,
)
from landkontor.sales import orders as sales
from landkontor.sales.invoicing import credit_invoice, get_invoice
from landkontor.sales.schemas import CreditNoteCreate, CreditNoteLineIn

D = Decimal
BLOCK_REASONS = {
    "Getreide": "Feuchte 16,8 % bei Nachprobe - muss vor Verkauf getrocknet werden",
    "Mineralfutter": "Sackware durch Wasserschaden beschädigt - Prüfung durch QS",
    "Saatgut": "Keimfähigkeit unter Norm - Nachprüfung beim Saatgutlabor beantragt",
    "Futtermittel-Rohware": "Verdacht auf Schimmelbefall - Probe im Labor",
}
RECALL_REASON = (
    "Rückruf des Lieferanten: Salmonellen-Nachweis im Rückstellmuster (Meldung an das "
    "Veterinäramt erfolgt)"
)


def tie_up(year: Year) -> None:
    block_batches(year)
    recall_soybean_meal(year)
    short_dated_goods(year)
    orders_taken_today(year)
    credit_and_cancel(year)
    draft_purchase_orders(year)
    stocktake_with_difference(year)


def block_batches(year: Year) -> None:
    """Block the newest batch with stock of a few item groups, each with its reason."""
    done: set[str] = set()
    for received in reversed(year.received):
        spec = year.world.specs[received.item_no]
        if spec.group not in BLOCK_REASONS or spec.group in done:
            continue
        warehouse = year.world.sites[received.site].warehouse_id
        usable = pickable_stock(year.session, year.world.items[spec.item_no], warehouse)
        if not any(row.batch_id == received.batch_id for row in usable):
            continue
        change_status(
            year.session,
            received.batch_id,
            BatchStatus.blocked,
            BLOCK_REASONS[spec.group],
            actor=year.actor,
        )
        year.counts["batches_blocked"] += 1
        done.add(spec.group)


def recall_soybean_meal(year: Year) -> None:
    """Recall the soybean meal batch that went into the earliest production order: it and
    every compound feed batch made from it become recalled; customers are in the report."""
    soybean = {year.world.items[no] for no in ("20001", "20002") if no in year.world.items}
    for produced in year.produced:
        for batch_id in sorted(produced.inputs):
            if year.session.get_one(Batch, batch_id).item_id in soybean:
                report = recall(year.session, batch_id, RECALL_REASON, actor=year.actor)
                year.counts["batches_recalled"] += len(report.newly_recalled)
                year.recalled_batch_id = batch_id
                return


def short_dated_goods(year: Year) -> None:
    """Suppliers' remnants with best-before dates in the next two weeks, and an old
    remnant that has expired: they show on the dashboard and FEFO never picks the latter."""
    site = sites.SITES[0].code
    minerals = [s for s in year.world.specs.values() if s.group == "Mineralfutter"]
    protection = [s for s in year.world.specs.values() if s.group == "Pflanzenschutz"]
    day = year.today - timedelta(days=1)
    for picks, offsets in ((minerals[-2:], (5, 11)), (protection[-2:], (9, -4))):
        if not picks:
            continue
        quantity = {spec.item_no: spec.sale_factor * 8 for spec in picks}
        order = _purchase(
            year,
            picks[0].supplier_kind,
            [
                (spec, quantity[spec.item_no], (spec.cost * D("0.6")).quantize(D("0.0001")))
                for spec in picks
            ],
            day,
            "Restposten mit kurzem MHD zum Sonderpreis",
        )
        receipt_lines = []
        for line, spec, offset in zip(
            sorted(order.lines, key=lambda x: x.line_no), picks, offsets, strict=False
        ):
            best_before = year.today + timedelta(days=offset)
            receipt_lines.append(
                ReceiptLineIn(
                    order_line_id=line.id,
                    quantity=quantity[spec.item_no],
                    location_id=year.world.home(site, spec),
                    batch=year.new_batch(site, spec, day, best_before=best_before),
                )
            )
            kind = "batches_short_dated" if offset >= 0 else "batches_expired"
            year.counts[kind] += 1
        receive(
            year.session,
            order.id,
            GoodsReceiptCreate(delivery_note_no="LS Restposten", lines=receipt_lines),
            actor=year.actor,
        )
        year.counts["goods_receipts"] += 1
        year.counts["batches"] += len(receipt_lines)


def _purchase(
    year: Year,
    supplier_kind: str,
    lines: list[tuple[ItemSpec, Decimal, Decimal]],
    day: date,
    note: str,
    *,
    place: bool = True,
) -> PurchaseOrder:
    """A purchase order from the first supplier of a kind: (item, quantity, price) lines
    in the base unit; placed unless ``place`` is false (a draft)."""
    order = purchasing.create_order(
        year.session,
        PurchaseOrderCreate(
            supplier_id=year.world.suppliers[supplier_kind][0],
            order_date=day,
            expected_date=day + timedelta(days=3) if place else None,
            note=note,
            lines=[
                PurchaseOrderLineIn(
                    item_id=year.world.items[spec.item_no],
                    quantity=quantity,
                    unit=spec.unit,
                    unit_price=price,
                )
                for spec, quantity, price in lines
            ],
        ),
        actor=year.actor,
    )
    year.counts["purchase_orders"] += 1
    if place:
        purchasing.place_order(year.session, order.id)
    else:
        year.counts["purchase_orders_draft"] += 1
    return order


def orders_taken_today(year: Year) -> None:
    """Two orders a clerk took on the phone this morning: drafts, not yet confirmed."""
    farmers = [c for c in year.world.customers if c.segment in ("dairy", "pigs")]
    site = sites.SITES[0].code
    for customer in farmers[:2]:
        lines = year.order_lines(site, customer, year.today)
        if lines:
            order = year.create_sales_order(site, customer, lines, year.today)
            year.drafts.append(order.id)


def credit_and_cancel(year: Year) -> None:
    """A price reduction on one open invoice (damaged bags) and one draft the customer
    called off."""
    if year.open_invoices:
        invoice = get_invoice(year.session, year.open_invoices[0])
        line = min(invoice.lines, key=lambda x: x.line_no)
        amount = (line.net_amount * D("0.05")).quantize(D("0.01"))
        if amount > 0:
            credit_invoice(
                year.session,
                invoice.id,
                CreditNoteCreate(
                    reason="Preisnachlass 5 %: Ware bei Anlieferung beschädigt",
                    lines=[CreditNoteLineIn(invoice_line_id=line.id, net_amount=amount)],
                ),
                actor=year.actor,
            )
            year.counts["credit_notes"] += 1
    if len(year.drafts) > 1:
        sales.cancel_order(year.session, year.drafts.pop(0))
        year.counts["sales_orders_cancelled"] += 1


def draft_purchase_orders(year: Year) -> None:
    """This morning's order of feed wheat for the mill, on its way, and the buyer's drafts
    for two of the items that run short, not yet sent."""
    wheat = year.world.specs["10004"]
    _purchase(
        year,
        wheat.supplier_kind,
        [(wheat, wheat.lot, wheat.cost)],
        year.today,
        "Futterweizen für das Mischfutterwerk",
    )
    for item_no in sorted(year.scarce)[:2]:
        spec = year.world.specs[item_no]
        _purchase(
            year,
            spec.supplier_kind,
            [(spec, spec.lot, spec.cost)],
            year.today,
            "Entwurf: Preis beim Lieferanten anfragen",
            place=False,
        )


def stocktake_with_difference(year: Year) -> None:
    """Count the crop protection store of the second site: one canister is missing."""
    site = sites.SITES[1].code if len(sites.SITES) > 1 else sites.SITES[0].code
    leaves = year.world.sites[site].leaves.get(catalogue.PSM, [])
    if not leaves:
        return
    stocktake = open_stocktake(
        year.session,
        StocktakeCreate(location_ids=leaves, note="Inventur Pflanzenschutzlager"),
        actor=year.actor,
    )
    counts = []
    for index, line in enumerate(sorted(stocktake.lines, key=lambda x: x.id)):
        counted = line.expected_quantity
        if index == 0 and counted >= 5:
            counted -= 5  # a 5 l canister is missing
        counts.append(
            CountIn(
                item_id=line.item_id,
                location_id=line.location_id,
                batch_id=line.batch_id,
                counted_quantity=counted,
            )
        )
    if counts:
        record_counts(year.session, stocktake.id, CountsIn(counts=counts), actor=year.actor)
    post_stocktake(year.session, stocktake.id, actor=year.actor)
    year.counts["stocktakes"] += 1
