"""The per-line decision of a posting as a plain function: no database."""

from datetime import date
from decimal import Decimal as D
from types import SimpleNamespace

import pytest

from landkontor.catalog.service import Converted
from landkontor.errors import InvalidInput, InvalidState
from landkontor.inventory.errors import BatchNotUsable, LocationNotLeaf, LocationNotUsable
from landkontor.inventory.models import Batch, BatchStatus, MovementType
from landkontor.inventory.posting_checks import LocationInfo, check_quantity, line_deltas
from landkontor.inventory.posting_types import ItemInfo, PostingLine, Valuation

TODAY = date(2026, 11, 28)
FEED = ItemInfo(1, "MF-100", batch_managed=True, active=True, allow_negative_stock=False, unit="kg")
SALT = ItemInfo(2, "SALZ", batch_managed=False, active=True, allow_negative_stock=False, unit="kg")


def _location(id_: int, *, leaf: bool = True, counting: bool = False, blocked: bool = False):
    row = SimpleNamespace(id=id_, code=f"L{id_}", blocked=blocked, allow_negative_stock=False)
    return LocationInfo(row, is_leaf=leaf, counting=counting)


LOCATIONS = {
    10: _location(10),
    11: _location(11),
    12: _location(12, leaf=False),
    13: _location(13, blocked=True),
    14: _location(14, counting=True),
}
RELEASED = Batch(id=7, item_id=1, batch_no="C1", status=BatchStatus.released, best_before=None)
EXPIRED = Batch(
    id=8, item_id=1, batch_no="C2", status=BatchStatus.released, best_before=date(2026, 1, 1)
)
RECALLED = Batch(id=9, item_id=1, batch_no="C3", status=BatchStatus.recalled, best_before=None)
BATCHES = {b.id: b for b in (RELEASED, EXPIRED, RECALLED)}


def _deltas(movement_type, item=FEED, *, stocktake=False, entered_in="kg", base=None, **line):
    line.setdefault("item_id", item.id)
    line.setdefault("location_id", 10)
    line.setdefault("quantity", D(5))
    posting_line = PostingLine(**line)
    quantity = base if base is not None else abs(posting_line.quantity)
    return line_deltas(
        movement_type,
        posting_line,
        0,
        item,
        Converted(quantity, entered_in),
        LOCATIONS,
        BATCHES,
        today=TODAY,
        stocktake=stocktake,
    )


def test_a_receipt_adds_stock_at_its_cost_per_base_unit():
    # 2 sacks of 25 kg at 30 € each: 50 kg at 1.20 €/kg
    (delta,) = _deltas(
        MovementType.receipt, quantity=D(2), base=D(50), entered_in="Sack", unit_cost=D(30),
        batch_id=7,
    )  # fmt: skip
    assert (delta.quantity, delta.entered_quantity, delta.entered_unit) == (D(50), D(2), "Sack")
    assert delta.valuation is Valuation.inflow and delta.unit_cost == D("1.2")
    assert delta.batch is RELEASED


def test_an_issue_takes_stock_at_the_moving_average():
    (delta,) = _deltas(MovementType.issue, batch_id=7)
    assert delta.quantity == D(-5) and delta.entered_quantity == D(-5)
    assert delta.valuation is Valuation.outflow and delta.unit_cost is None


def test_an_adjustment_sign_says_the_direction():
    (down,) = _deltas(MovementType.adjustment, SALT, quantity=D(-3))
    (up,) = _deltas(MovementType.adjustment, SALT, quantity=D(3))
    assert (down.quantity, down.valuation) == (D(-3), Valuation.outflow)
    assert (up.quantity, up.valuation) == (D(3), Valuation.inflow)


def test_a_transfer_is_an_outgoing_and_an_incoming_half_valued_together():
    out, into = _deltas(MovementType.transfer, batch_id=7, to_location_id=11)
    assert (out.location.id, out.quantity, into.location.id, into.quantity) == (10, -5, 11, 5)
    assert out.valuation is into.valuation is Valuation.fixed
    assert out.pair is into


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ({}, "lines[0].to_location_id"),
        ({"to_location_id": 10}, "lines[0].to_location_id"),
        ({"to_location_id": 99}, "lines[0].to_location_id"),
    ],
)
def test_a_transfer_needs_another_existing_location(line, field):
    with pytest.raises(InvalidInput) as err:
        _deltas(MovementType.transfer, SALT, **line)
    assert err.value.errors[0]["field"] == field


def test_to_location_is_only_for_transfers():
    with pytest.raises(InvalidInput, match="only for transfers"):
        _deltas(MovementType.receipt, SALT, to_location_id=11)


def test_batch_managed_items_need_their_own_batch_and_others_none():
    with pytest.raises(InvalidInput, match="needs a batch"):
        _deltas(MovementType.receipt)
    with pytest.raises(InvalidInput, match="not batch-managed"):
        _deltas(MovementType.receipt, SALT, batch_id=7)
    with pytest.raises(InvalidInput, match="batch 99 does not exist"):
        _deltas(MovementType.receipt, batch_id=99)
    other = ItemInfo(3, "MF-200", True, True, False, "kg")
    with pytest.raises(InvalidInput, match="belongs to another item"):
        _deltas(MovementType.receipt, other, batch_id=7)


def test_expired_batches_cannot_be_issued_but_moved():
    with pytest.raises(BatchNotUsable) as err:
        _deltas(MovementType.issue, batch_id=8)
    assert err.value.errors[0]["field"] == "lines[0].batch_id"
    assert _deltas(MovementType.transfer, batch_id=8, to_location_id=11)


def test_recalled_batch_takes_no_new_stock():
    with pytest.raises(BatchNotUsable, match="takes no new stock"):
        _deltas(MovementType.receipt, batch_id=9)


def test_only_leaf_locations_take_stock():
    with pytest.raises(LocationNotLeaf):
        _deltas(MovementType.receipt, SALT, location_id=12)


def test_blocked_location_refuses_receipts_and_issues_but_not_transfers():
    with pytest.raises(LocationNotUsable, match="blocked"):
        _deltas(MovementType.receipt, SALT, location_id=13)
    with pytest.raises(LocationNotUsable, match="blocked"):
        _deltas(MovementType.issue, SALT, location_id=13)
    assert _deltas(MovementType.transfer, SALT, location_id=13, to_location_id=11)


def test_a_location_under_count_takes_only_the_stocktakes_postings():
    with pytest.raises(LocationNotUsable, match="being counted"):
        _deltas(MovementType.adjustment, SALT, location_id=14)
    (delta,) = _deltas(MovementType.adjustment, SALT, location_id=14, stocktake=True)
    assert delta.location.id == 14


def test_unit_cost_is_only_for_stock_coming_in():
    with pytest.raises(InvalidInput) as err:
        _deltas(MovementType.issue, SALT, unit_cost=D(1))
    assert err.value.errors[0]["field"] == "lines[0].unit_cost"


def test_an_inactive_item_takes_no_new_stock():
    inactive = ItemInfo(2, "SALZ", False, False, False, "kg")
    with pytest.raises(InvalidState, match="inactive"):
        _deltas(MovementType.receipt, inactive)
    assert _deltas(MovementType.issue, inactive)


def test_a_quantity_that_is_zero_in_the_base_unit_is_refused():
    with pytest.raises(InvalidInput, match="zero in the base unit"):
        _deltas(MovementType.receipt, SALT, base=D(0))


@pytest.mark.parametrize(
    ("movement_type", "quantity", "message"),
    [
        (MovementType.receipt, D(0), "must be positive"),
        (MovementType.issue, D(-1), "must be positive"),
        (MovementType.adjustment, D(0), "must not be zero"),
        (MovementType.receipt, D("0.00001"), "decimal places"),
    ],
)
def test_quantity_as_entered(movement_type, quantity, message):
    with pytest.raises(InvalidInput, match=message) as err:
        check_quantity(movement_type, quantity, "lines[0].quantity")
    assert err.value.errors[0]["field"] == "lines[0].quantity"
    check_quantity(MovementType.adjustment, D(-1), "lines[0].quantity")
