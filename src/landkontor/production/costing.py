"""Planned against actual cost of a production order.

Actual cost is what the order's postings carried: the value of the material consumed
(moving average at the time of each issue), the conversion cost applied and the value of the
outputs. The plan has no stored cost — a recipe holds quantities only — so the planned
material cost is the planned quantity of each component at its moving-average cost now.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.common.money import round_value
from landkontor.inventory.models import ItemCost
from landkontor.production.models import ProductionOrder


@dataclass(frozen=True)
class OrderCosts:
    planned_by_component: dict[
        int, Decimal | None
    ]  # component id -> planned cost (None: no cost yet)
    planned_material: Decimal  # sum of the known planned costs
    actual_material: Decimal  # value of the material consumed
    conversion_planned: Decimal
    conversion_applied: Decimal
    output_value: Decimal  # value received into the output batches
    wip_value: Decimal  # consumed and not yet carried into output

    @property
    def planned_total(self) -> Decimal:
        return self.planned_material + self.conversion_planned

    @property
    def actual_total(self) -> Decimal:
        return self.actual_material + self.conversion_applied


def order_costs(session: Session, order: ProductionOrder) -> OrderCosts:
    """Planned and actual cost of an order (one query for the components' average costs)."""
    item_ids = [c.item_id for c in order.components]
    average: dict[int, Decimal] = dict(
        session.execute(
            select(ItemCost.item_id, ItemCost.average_cost).where(ItemCost.item_id.in_(item_ids))
        ).all()
    )
    planned: dict[int, Decimal | None] = {
        c.id: round_value(c.planned_quantity * average[c.item_id]) if c.item_id in average else None
        for c in order.components
    }
    return OrderCosts(
        planned_by_component=planned,
        planned_material=sum((v for v in planned.values() if v is not None), Decimal(0)),
        actual_material=sum((c.consumed_value for c in order.components), Decimal(0)),
        conversion_planned=order.conversion_cost,
        conversion_applied=order.conversion_applied,
        output_value=sum((o.value for o in order.outputs), Decimal(0)),
        wip_value=order.wip_value,
    )
