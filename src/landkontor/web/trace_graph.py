"""The trace of a batch as a drawing: nodes in columns by depth, drawn as server-side SVG.

Material flows left to right. Backward, the traced batch stands in the rightmost batch
column and its ancestors to the left by depth, with their suppliers in a column before
them; forward, it stands leftmost, its descendants to the right, and the customers they
were delivered to in a last column. Edges are the genealogy links between the batches
found (``inventory.genealogy.links_among``), supplier → batch and batch → customer. Pure
layout: no database, no I/O (the template draws what this returns).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from landkontor.inventory.genealogy import BatchEdge
from landkontor.production.schemas import TracedBatchOut, TraceOut

NODE_WIDTH = 190
NODE_HEIGHT = 46
COLUMN_GAP = 70
ROW_GAP = 14
MARGIN = 10
LABEL_CHARS = 26


@dataclass(frozen=True)
class Node:
    key: str
    title: str
    subtitle: str
    kind: str  # root, batch, supplier, customer
    status: str  # a batch's status ("" for partners)
    href: str | None
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    path: str  # SVG path data
    label: str  # the quantity that went along it ("" for a supplier's delivery)
    label_x: int
    label_y: int


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    nodes: list[Node]
    edges: list[Edge]


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def _quantity(value: Decimal) -> str:
    text = f"{value.normalize():f}"
    return text.replace(".", ",")


def _batch(b: TracedBatchOut, kind: str) -> tuple[str, str, str, str, str, str | None]:
    return (
        f"b{b.batch_id}",
        _short(b.batch_no),
        _short(f"{b.item_no} {b.item_name}"),
        kind,
        b.status.value,
        f"/rueckverfolgung/{b.batch_id}",
    )


def layout_trace(trace: TraceOut, links: list[BatchEdge]) -> Graph:
    """Place the trace's batches and partners in columns and connect them."""
    backward = trace.direction == "backward"
    batches = [trace.batch, *trace.batches]
    deepest = max((b.depth for b in batches), default=0)
    columns: dict[int, list[tuple[str, str, str, str, str, str | None]]] = defaultdict(list)
    offset = 1 if backward else 0  # backward: suppliers take column 0
    for b in batches:
        column = (deepest - b.depth if backward else b.depth) + offset
        columns[column].append(_batch(b, "root" if b.batch_id == trace.batch.batch_id else "batch"))
    partner_edges: list[tuple[str, str, str]] = []  # from key, to key, label
    if backward:
        suppliers = {}
        for b in batches:
            if b.supplier is not None:
                suppliers[b.supplier.id] = b.supplier
                partner_edges.append((f"s{b.supplier.id}", f"b{b.batch_id}", ""))
        for s in sorted(suppliers.values(), key=lambda p: p.number):
            columns[0].append(
                (f"s{s.id}", _short(s.name), f"Lieferant {s.number}", "supplier", "", None)
            )
    else:
        customers = {}
        delivered: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        for d in trace.deliveries:
            customers[d.customer.id] = d.customer
            delivered[(d.batch_id, d.customer.id)] += d.quantity
        for (batch_id, customer_id), quantity in sorted(delivered.items()):
            partner_edges.append((f"b{batch_id}", f"c{customer_id}", _quantity(quantity)))
        last = deepest + 1
        for c in sorted(customers.values(), key=lambda p: p.number):
            columns[last].append(
                (f"c{c.id}", _short(c.name), f"Kunde {c.number}", "customer", "", None)
            )
    nodes: dict[str, Node] = {}
    for column, entries in columns.items():
        for row, (key, title, subtitle, kind, status, href) in enumerate(entries):
            nodes[key] = Node(
                key=key,
                title=title,
                subtitle=subtitle,
                kind=kind,
                status=status,
                href=href,
                x=MARGIN + column * (NODE_WIDTH + COLUMN_GAP),
                y=MARGIN + row * (NODE_HEIGHT + ROW_GAP),
            )
    pairs = [
        (f"b{e.parent_batch_id}", f"b{e.child_batch_id}", _quantity(e.quantity)) for e in links
    ]
    edges = [
        _edge(nodes[a], nodes[b], label)
        for a, b, label in pairs + partner_edges
        if a in nodes and b in nodes
    ]
    width = MARGIN * 2 + (max(columns, default=0) + 1) * (NODE_WIDTH + COLUMN_GAP) - COLUMN_GAP
    rows = max((len(entries) for entries in columns.values()), default=1)
    height = MARGIN * 2 + rows * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    return Graph(width=width, height=height, nodes=list(nodes.values()), edges=edges)


def _edge(source: Node, target: Node, label: str) -> Edge:
    """A curve from the source's right side to the target's left side (material flow)."""
    if source.x > target.x:  # a link against the flow cannot happen; draw it anyway
        source, target = target, source
    x1, y1 = source.x + NODE_WIDTH, source.y + NODE_HEIGHT // 2
    x2, y2 = target.x, target.y + NODE_HEIGHT // 2
    middle = (x1 + x2) // 2
    return Edge(
        path=f"M{x1},{y1} C{middle},{y1} {middle},{y2} {x2},{y2}",
        label=label,
        label_x=middle,
        label_y=(y1 + y2) // 2 - 4,
    )
