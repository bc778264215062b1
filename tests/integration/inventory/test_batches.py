"""Batches: registration, best-before default, status changes with history."""

from datetime import date, timedelta

from tests.helpers import assert_problem


def test_batch_defaults_best_before_from_shelf_life(stock):
    item = stock.item(batch_managed=True, shelf_life_days=30)
    batch = stock.batch(item["id"], batch_no="24-001", production_date="2026-01-10")
    assert batch["best_before"] == "2026-02-09"
    assert batch["status"] == "released" and batch["origin"] == "manual"


def test_batch_number_is_unique_per_item(stock):
    item, other = stock.item(batch_managed=True), stock.item(batch_managed=True)
    stock.batch(item["id"], batch_no="X1")
    stock.batch(other["id"], batch_no="X1")
    response = stock.client.post(
        "/api/v1/batches", json={"item_id": item["id"], "batch_no": "X1"}, headers=stock.headers
    )
    assert_problem(response, 409, "already-exists", "batch_no")


def test_batches_only_for_batch_managed_items(stock):
    item = stock.item()
    response = stock.client.post(
        "/api/v1/batches", json={"item_id": item["id"], "batch_no": "X"}, headers=stock.headers
    )
    assert_problem(response, 422, field="batch_no")


def test_status_changes_are_recorded_and_recall_is_final(stock):
    item = stock.item(batch_managed=True)
    batch = stock.batch(item["id"])
    url = f"/api/v1/batches/{batch['id']}"
    for status, reason in [
        ("blocked", "Laborprobe"),
        ("released", "Befund negativ"),
        ("recalled", "Rückruf Lieferant"),
    ]:
        response = stock.client.post(
            f"{url}/status", json={"status": status, "reason": reason}, headers=stock.headers
        )
        assert response.status_code == 200, response.text
    history = stock.client.get(f"{url}/status-history", headers=stock.headers).json()
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("released", "blocked"),
        ("blocked", "released"),
        ("released", "recalled"),
    ]
    assert history[0]["changed_by"] == "manager-user" and history[0]["reason"] == "Laborprobe"
    undo = stock.client.post(
        f"{url}/status", json={"status": "released", "reason": "Versehen"}, headers=stock.headers
    )
    assert_problem(undo, 409, "invalid-state")


def test_status_change_needs_manager_and_reason(stock, clerk):
    item = stock.item(batch_managed=True)
    batch = stock.batch(item["id"])
    url = f"/api/v1/batches/{batch['id']}/status"
    assert_problem(
        stock.client.post(url, json={"status": "blocked", "reason": "xx"}, headers=stock.headers),
        422,
        field="reason",
    )
    assert_problem(
        stock.client.post(url, json={"status": "blocked", "reason": "Verdacht"}, headers=clerk), 403
    )


def test_expired_filter(stock):
    item = stock.item(batch_managed=True)
    stock.batch(
        item["id"], batch_no="OLD", best_before=(date.today() - timedelta(days=3)).isoformat()
    )
    stock.batch(
        item["id"], batch_no="NEW", best_before=(date.today() + timedelta(days=3)).isoformat()
    )
    page = stock.client.get(
        "/api/v1/batches", params={"item_id": item["id"], "expired": "true"}, headers=stock.headers
    ).json()
    assert [b["batch_no"] for b in page["items"]] == ["OLD"]
    assert page["items"][0]["expired"] is True
