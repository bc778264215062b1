"""Weighing, sampling and taking grain into silo cells through HTTP: ticket numbers, the
terminal push, settlement weight, refusals, silo batches and genealogy, corrections, and
bad input that changes nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from landkontor.grain.models import Ticket
from landkontor.inventory import genealogy
from landkontor.inventory.verify import verify_stock
from tests.grain_support import Harvest, weighing
from tests.helpers import assert_problem


@pytest.fixture
def harvest(stock, trade):
    return Harvest(stock, trade)


def test_a_load_is_weighed_sampled_and_taken_in_as_the_farmers_lot(harvest, session):
    farmer = harvest.farmer()
    ticket = harvest.ticket(farmer, 40000, 15000)
    assert ticket["ticket_no"] == f"WS-NORD-{date.today().year}-000001"
    assert ticket["status"] == "weighed" and D(ticket["net_kg"]) == 25000
    assert ticket["gross"]["manual"] and D(ticket["tare"]["weight_kg"]) == 15000
    harvest.analyse(ticket, "16.5", "3.0", protein="13.4", falling_number=280)
    done = harvest.take_in(ticket, harvest.cells[0])
    # 25 000 - 584.7953 (drying) - 250 (foreign matter) - 125 (handling) = 24 040.2047
    assert done["status"] == "taken_in"
    assert (D(done["drying_shrink_kg"]), D(done["foreign_matter_kg"])) == (D("584.7953"), 250)
    assert D(done["handling_loss_kg"]) == 125 and D(done["settlement_kg"]) == 24040
    assert done["quality_class"] == "B"  # no hectolitre weight: A not confirmed
    assert (D(done["drying_cost"]), D(done["cleaning_cost"])) == (D("75.00"), D("50.00"))
    # The lot went into the cell's running silo batch: all stock is the silo batch's.
    assert D(harvest.level(harvest.cells[0], done["silo_batch_id"])) == 24040
    assert D(harvest.level(harvest.cells[0], done["lot_batch_id"])) == 0
    lot = harvest.get(f"/batches/{done['lot_batch_id']}")
    assert lot["batch_no"] == ticket["ticket_no"] and lot["supplier_id"] == farmer["id"]
    parents = genealogy.trace(session, done["silo_batch_id"], genealogy.Direction.backward)
    assert [p.batch_id for p in parents] == [done["lot_batch_id"]]
    # Received at the day price (no contract): 200 EUR/t = 0.20 EUR/kg.
    ledger = harvest.get("/stock/ledger", batch_id=done["lot_batch_id"])["items"]
    receipt = next(line for line in ledger if D(line["quantity"]) > 0)
    assert D(receipt["unit_cost"]) == D("0.2") and D(receipt["value"]) == D("4808")
    assert verify_stock(session) == []


def test_second_load_joins_the_running_silo_batch_and_an_emptied_cell_starts_a_new_one(
    harvest,
):
    farmer = harvest.farmer()
    cell = harvest.cells[0]
    first = harvest.load(farmer, cell)
    second = harvest.load(farmer, cell)
    assert first["silo_batch_id"] == second["silo_batch_id"]
    assert D(harvest.level(cell, first["silo_batch_id"])) == 2 * 24040
    harvest.stock.issue(harvest.wheat["id"], cell["id"], 48080, batch_id=first["silo_batch_id"])
    third = harvest.load(farmer, cell)
    assert third["silo_batch_id"] != first["silo_batch_id"]
    silos = {row["location_id"]: row for row in harvest.get("/grain/reports/silos")}
    assert silos[cell["id"]]["silo_batch_id"] == third["silo_batch_id"]
    assert [lot["lot_batch_id"] for lot in silos[cell["id"]]["lots"]] == [third["lot_batch_id"]]


def test_terminal_pushes_are_idempotent_by_the_scale_record_number(harvest):
    farmer = harvest.farmer()
    ticket = harvest.ticket(farmer, gross=None, tare=None)
    assert ticket["status"] == "open"
    url = f"/grain/weighbridges/{harvest.bridge['id']}/weighings"
    gross = {"ticket_id": ticket["id"], **weighing(31000)}
    first = harvest.call("POST", url, gross)
    assert first.status_code == 201 and first.json()["gross"]["record_no"] == gross["record_no"]
    again = harvest.call("POST", url, gross)
    assert again.status_code == 200 and again.json()["gross"]["id"] == first.json()["gross"]["id"]
    changed = harvest.call("POST", url, {**gross, "weight_kg": "31500"})
    assert_problem(changed, 409, "weighing-conflict")
    tare = harvest.call("POST", url, {"ticket_id": ticket["id"], **weighing(12000, 15)})
    assert tare.status_code == 201, tare.text
    assert tare.json()["status"] == "weighed" and D(tare.json()["net_kg"]) == 19000
    third = harvest.call("POST", url, {"ticket_id": ticket["id"], **weighing(12000, 30)})
    assert_problem(third, 409, "ticket-not-ready")


def test_bad_input_gets_a_problem_and_changes_nothing(harvest):
    farmer = harvest.farmer()
    base = {
        "weighbridge_id": harvest.bridge["id"],
        "supplier_id": farmer["id"],
        "item_id": harvest.wheat["id"],
        "vehicle_plate": "CE-X 1",
    }
    cases = [
        ({**base, "gross": weighing(15000), "tare": weighing(16000)}, 422, "tare.weight_kg"),
        ({**base, "supplier_id": 987654}, 422, "supplier_id"),
        ({**base, "item_id": 987654}, 422, "item_id"),
        ({**base, "weighbridge_id": 2**63}, 422, "weighbridge_id"),
        ({**base, "vehicle_plate": "X" * 21}, 422, "vehicle_plate"),
        ({**base, "driver": "a\x00b"}, 422, "driver"),
        ({**base, "gross": {**weighing(-5)}}, 422, "gross.weight_kg"),
    ]
    for body, status, field in cases:
        assert_problem(harvest.call("POST", "/grain/tickets", body), status, field=field)
    assert harvest.get("/grain/tickets")["total"] == 0
    ticket = harvest.ticket(farmer)
    assert ticket["ticket_no"].endswith("-000001")  # no number was used up
    for moisture in ("101", "-1"):
        response = harvest.call(
            "POST",
            f"/grain/tickets/{ticket['id']}/analyses",
            {"moisture": moisture, "foreign_matter": "1"},
        )
        assert_problem(response, 422, field="moisture")
    url = f"/grain/tickets/{ticket['id']}/intake"
    no_sample = harvest.call("POST", url, {"location_id": harvest.cells[0]["id"]})
    assert_problem(no_sample, 409, "ticket-not-ready")
    harvest.analyse(ticket)
    assert_problem(harvest.call("POST", url, {"location_id": 987654}), 422, field="location_id")
    not_silo = harvest.call("POST", url, {"location_id": harvest.bin["id"]})
    assert_problem(not_silo, 422, field="location_id")
    after = harvest.get(f"/grain/tickets/{ticket['id']}")
    assert after["status"] == "weighed" and after["settlement_kg"] is None
    assert harvest.stock.levels(item_id=harvest.wheat["id"]) == []
    tare_push = harvest.call(
        "POST",
        f"/grain/weighbridges/{harvest.bridge['id']}/weighings",
        {"ticket_id": harvest.ticket(farmer, tare=None)["id"], **weighing(50000)},
    )
    assert_problem(tare_push, 422, field="body.weight_kg")


def test_load_above_the_rejection_limit_is_refused_and_nothing_is_posted(harvest):
    farmer = harvest.farmer()
    ticket = harvest.ticket(farmer)
    harvest.analyse(ticket, moisture="21.5", foreign="1")
    refused = harvest.take_in(ticket, harvest.cells[0])
    assert refused["status"] == "refused"
    assert "moisture 21.5 % above 20" in refused["refused_reason"]
    assert refused["lot_batch_id"] is None
    assert harvest.stock.levels(item_id=harvest.wheat["id"]) == []
    again = harvest.call(
        "POST", f"/grain/tickets/{ticket['id']}/intake", {"location_id": harvest.cells[0]["id"]}
    )
    assert_problem(again, 409, "ticket-not-ready")


def test_load_above_the_limit_is_booked_as_feed_grade_when_configured(harvest, trade):
    barley = harvest.stock.item(item_no="GERSTE", batch_managed=True, vat_category="reduced")
    terms = {
        "item_id": barley["id"],
        "season": 2026,
        "valid_from": "2020-01-01",
        "base_moisture": "14.5",
        "base_foreign_matter": "2",
        "handling_loss_percent": "0",
        "reject_foreign_matter_above": "6",
        "reject_action": "feed_grade",
        "feed_grade_discount_per_t": "15",
    }
    harvest.post_manager("/grain/quality-terms", terms)
    price = {"warehouse_id": harvest.site["id"], "item_id": barley["id"], "price_per_t": "180"}
    harvest.post_manager("/grain/day-prices", {**price, "valid_on": "2020-01-01"})
    farmer = harvest.farmer()
    ticket = harvest.ticket(farmer, item_id=barley["id"])
    harvest.analyse(ticket, moisture="14", foreign="7")
    done = harvest.take_in(ticket, harvest.cells[1])
    assert done["status"] == "taken_in" and done["feed_grade"]
    assert done["quality_class"] == "feed" and D(done["quality_premium_per_t"]) == -15
    # 25 000 - 5 % foreign matter above base = 23 750 kg
    assert D(done["settlement_kg"]) == 23750


def test_a_second_analysis_replaces_the_first_only_with_a_reason(harvest):
    farmer = harvest.farmer()
    ticket = harvest.ticket(farmer)
    first = harvest.analyse(ticket, "18")
    no_reason = harvest.call(
        "POST", f"/grain/tickets/{ticket['id']}/analyses", {"moisture": "15", "foreign_matter": "2"}
    )
    assert_problem(no_reason, 422, field="reason")
    second = harvest.analyse(ticket, "15.5", "2", reason="Schiedsprobe")
    assert second["replaces_id"] == first["id"]
    done = harvest.take_in(ticket, harvest.cells[0])
    assert D(done["drying_shrink_kg"]) == D("292.3977")  # 25 000 * 1 / 85.5
    assert [a["id"] for a in done["analyses"]] == [first["id"], second["id"]]
    late = harvest.call(
        "POST",
        f"/grain/tickets/{ticket['id']}/analyses",
        {"moisture": "15", "foreign_matter": "2", "reason": "zu spät"},
    )
    assert_problem(late, 409, "ticket-not-ready")


def test_a_correction_is_a_new_linked_ticket_and_reverses_the_intake(harvest, session):
    wrong, right = harvest.farmer(name="Hof Falsch"), harvest.farmer(name="Hof Richtig")
    cell = harvest.cells[0]
    taken = harvest.load(wrong, cell)
    as_clerk = harvest.call(
        "POST", f"/grain/tickets/{taken['id']}/correction", {"reason": "falscher Landwirt"}
    )
    assert_problem(as_clerk, 403)
    corrected = harvest.trade.post(
        f"/grain/tickets/{taken['id']}/correction",
        {"reason": "falscher Landwirt", "supplier_id": right["id"]},
        as_="manager",
    )
    assert corrected["corrects_ticket_id"] == taken["id"]
    assert corrected["supplier_id"] == right["id"] and corrected["status"] == "weighed"
    assert corrected["gross"]["id"] == taken["gross"]["id"]  # the same calibrated weighing
    assert corrected["analysis"]["moisture"] == taken["analysis"]["moisture"]
    old = harvest.get(f"/grain/tickets/{taken['id']}")
    assert old["status"] == "cancelled"
    assert D(harvest.level(cell, taken["silo_batch_id"])) == 0
    assert genealogy.trace(session, taken["silo_batch_id"], genealogy.Direction.backward) == []
    retaken = harvest.take_in(corrected, cell)
    assert D(retaken["settlement_kg"]) == 24040
    assert verify_stock(session) == []


def test_weighings_and_net_weight_are_fixed_in_the_database(harvest, db):
    farmer = harvest.farmer()
    ticket = harvest.ticket(farmer)
    with db.engine.connect() as connection:
        with pytest.raises(DBAPIError):
            connection.execute(
                text("UPDATE grain_tickets SET net_kg = 1 WHERE id = :id"), {"id": ticket["id"]}
            )
        connection.rollback()
        with pytest.raises(DBAPIError):
            connection.execute(
                text("UPDATE grain_weighings SET weight_kg = 1 WHERE id = :id"),
                {"id": ticket["gross"]["id"]},
            )
        connection.rollback()
    with db.session() as s:
        stored = s.scalar(select(Ticket).where(Ticket.id == ticket["id"]))
        assert stored.net_kg == 25000


def test_ids_out_of_range_and_unknown_farmers_are_clear_problems(harvest):
    assert_problem(harvest.call("GET", f"/grain/tickets/{2**63}"), 422, field="ticket_id")
    assert_problem(harvest.call("GET", "/grain/tickets/987654"), 404)
    assert_problem(harvest.call("GET", "/grain/farmers/987654"), 404)
    too_big = harvest.call("GET", f"/grain/batches/{2**63}/farmers")
    assert_problem(too_big, 422, field="batch_id")
