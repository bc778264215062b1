"""A feed mill for the production and trace pages: raw materials bought from a supplier
into batches, a premix recipe (soy and minerals) and a compound feed recipe (barley and
the premix). Built through the API, the way users create it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def day(offset: int) -> str:
    return (date.today() + timedelta(days=offset)).isoformat()


def build_mill(stock: Any, trade: Any) -> dict[str, Any]:
    wh = stock.warehouse(code="MUEHLE", name="Mühle Celle")
    raw = stock.location(wh["id"], code="ROH", name="Rohwarensilo", kind="silo")
    done = stock.location(wh["id"], code="FERTIG", name="Fertigwarensilo", kind="silo")
    barley = stock.item(item_no="GERSTE", name="Futtergerste", batch_managed=True)
    soy = stock.item(item_no="SOJA", name="Sojaschrot", batch_managed=True)
    mineral = stock.item(item_no="MINERAL", name="Mineralfutter", batch_managed=True)
    premix = stock.item(
        item_no="VORMISCHUNG", name="Vormischung Rind", batch_managed=True, shelf_life_days=90
    )
    feed = stock.item(
        item_no="MF-RIND",
        name="Milchleistungsfutter",
        batch_managed=True,
        shelf_life_days=90,
        base_price="0.50",
    )
    supplier = trade.supplier(supplier_no="L-AGRAR", name="Agrarhandel Nord eG")
    order = trade.purchase_order(
        supplier["id"],
        {"item_id": barley["id"], "quantity": 2000, "unit_price": "0.20"},
        {"item_id": soy["id"], "quantity": 500, "unit_price": "0.45"},
        {"item_id": mineral["id"], "quantity": 100, "unit_price": "1.10"},
    )
    lines = order["lines"]
    receipt = trade.receive(
        order["id"],
        *[
            {
                "order_line_id": line["id"],
                "quantity": line["quantity"],
                "location_id": raw["id"],
                "batch": {"batch_no": number, "best_before": day(offset)},
            }
            for line, number, offset in zip(
                lines, ("G-1", "S-1", "M-1"), (60, 120, 300), strict=True
            )
        ],
        delivery_note_no="LS-778",
    )
    batches = {
        number: line["batch_id"]
        for number, line in zip(("G-1", "S-1", "M-1"), receipt["lines"], strict=True)
    }
    later = stock.receive(
        barley["id"],
        raw["id"],
        1500,
        unit_cost="0.22",
        batch={"batch_no": "G-2", "best_before": day(200)},
    )
    batches["G-2"] = later["lines"][0]["batch_id"]
    premix_bom = stock.recipe(
        premix["id"],
        {"item_id": soy["id"], "quantity": 80},
        {"item_id": mineral["id"], "quantity": 20},
        output_quantity=100,
        name="Vormischung Standard",
    )
    feed_bom = stock.recipe(
        feed["id"],
        {"item_id": barley["id"], "quantity": 700},
        {"item_id": premix["id"], "quantity": 300},
        name="MLF 18/4",
    )
    return {
        "wh": wh,
        "raw": raw,
        "done": done,
        "barley": barley,
        "soy": soy,
        "mineral": mineral,
        "premix": premix,
        "feed": feed,
        "supplier": supplier,
        "batches": batches,
        "premix_bom": premix_bom,
        "feed_bom": feed_bom,
    }


def produce(stock: Any, mill: dict[str, Any], item: str, quantity: int, batch_no: str) -> dict:
    """A production order through the API: plan, release, consume by FEFO, last output."""
    order = stock.production_order(
        mill[item]["id"], quantity, mill["wh"]["id"], output_location_id=mill["done"]["id"]
    )
    return stock.produce(order["id"], quantity, batch_no=batch_no)


def build_delivered_mill(stock: Any, trade: Any) -> dict[str, Any]:
    """The mill after two levels of production: premix VM-1 from S-1 and M-1, feed MF-1
    from G-1 and VM-1; 300 kg of the feed delivered to customer K-700."""
    mill = build_mill(stock, trade)
    premix = produce(stock, mill, "premix", 300, "VM-1")
    feed = produce(stock, mill, "feed", 1000, "MF-1")
    customer = trade.customer(
        customer_no="K-700",
        name="Hof Schulte",
        street="Dorfstraße 4",
        postal_code="29221",
        city="Celle",
        invoice_email="schulte@example.org",
    )
    order = trade.sales_order(
        customer["id"],
        mill["wh"]["id"],
        {"item_id": mill["feed"]["id"], "quantity": "300"},
        confirm=True,
    )
    trade.deliver(order["id"])
    mill.update(
        premix_batch=premix["outputs"][0]["batch_id"],
        feed_batch=feed["outputs"][0]["batch_id"],
        customer=customer,
    )
    return mill
