"""Every input the issue found answered with a 500 now gets a 4xx problem naming the field,
and writes nothing: ids beyond BIGINT, NUL bytes, numbers beyond their column, strings longer
than their column, a zone as production output, location 0. Behind the bounds, a value the
database still refuses is a 422, and its log names the kind of error, never the values."""

from __future__ import annotations

import logging

import pytest
from fastapi import Request
from sqlalchemy import text

from tests.helpers import assert_problem, requires_postgres

BIG = 9223372036854775808  # 2^63: one more than the largest BIGINT
HUGE_NEGATIVE = -21368475725654147280666624
TABLES = [
    "items",
    "units",
    "warehouses",
    "locations",
    "batches",
    "stock_movements",
    "stock_ledger",
    "purchase_orders",
    "purchase_order_lines",
    "production_orders",
    "users",
    "document_counters",
]


def counts(db):
    with db.engine.connect() as connection:
        return {t: connection.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


@pytest.fixture
def world(stock, trade):
    """A warehouse with a zone (a location with a sub-location), a bin, an item with a recipe,
    a supplier and a planned production order."""
    wh = stock.warehouse(code="HAUPT")
    zone = stock.location(wh["id"], code="ZONE", kind="zone")
    stock.location(wh["id"], code="Z1", parent_id=zone["id"])
    bin_ = stock.location(wh["id"], code="OUT")
    grain = stock.item(item_no="WEIZEN")
    feed = stock.item(item_no="MF18")
    stock.recipe(feed["id"], {"item_id": grain["id"], "quantity": 1000})
    order = stock.production_order(feed["id"], 100, wh["id"])
    supplier = trade.supplier()
    return {
        "wh": wh["id"],
        "zone": zone["id"],
        "bin": bin_["id"],
        "grain": grain["id"],
        "feed": feed["id"],
        "order": order["id"],
        "supplier": supplier["id"],
    }


def receipt(w, **line):
    body_line = {"item_id": w["grain"], "location_id": w["bin"], "quantity": "1", **line}
    return {"type": "receipt", "lines": [body_line]}


def item(**fields):
    return {"item_no": "NEU-1", "name": "Neu", "base_unit": "kg", **fields}


def production_order(w, **fields):
    body = {"item_id": w["feed"], "quantity": 10, "warehouse_id": w["wh"]}
    return {**body, **fields}


# (name, method, path, body, status, code, field); paths and bodies see the world `w`.
CASES = [
    ("path id beyond bigint", "GET", lambda w: f"/items/{BIG}", None, 422, None, "item_id"),
    ("path id zero", "GET", lambda w: "/items/0", None, 422, None, "item_id"),
    ("offset 5e28", "GET", lambda w: "/items?offset=5.0e28", None, 422, None, "offset"),
    ("offset beyond bigint", "GET", lambda w: f"/items?offset={BIG}", None, 422, None, "offset"),
    (
        "query id beyond bigint",
        "GET",
        lambda w: f"/stock/levels?item_id={BIG}",
        None,
        422,
        None,
        "item_id",
    ),
    ("NUL in a search", "GET", lambda w: "/items?q=a%00b", None, 422, None, "q"),
    (
        "huge negative supplier",
        "POST",
        lambda w: "/purchase-orders",
        lambda w: {"supplier_id": HUGE_NEGATIVE},
        422,
        None,
        "supplier_id",
    ),
    (
        "movement item beyond bigint",
        "POST",
        lambda w: "/stock/movements",
        lambda w: receipt(w, item_id=BIG),
        422,
        None,
        "lines[0].item_id",
    ),
    (
        "NUL in a reference",
        "POST",
        lambda w: "/stock/movements",
        lambda w: {**receipt(w), "reference": "a\u0000b"},
        422,
        None,
        "reference",
    ),
    (
        "NUL in a batch number",
        "POST",
        lambda w: "/stock/movements",
        lambda w: receipt(w, batch={"batch_no": "a\u0000b"}),
        422,
        None,
        "lines[0].batch.batch_no",
    ),
    (
        "unit cost 1e30",
        "POST",
        lambda w: "/stock/movements",
        lambda w: receipt(w, unit_cost=1e30),
        422,
        None,
        "lines[0].unit_cost",
    ),
    (
        "unit cost '1e308'",
        "POST",
        lambda w: "/stock/movements",
        lambda w: receipt(w, unit_cost="1e308"),
        422,
        None,
        "lines[0].unit_cost",
    ),
    (
        "quantity beyond the column",
        "POST",
        lambda w: "/stock/movements",
        lambda w: receipt(w, quantity="1000000000000000"),
        422,
        None,
        "lines[0].quantity",
    ),
    (
        "conversion cost 1e30",
        "POST",
        lambda w: "/production-orders",
        lambda w: production_order(w, conversion_cost=1e30),
        422,
        None,
        "conversion_cost",
    ),
    (
        "reorder point 1e30",
        "POST",
        lambda w: "/items",
        lambda w: item(reorder_point=1e30),
        422,
        None,
        "reorder_point",
    ),
    (
        "reorder quantity 1e30",
        "POST",
        lambda w: "/items",
        lambda w: item(reorder_quantity=1e30),
        422,
        None,
        "reorder_quantity",
    ),
    (
        "location capacity 1e30",
        "POST",
        lambda w: "/locations",
        lambda w: {"warehouse_id": w["wh"], "code": "C", "name": "C", "capacity": 1e30},
        422,
        None,
        "capacity",
    ),
    (
        "unit factor 1e30",
        "POST",
        lambda w: "/units",
        lambda w: {"code": "t2", "name": "T", "dimension": "mass", "factor": 1e30},
        422,
        None,
        "factor",
    ),
    (
        "unit factor 6.7e307",
        "POST",
        lambda w: "/units",
        lambda w: {"code": "t2", "name": "T", "dimension": "mass", "factor": 6.7e307},
        422,
        None,
        "factor",
    ),
    (
        "warehouse code of 33",
        "POST",
        lambda w: "/warehouses",
        lambda w: {"code": "W" * 33, "name": "Lager"},
        422,
        None,
        "code",
    ),
    (
        "unit name of 101",
        "POST",
        lambda w: "/units",
        lambda w: {"code": "t2", "name": "N" * 101, "dimension": "mass", "factor": 1},
        422,
        None,
        "name",
    ),
    (
        "NUL in a user's name",
        "POST",
        lambda w: "/users",
        lambda w: {"username": "neu", "password": "long-password", "full_name": "a\u0000b"},
        422,
        None,
        "full_name",
    ),
    (
        "zone as output location",
        "POST",
        lambda w: "/production-orders",
        lambda w: production_order(w, output_location_id=w["zone"]),
        422,
        "location-not-leaf",
        "output_location_id",
    ),
    (
        "output to location 0",
        "POST",
        lambda w: f"/production-orders/{w['order']}/outputs",
        lambda w: {"quantity": 1, "location_id": 0},
        422,
        None,
        "location_id",
    ),
    ("job id of 37 characters", "GET", lambda w: f"/jobs/{'a' * 37}", None, 422, None, "job_id"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "field"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_out_of_bounds_input_is_a_4xx_problem_and_writes_nothing(
    client, admin, world, db, method, path, body, status, code, field
):
    before = counts(db)
    response = client.request(
        method,
        "/api/v1" + path(world),
        json=body(world) if body else None,
        headers=admin,
    )
    problem = assert_problem(response, status, code, field)
    if code is None:  # a validation error's detail lists the fields
        assert field in problem["detail"]
    assert counts(db) == before


def test_a_zone_is_refused_at_creation_not_at_output(client, admin, world):
    """The order is never created, so it cannot fail later when the output is posted."""
    response = client.post(
        "/api/v1/production-orders",
        json=production_order(world, output_location_id=world["zone"]),
        headers=admin,
    )
    problem = assert_problem(response, 422, "location-not-leaf", "output_location_id")
    assert "ZONE" in problem["detail"]
    listed = client.get("/api/v1/production-orders", headers=admin).json()
    assert [o["id"] for o in listed["items"]] == [world["order"]]


def test_the_bounds_are_in_the_openapi_schema(client):
    spec = client.get("/openapi.json").json()
    item = spec["paths"]["/api/v1/items/{item_id}"]["get"]["parameters"][0]["schema"]
    assert item["minimum"] == 1 and item["maximum"] == 2**63 - 1
    warehouse = spec["components"]["schemas"]["WarehouseCreate"]["properties"]["code"]
    assert warehouse["maxLength"] == 32 and warehouse["pattern"]
    reference = spec["components"]["schemas"]["MovementIn"]["properties"]["reference"]
    assert reference["maxLength"] == 100 and "\\x00" in reference["pattern"]
    factor = spec["components"]["schemas"]["UnitCreate"]["properties"]["factor"]["anyOf"][0]
    assert factor["maximum"] == pytest.approx(1e15)


# --- behind the bounds: what the database still refuses ---------------------------------


@requires_postgres
def test_a_computed_overflow_is_a_422_and_writes_nothing(client, admin, world, db, caplog):
    """Each value fits its column; their product (the line's net amount) does not."""
    before = counts(db)
    line = {"item_id": world["grain"], "quantity": "10000000000000", "unit_price": "9999999"}
    with caplog.at_level(logging.INFO):
        response = client.post(
            "/api/v1/purchase-orders",
            json={"supplier_id": world["supplier"], "lines": [line]},
            headers=admin,
        )
    assert_problem(response, 422, "value-not-storable")
    assert counts(db) == before
    refused = [r.getMessage() for r in caplog.records if "refused by the database" in r.message]
    assert refused and "statement=INSERT" in refused[0] and "NumericValueOutOfRange" in refused[0]
    assert "10000000000000" not in caplog.text and "9999999" not in caplog.text


@pytest.fixture
def short_full_name(db):
    """The database refuses longer names than the API allows (a column narrowed by hand)."""
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE users ALTER COLUMN full_name TYPE varchar(5)"))
    yield
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE users ALTER COLUMN full_name TYPE varchar(200)"))


@requires_postgres
def test_a_refused_user_creation_logs_no_password_or_hash(
    client, admin, db, short_full_name, caplog
):
    password = "very-secret-password-123"
    body = {"username": "neu", "password": password, "full_name": "Franziska Meyer"}
    with caplog.at_level(logging.DEBUG):
        response = client.post("/api/v1/users", json=body, headers=admin)
    problem = assert_problem(response, 422, "value-not-storable")
    assert set(problem) >= {"request_id"} and "argon2" not in response.text
    assert "StringDataRightTruncation" in caplog.text and "table=users" in caplog.text
    for secret in (password, "$argon2", "Franziska", "Failing row"):
        assert secret not in caplog.text
        assert secret not in response.text


@requires_postgres  # SQLite calls a missing table an OperationalError (503, unavailable)
def test_any_other_database_error_is_a_500_with_only_the_request_id(db, settings, caplog):
    from fastapi.testclient import TestClient

    from landkontor.api.app import create_app

    app = create_app(settings, db)
    hash_like = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

    @app.get("/broken")
    def broken(request: Request):
        with request.app.state.database.session() as session:
            session.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": hash_like})

    with TestClient(app, raise_server_exceptions=False) as test_client, caplog.at_level("INFO"):
        response = test_client.get("/broken")
    problem = assert_problem(response, 500, "internal-error")
    assert problem["request_id"] != "-"
    assert "no_such_table" not in response.text and "SELECT" not in response.text
    assert "database error:" in caplog.text
    assert hash_like not in caplog.text and "c2FsdHNhbHQ" not in caplog.text


def test_viewers_do_not_read_user_accounts_and_the_list_is_paged(client, viewer, admin):
    assert_problem(client.get("/api/v1/users", headers=viewer), 403, "forbidden")
    page = client.get("/api/v1/users?limit=1", headers=admin).json()
    assert set(page) == {"items", "total", "limit", "offset"}
    assert page["limit"] == 1 and len(page["items"]) == 1 and page["total"] >= 2
