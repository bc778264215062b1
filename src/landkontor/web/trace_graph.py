"""The trace of a batch as a drawing: nodes in columns by depth, drawn as server-side SVG.

Material flows left to right. Backward, the traced batch stands in the rightmost column
and its ancestors to the left by depth, each supplier just before the batch it delivered;
forward, it stands leftmost, its descendants to the right by depth, each customer just
after the batch it received (a partner appears once per column it is needed in). Edges
are the genealogy links between the batches found (``inventory.genealogy.links_among``),
supplier → batch and batch → customer. Pure
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


# A node before it is placed: key, title, subtitle, kind, status, link.
Entry = tuple[str, str, str, str, str, str | None]


def _batch(b: TracedBatchOut, kind: str) -> Entry:
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
    offset = 1 if backward else 0  # backward: the suppliers of the deepest batches first
    column_of = {b.batch_id: (deepest - b.depth if backward else b.depth) + offset for b in batches}
    columns: dict[int, list[Entry]] = defaultdict(list)
    for b in batches:
        kind = "root" if b.batch_id == trace.batch.batch_id else "batch"
        columns[column_of[b.batch_id]].append(_batch(b, kind))
    partner_edges: list[tuple[str, str, str]] = []  # from key, to key, label
    partners: dict[str, tuple[int, Entry]] = {}
    # A partner stands in the column right before (supplier) or after (customer) the batch
    # it delivered or received, so no edge has to pass behind another column's batches.
    if backward:
        for b in batches:
            if b.supplier is not None:
                column = column_of[b.batch_id] - 1
                key = f"s{b.supplier.id}-{column}"
                title, number = _short(b.supplier.name), f"Lieferant {b.supplier.number}"
                partners[key] = (column, (key, title, number, "supplier", "", None))
                partner_edges.append((key, f"b{b.batch_id}", ""))
    else:
        delivered: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
        names = {}
        for d in trace.deliveries:
            names[d.customer.id] = d.customer
            delivered[(d.batch_id, d.customer.id)] += d.quantity
        for (batch_id, customer_id), quantity in sorted(delivered.items()):
            if batch_id not in column_of:
                continue
            column = column_of[batch_id] + 1
            customer = names[customer_id]
            key = f"c{customer_id}-{column}"
            title, number = _short(customer.name), f"Kunde {customer.number}"
            partners[key] = (column, (key, title, number, "customer", "", None))
            partner_edges.append((f"b{batch_id}", key, _quantity(quantity)))
    for column, entry in sorted(partners.values(), key=lambda p: (p[0], p[1][2])):
        columns[column].append(entry)
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
