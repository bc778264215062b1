"""Service functions the web screens of partners, prices and purchasing call: reorder
proposals turned into draft orders, a goods receipt once per idempotency key, the lookups by
number and by id, sorted partner lists and the reason of a passed-over price list."""

from __future__ import annotations

from decimal import Decimal

import pytest

from landkontor.catalog.service import items_by_id
from landkontor.common.pagination import PageParams
from landkontor.errors import InvalidInput
from landkontor.inventory.batches import batches_by_id
from landkontor.inventory.errors import IdempotencyKeyReused
from landkontor.partners import pricing
from landkontor.partners import service as partners
from landkontor.purchasing import orders, receipts
from landkontor.purchasing.models import PurchaseOrderStatus
from landkontor.purchasing.schemas import GoodsReceiptCreate, ReceiptBatchIn, ReceiptLineIn


def test_proposals_become_one_draft_per_supplier_and_are_not_ordered_twice(stock, trade, db):
    north, south = trade.supplier(supplier_no="L-N"), trade.supplier(supplier_no="L-S")
    lime = stock.item(item_no="KALK", reorder_point="100", reorder_quantity="40")
    urea = stock.item(item_no="HARNSTOFF", reorder_point="10")
    unknown = stock.item(item_no="NEU", reorder_point="10")
    trade.purchase_order(north["id"], {"item_id": lime["id"], "quantity": "1", "unit_price": "2"})
    trade.purchase_order(south["id"], {"item_id": urea["id"], "quantity": "1", "unit_price": "3"})
    wanted = [lime["id"], urea["id"], unknown["id"]]
    with db.session() as s:
        created = orders.orders_from_proposals(s, wanted, actor="einkauf")
        lines = {
            o.supplier_id: [(li.item_id, li.quantity, li.unit_price) for li in o.lines]
            for o in created
        }
        assert {o.status for o in created} == {PurchaseOrderStatus.draft}
        # 99 short of 100 in lots of 40: 120; 9 short of 10 in base units: 9.
        assert lines == {
            north["id"]: [(lime["id"], Decimal("120.0000"), Decimal("2.000000"))],
            south["id"]: [(urea["id"], Decimal("9.0000"), Decimal("3.000000"))],
        }
        assert orders.orders_from_proposals(s, wanted, actor="einkauf") == []
        drafted = orders.items_on_draft_orders(s, wanted)
        assert set(drafted) == {lime["id"], urea["id"]}


def test_a_receipt_with_the_same_key_is_received_once(stock, trade, db):
    warehouse = stock.warehouse(code="R")
    bin_ = stock.location(warehouse["id"], code="R1")
    seed = stock.item(item_no="GERSTE", batch_managed=True)
    supplier = trade.supplier()
    order = trade.purchase_order(
        supplier["id"], {"item_id": seed["id"], "quantity": "10", "unit_price": "1"}
    )
    body = GoodsReceiptCreate(
        location_id=bin_["id"],
        lines=[
            ReceiptLineIn(
                order_line_id=order["lines"][0]["id"],
                quantity=Decimal(4),
                batch=ReceiptBatchIn(batch_no="G-1", supplier_batch_no="S-9"),
            )
        ],
    )
    with db.session() as s:
        first, replayed = receipts.receive_once(s, order["id"], body, actor="a", key="k-1")
        assert not replayed
        again, replayed = receipts.receive_once(s, order["id"], body, actor="a", key="k-1")
        assert replayed and again.id == first.id
        other = body.model_copy(update={"delivery_note_no": "LS-2"})
        with pytest.raises(IdempotencyKeyReused):
            receipts.receive_once(s, order["id"], other, actor="a", key="k-1")
        batch = batches_by_id(s, [first.lines[0].batch_id, None])[first.lines[0].batch_id]
        assert (batch.batch_no, batch.supplier_batch_no) == ("G-1", "S-9")
        assert orders.get_order(s, order["id"]).lines[0].received_quantity == Decimal(4)


def test_partners_are_found_by_number_and_by_id_and_sorted(trade, stock, db):
    group = trade.group(code="G-A")
    trade.customer(customer_no="K-2", name="Anton", group_id=group["id"], city="Zeven")
    trade.customer(customer_no="K-1", name="Berta", city="Aurich")
    supplier = trade.supplier(supplier_no="L-1", name="Zeta")
    item = stock.item(item_no="X-1")
    with db.session() as s:
        assert partners.customer_by_number(s, "K-2").name == "Anton"
        assert partners.customer_by_number(s, "K-3") is None
        assert partners.supplier_by_number(s, "L-1").id == supplier["id"]
        assert partners.suppliers_by_id(s, [supplier["id"]])[supplier["id"]].name == "Zeta"
        assert partners.groups_by_id(s, [group["id"], None])[group["id"]].code == "G-A"
        assert items_by_id(s, [item["id"]])[item["id"]].item_no == "X-1"
        by_city, _ = partners.list_customers(s, PageParams(), sort="city")
        assert [c.customer_no for c in by_city] == ["K-1", "K-2"]
        by_name, _ = partners.list_customers(s, PageParams(), sort="name", descending=True)
        assert [c.customer_no for c in by_name] == ["K-1", "K-2"]
        with pytest.raises(InvalidInput):
            partners.list_suppliers(s, PageParams(), sort="password")


def test_a_passed_over_price_list_says_why(trade, stock, db):
    item = stock.item(item_no="FUTTER", base_price="1.00")
    inactive = trade.price_list({"item_id": item["id"], "unit_price": "0.5"}, active=False)
    other = trade.price_list()
    group = trade.group(price_list_id=other["id"])
    customer = trade.customer(price_list_id=inactive["id"], group_id=group["id"])
    with db.session() as s:
        quote = pricing.quote(
            s, customer_id=customer["id"], item_id=item["id"], quantity=Decimal(1)
        )
    assert [step.reason for step in quote.steps] == ["not_valid", "no_price", None, None]
    assert quote.price_source == "base_price"
