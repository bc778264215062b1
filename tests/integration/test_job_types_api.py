"""The domain job types at submit time (no worker): roles, parameters and uploads are checked
before anything is stored or queued."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from landkontor.jobs.models import Job
from tests.helpers import assert_problem


def _jobs(session) -> int:
    try:
        return session.scalar(select(func.count()).select_from(Job))
    finally:
        session.rollback()


def _upload(client, headers, kind: str, content: bytes, name: str = "data.csv"):
    return client.post(
        "/api/v1/imports",
        files={"file": (name, io.BytesIO(content), "text/csv")},
        data={"type": kind},
        headers=headers,
    )


def test_imports_and_the_stock_verify_need_a_manager(client, clerk, session):
    partners = b"customer_no;name\nK-1;Hof\n"
    assert_problem(_upload(client, clerk, "partners", partners), 403, "forbidden")
    opening = b"item_no;warehouse;location;quantity;unit_cost\nA;W;L;1;1\n"
    assert_problem(_upload(client, clerk, "opening-stock", opening), 403, "forbidden")
    response = client.post("/api/v1/jobs", json={"type": "maintenance.verify-stock"}, headers=clerk)
    body = assert_problem(response, 403, "forbidden")
    assert body["required_role"] == "manager"
    assert _jobs(session) == 0


def test_an_opening_stock_file_with_wrong_columns_is_refused_at_upload(client, manager, session):
    response = _upload(client, manager, "opening-stock", b"item_no;lager;menge\nA;W;1\n")
    body = assert_problem(response, 422, field="file")
    for column in ("warehouse", "location", "quantity", "unit_cost", "lager", "menge"):
        assert column in body["detail"]
    assert _jobs(session) == 0


PERIOD_BACKWARDS = {"posted_from": "2026-02-01T00:00:00Z", "posted_to": "2026-01-01T00:00:00Z"}
# (shortcut, type, params, the field named in the 422)
BAD_PARAMETERS = [
    ("reports", "batch-trace", {}, "params.batch_id"),
    ("reports", "batch-trace", {"batch_id": 1}, "params.batch_id"),  # no such batch
    ("reports", "batch-trace", {"batch_id": 1, "depth": 0}, "params.depth"),
    ("reports", "stock-valuation", {"as_of": "gestern"}, "params.as_of"),
    ("reports", "stock-levels", {}, "type"),  # an export, not a report
    ("optimizations", "material-shortages", {"statuses": ["completed"]}, None),
    ("optimizations", "reorder-proposals", {"x": 1}, "params.x"),
    ("exports", "stock-levels", {"location_id": 42}, "params.location_id"),  # no such location
    ("exports", "ledger", {"format": "pdf"}, "params.format"),
    ("exports", "ledger", {"movement_type": "theft"}, "params.movement_type"),
    ("exports", "ledger", PERIOD_BACKWARDS, "params"),
]


def test_bad_parameters_are_422_before_queueing(client, clerk, viewer, session):
    for shortcut, kind, params, field in BAD_PARAMETERS:
        body = {"type": kind, "params": params}
        response = client.post(f"/api/v1/{shortcut}", json=body, headers=clerk)
        assert_problem(response, 422, field=field)
    response = client.post("/api/v1/exports", json={"type": "stock-levels"}, headers=viewer)
    assert_problem(response, 403)
    assert _jobs(session) == 0


def test_the_new_types_are_listed_with_their_parameters(client, viewer):
    types = {t["name"]: t for t in client.get("/api/v1/jobs/types", headers=viewer).json()}
    trace = types["report.batch-trace"]
    assert trace["queue"] == "reports" and trace["role"] == "clerk"
    assert trace["params_schema"]["required"] == ["batch_id"]
    assert types["import.opening-stock"]["input_file"] and types["import.partners"]["input_file"]
    assert types["maintenance.verify-stock"]["role"] == "manager"
    ledger = types["export.ledger"]["params_schema"]["properties"]
    assert {"item_id", "warehouse_id", "location_id", "posted_from", "posted_to"} <= set(ledger)
