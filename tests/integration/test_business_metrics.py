"""Business gauges on GET /metrics: what an operator watches, computed cheaply."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from landkontor.api.app import create_app
from landkontor.api.metrics import scrape_registry
from landkontor.db.session import Database
from landkontor.jobs.metrics import JobsCollector
from tests.factories import Stock
from tests.metrics_support import family_names, parse_samples, sample, stock_orders_and_batches
from tests.trade import Trade

LOCAL = ("127.0.0.1", 51000)
BUSINESS = {
    "landkontor_stock_value_eur",
    "landkontor_batches_with_stock",
    "landkontor_sales_orders_open",
}


def local_client(settings, db, refresh_seconds: float) -> TestClient:
    own = settings.model_copy(update={"metrics_business_refresh_seconds": refresh_seconds})
    return TestClient(create_app(own, db), raise_server_exceptions=False, client=LOCAL)


def scrape(client: TestClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    return response.text


def test_gauges_show_stock_value_unsellable_batches_and_open_orders(db, settings, manager, clerk):
    with local_client(settings, db, 0) as client:
        expected = stock_orders_and_batches(Stock(client, manager), Trade(client, manager, clerk))
        text = scrape(client)
    samples = parse_samples(text)
    assert sample(samples, "landkontor_stock_value_eur") == pytest.approx(expected["stock_value"])
    for status, count in expected["batches"].items():
        assert sample(samples, "landkontor_batches_with_stock", status=status) == count, status
    assert sample(samples, "landkontor_sales_orders_open") == expected["open_orders"]
    # Failed jobs of the last 24 h come from the job engine's collector, once.
    assert text.count("# TYPE landkontor_jobs_failed_last_24h gauge") == 1


def test_an_empty_system_reports_zeros_for_every_status(db, settings):
    with local_client(settings, db, 0) as client:
        samples = parse_samples(scrape(client))
    assert sample(samples, "landkontor_stock_value_eur") == 0
    assert sample(samples, "landkontor_sales_orders_open") == 0
    statuses = {
        dict(labels)["status"]
        for name, labels in samples
        if name == "landkontor_batches_with_stock"
    }
    assert statuses == {"blocked", "recalled"}


def test_scrapes_within_the_refresh_interval_reuse_the_figures(db, settings, manager):
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with local_client(settings, db, 60) as client:
        stock = Stock(client, manager)
        item, wh = stock.item(), stock.warehouse()
        stock.receive(item["id"], stock.location(wh["id"])["id"], 10, unit_cost="3")
        event.listen(db.engine, "before_cursor_execute", record)
        try:
            first = parse_samples(scrape(client))
            stock.receive(item["id"], stock.location(wh["id"])["id"], 10, unit_cost="3")
            for _ in range(4):
                later = parse_samples(scrape(client))
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
    assert sample(first, "landkontor_stock_value_eur") == 30
    assert sample(later, "landkontor_stock_value_eur") == 30  # cached: not yet 60
    business_queries = [s for s in statements if "item_costs" in s and "sum(" in s.lower()]
    assert len(business_queries) == 1


def test_scrape_answers_without_business_gauges_when_the_database_is_down(settings, tmp_path):
    gone = Database(f"sqlite:///{tmp_path}/no/such/folder/landkontor.db")
    with TestClient(create_app(settings, gone), client=LOCAL) as client:
        client.get("/health")
        names = family_names(scrape(client))
    assert "landkontor_http_requests" in names
    assert not names & BUSINESS


def test_a_family_is_exported_by_one_collector_only(settings, db):
    with pytest.raises(ValueError, match="Duplicated timeseries"):
        scrape_registry([JobsCollector(settings, db), JobsCollector(settings, db)])
