"""A production order end to end through the service layer (create → release → consume →
output → complete) in few statements: the counts per step are asserted as upper bounds, so
a change that adds round trips shows here (benchmarks/production_orders.py times it)."""

from decimal import Decimal as D

from landkontor.production import orders
from landkontor.production.schemas import ConsumptionIn, OrderCreate, OutputIn

# Statements per step (three components, one of them in two batches). Before issue 17:
# create 9, release 23, consume 36, output 23, complete 5 (96). Of consume's 28, the stock
# issue itself (inventory.posting, being restructured) takes 16; of output's 20, the receipt 7.
BUDGET = {"create": 9, "release": 9, "consume": 28, "output": 20, "complete": 5}


def run_order(session, wh, out, feed, counter_factory) -> dict[str, int]:
    counts = {}
    with counter_factory() as counter:
        order = orders.create_order(
            session,
            OrderCreate(
                item_id=feed["id"],
                quantity=D(500),
                warehouse_id=wh["id"],
                output_location_id=out["id"],
            ),
            actor="bench",
        )
    counts["create"] = counter.count
    with counter_factory() as counter:
        orders.release_order(session, order.id, strict=True, actor="bench")
    counts["release"] = counter.count
    with counter_factory() as counter:
        orders.consume(session, order.id, ConsumptionIn(), actor="bench")
    counts["consume"] = counter.count
    with counter_factory() as counter:
        orders.post_output(session, order.id, OutputIn(quantity=D(500)), actor="bench")
    counts["output"] = counter.count
    with counter_factory() as counter:
        done = orders.complete_order(session, order.id, actor="bench")
    counts["complete"] = counter.count
    assert done.status.value == "completed"
    return counts


def test_a_production_order_end_to_end_stays_within_its_statement_budget(
    plant,
    db,
    count_statements,
):
    _stock, wh, _raw, out, (_w, _s, _m, feed), _batches, _bom = plant
    with db.session() as session:
        counts = run_order(session, wh, out, feed, count_statements)
    print("production order statements:", counts, "total", sum(counts.values()))
    over = {step: n for step, n in counts.items() if n > BUDGET[step]}
    assert not over, (counts, BUDGET)
