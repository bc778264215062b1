"""A production order end to end through the service layer (create → release → consume →
output → complete) in few statements: the counts per step are asserted as upper bounds, so
a change that adds round trips shows here (benchmarks/production_orders.py times it)."""

from decimal import Decimal as D

from landkontor.inventory.models import Batch
from landkontor.production import orders
from landkontor.production.schemas import ConsumptionIn, OrderCreate, OutputIn
from tests.integration.production.test_production import plant  # noqa: F401 - a fixture

# Statements per step (three components, one of them in two batches). Before issue 17:
# create 9, release 23, consume 36, output 23, complete 5 (96). The posting front door
# (inventory.posting, issue 15) loads items, locations and batches of a posting in one query
# each: consume's stock issue got cheaper (28 -> 26), output's receipt one statement dearer (its
# new batch is read back once more: 20 -> 21).
BUDGET = {"create": 9, "release": 9, "consume": 26, "output": 21, "complete": 5}


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
    counts["create"] = counter.work
    with counter_factory() as counter:
        orders.release_order(session, order.id, strict=True, actor="bench")
    counts["release"] = counter.work
    with counter_factory() as counter:
        orders.consume(session, order.id, ConsumptionIn(), actor="bench")
    counts["consume"] = counter.work
    with counter_factory() as counter:
        orders.post_output(session, order.id, OutputIn(quantity=D(500)), actor="bench")
    counts["output"] = counter.work
    with counter_factory() as counter:
        done = orders.complete_order(session, order.id, actor="bench")
    counts["complete"] = counter.work
    assert done.status.value == "completed"
    return counts


def test_a_production_order_end_to_end_stays_within_its_statement_budget(
    plant,  # noqa: F811 - the fixture imported above
    db,
    count_statements,
):
    _stock, wh, _raw, out, (_w, _s, _m, feed), _batches, _bom = plant
    with db.session() as session:
        counts = run_order(session, wh, out, feed, count_statements)
    print("production order statements:", counts, "total", sum(counts.values()))
    # SQLite runs two more in create, release and consume (measured, not yet examined).
    slack = 2 if db.dialect == "sqlite" else 0
    over = {step: n for step, n in counts.items() if n > BUDGET[step] + slack}
    assert not over, (counts, BUDGET)


def test_output_batches_of_a_day_are_numbered_on_in_one_statement(
    plant,  # noqa: F811 - the fixture imported above
    db,
    count_statements,
):
    from datetime import date

    _stock, wh, _raw, out, (_w, _s, _m, feed), _batches, _bom = plant
    numbers, lookups = [], []
    with db.session() as session:
        for quantity in (D(100), D(120), D(80)):
            order = orders.create_order(
                session,
                OrderCreate(
                    item_id=feed["id"],
                    quantity=quantity,
                    warehouse_id=wh["id"],
                    output_location_id=out["id"],
                ),
                actor="bench",
            )
            orders.release_order(session, order.id, strict=True, actor="bench")
            orders.consume(session, order.id, ConsumptionIn(), actor="bench")
            with count_statements() as counter:
                done = orders.post_output(
                    session, order.id, OutputIn(quantity=quantity, complete=True), actor="bench"
                )
            batch = session.get(Batch, done.outputs[0].batch_id)
            numbers.append(batch.batch_no if batch else None)
            lookups.append(sum("batch_no LIKE" in s for s in counter.statements))
    prefix = f"{date.today():%Y%m%d}-MF18-"
    assert numbers == [prefix + "01", prefix + "02", prefix + "03"]
    assert lookups == [1, 1, 1]
