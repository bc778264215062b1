"""The trace drawing: columns by depth in the direction material flows, partners next to
their batch, one edge per link, delivery and supplier edges."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from landkontor.inventory.genealogy import BatchEdge
from landkontor.inventory.models import BatchStatus
from landkontor.production.schemas import DeliveryRef, PartnerRef, TracedBatchOut, TraceOut
from landkontor.web.trace_graph import COLUMN_GAP, NODE_WIDTH, layout_trace

STEP = NODE_WIDTH + COLUMN_GAP
SUPPLIER = PartnerRef(id=7, number="L-1", name="Agrarhandel Nord eG")
CUSTOMER = PartnerRef(id=9, number="K-1", name="Hof Schulte")


def batch(batch_id: int, depth: int, supplier: PartnerRef | None = None) -> TracedBatchOut:
    return TracedBatchOut(
        batch_id=batch_id,
        batch_no=f"B-{batch_id}",
        item_id=1,
        item_no="I",
        item_name="Item",
        depth=depth,
        status=BatchStatus.released,
        best_before=None,
        origin="receipt",
        supplier=supplier,
    )


def test_backward_the_traced_batch_is_last_and_each_supplier_precedes_its_batch():
    trace = TraceOut(
        batch=batch(1, 0),
        direction="backward",
        depth=None,
        batches=[batch(2, 1, SUPPLIER), batch(3, 1), batch(4, 2, SUPPLIER)],
    )
    links = [BatchEdge(2, 1, D(700)), BatchEdge(3, 1, D(300)), BatchEdge(4, 3, D("240.5"))]
    graph = layout_trace(trace, links)
    x = {n.key: n.x for n in graph.nodes}
    assert x["b4"] < x["b3"] < x["b1"] and x["b2"] == x["b3"]
    assert x["s7-0"] == x["b4"] - STEP and x["s7-1"] == x["b2"] - STEP
    assert [n.kind for n in graph.nodes if n.key == "b1"] == ["root"]
    assert sorted(e.label for e in graph.edges) == ["", "", "240,5", "300", "700"]
    assert graph.width >= max(x.values()) + NODE_WIDTH


def test_forward_customers_follow_the_batch_they_received():
    trace = TraceOut(
        batch=batch(1, 0),
        direction="forward",
        depth=None,
        batches=[batch(5, 1)],
        deliveries=[
            DeliveryRef(
                batch_id=5,
                delivery_id=1,
                delivery_no="LS-1",
                customer=CUSTOMER,
                delivered_at=datetime(2026, 11, 30, tzinfo=UTC),
                item_id=1,
                quantity=D(300),
            )
        ],
    )
    graph = layout_trace(trace, [BatchEdge(1, 5, D(300))])
    x = {n.key: n.x for n in graph.nodes}
    assert x["b1"] < x["b5"] < x["c9-2"]
    assert len(graph.edges) == 2 and all(e.path.startswith("M") for e in graph.edges)
