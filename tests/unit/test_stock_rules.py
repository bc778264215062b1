"""The rules of stock as plain functions."""

from datetime import date
from decimal import Decimal as D

from landkontor.inventory.models import BatchStatus
from landkontor.inventory.rules import (
    CostState,
    FefoStock,
    StockRow,
    allocate_fefo,
    default_best_before,
    fefo_key,
    is_expired,
    unusable_reason,
)

TODAY = date(2026, 11, 28)


def test_best_before_is_good_through_the_day():
    assert not is_expired(TODAY, TODAY)
    assert is_expired(date(2026, 11, 27), TODAY)
    assert not is_expired(None, TODAY)


def test_default_best_before_adds_shelf_life():
    assert default_best_before(date(2026, 1, 31), 30) == date(2026, 3, 2)
    assert default_best_before(date(2026, 1, 31), None) is None


def test_only_released_unexpired_batches_are_usable():
    assert unusable_reason(BatchStatus.released, None, TODAY) is None
    assert unusable_reason(BatchStatus.blocked, None, TODAY) == "blocked"
    assert unusable_reason(BatchStatus.recalled, None, TODAY) == "recalled"
    assert unusable_reason(BatchStatus.released, date(2026, 1, 1), TODAY).startswith("expired")


def test_fefo_takes_earliest_best_before_first_and_undated_last():
    rows = [
        (None, "B3", "A"),
        (date(2027, 1, 1), "B2", "A"),
        (date(2026, 12, 1), "B1", "Z"),
    ]
    ordered = sorted(rows, key=lambda r: fefo_key(*r))
    assert [r[1] for r in ordered] == ["B1", "B2", "B3"]


def test_moving_average_after_mixed_receipts_and_issues():
    state = CostState(D(0), D(0), D(0))
    assert state.inflow(D(100), D("2.00")) == (D("2.00"), D("200.0000"))
    state.inflow(D(100), D("3.00"))
    assert state.average_cost == D("2.5")
    cost, value = state.outflow(D(50))
    assert (cost, value) == (D("2.5"), D("-125.0000"))
    state.inflow(D(50), D("4.00"))
    # (375 + 200) / 200
    assert state.average_cost == D("2.875")
    assert state.value == D("575.0000")


def test_last_unit_takes_the_remaining_value():
    state = CostState(D(0), D(0), D(0))
    state.inflow(D(3), D("1.00"))
    state.inflow(D(3), D("1.01"))  # average 1.005
    state.outflow(D(1))
    state.outflow(D(1))
    cost, value = state.outflow(D(4))
    assert state.quantity == 0 and state.value == 0
    assert value == D("-4.0200")


def test_receipt_without_cost_uses_the_average():
    state = CostState(D(10), D(25), D("2.5"))
    assert state.inflow(D(2), None) == (D("2.5"), D("5.0000"))


def _row(location_id, batch_id, best_before, quantity, batch_no=None, location_code=None):
    return StockRow(
        location_id=location_id,
        location_code=location_code or f"L{location_id}",
        batch_id=batch_id,
        batch_no=batch_no if batch_no is not None else (f"B{batch_id}" if batch_id else None),
        best_before=best_before,
        quantity=D(quantity),
    )


STOCK = [
    _row(1, None, None, "5"),  # no batch: last
    _row(2, 20, date(2027, 3, 1), "10"),
    _row(1, 10, date(2026, 12, 1), "4"),
    _row(3, 10, date(2026, 12, 1), "6"),
]


def _taken(allocations):
    return [(a.row.location_id, a.row.batch_id, a.quantity) for a in allocations]


def test_allocation_takes_the_earliest_expiry_first_and_splits_across_rows():
    allocations, shortage = allocate_fefo(STOCK, D("12"))
    assert _taken(allocations) == [(1, 10, D(4)), (3, 10, D(6)), (2, 20, D(2))]
    assert shortage == 0


def test_allocation_reports_the_shortage_when_stock_is_not_enough():
    allocations, shortage = allocate_fefo(STOCK, D("30"))
    assert sum(a.quantity for a in allocations) == D(25)
    assert shortage == D(5)
    assert _taken(allocations)[-1] == (1, None, D(5))  # stock without a batch comes last


def test_allocation_keeps_to_a_given_batch_or_location():
    assert _taken(allocate_fefo(STOCK, D("7"), batch_id=20)[0]) == [(2, 20, D(7))]
    allocations, shortage = allocate_fefo(STOCK, D("5"), location_id=1)
    assert _taken(allocations) == [(1, 10, D(4)), (1, None, D(1))] and shortage == 0
    assert allocate_fefo(STOCK, D("1"), batch_id=99) == ([], D(1))


def test_later_requests_get_what_earlier_ones_left():
    stock = FefoStock(STOCK)
    first, _ = stock.take(D("5"))
    second, shortage = stock.take(D("6"), batch_id=10)
    assert _taken(first) == [(1, 10, D(4)), (3, 10, D(1))]
    assert _taken(second) == [(3, 10, D(5))] and shortage == D(1)


def test_nothing_requested_allocates_nothing():
    assert allocate_fefo(STOCK, D(0)) == ([], D(0))
