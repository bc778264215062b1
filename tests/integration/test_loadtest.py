"""`landkontor loadtest` against the served application: a bounded load of reads and writes,
its figures, and the books checked afterwards."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from typer.testing import CliRunner

from landkontor.cli.main import app
from tests.factories import Stock

runner = CliRunner()


def _in_thread(call, *args, **kwargs):
    """Run the CLI in a thread of its own: the browser tests' Playwright (sync API) keeps an
    event loop running in the main thread for the whole session, and the load test's
    ``asyncio.run`` refuses to start inside a running loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(call, *args, **kwargs).result()


def _stock(client, users) -> None:
    stock = Stock(client, users.headers("manager"))
    warehouse = stock.warehouse()
    location = stock.location(warehouse["id"])
    plain = stock.item(base_price="2.50")
    managed = stock.item(batch_managed=True)
    stock.receive(plain["id"], location["id"], 500, unit_cost="1.10")
    stock.receive(managed["id"], location["id"], 100, unit_cost="2", batch={"batch_no": "C-1"})
    response = client.post(
        "/api/v1/customers",
        json={"customer_no": "K-LAST", "name": "Lastkunde"},
        headers=users.headers("manager"),
    )
    assert response.status_code == 201, response.text


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_a_mixed_load_reports_every_operation_and_leaves_the_books_in_order(
    live_server, client, users
):
    _stock(client, users)
    users.create("lastprobe", "clerk", password="lastprobe-password")
    result = _in_thread(runner.invoke,
        app,
        [
            "loadtest", "--url", live_server, "--user", "lastprobe",
            "--password", "lastprobe-password", "--scenario", "mixed", "--writes",
            "--concurrency", "4", "--max-requests", "120", "--duration", "60",
            "--check-books", "--json",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary, books = _lines(result.output)
    assert summary["total"]["requests"] == 120
    assert summary["total"]["errors"] == 0
    assert set(summary["operations"]) == {
        "items_list", "item_by_id", "batch_by_id", "stock_levels", "stock_posting",
        "sales_order",
    }  # fmt: skip
    assert summary["total"]["p50_ms"] <= summary["total"]["p99_ms"]
    assert books["books"]["books_ok"] is True
    assert books["books"]["sales_orders"] == summary["operations"]["sales_order"]["requests"]


def test_the_same_seed_sends_the_same_requests(live_server, client, users):
    _stock(client, users)
    users.create("lastprobe", "viewer", password="lastprobe-password")
    args = [
        "loadtest", "--url", live_server, "--user", "lastprobe",
        "--password", "lastprobe-password", "--scenario", "reads", "--concurrency", "1",
        "--max-requests", "40", "--seed", "5", "--json",
    ]  # fmt: skip
    first, second = (_lines(_in_thread(runner.invoke, app, args).output)[0] for _ in range(2))
    counts = {name: f["requests"] for name, f in first["operations"].items()}
    assert counts == {name: f["requests"] for name, f in second["operations"].items()}
    assert sum(counts.values()) == 40


def test_writes_need_to_be_asked_for(live_server, users):
    users.create("lastprobe", "clerk", password="lastprobe-password")
    result = _in_thread(runner.invoke,
        app,
        [
            "loadtest", "--url", live_server, "--user", "lastprobe",
            "--password", "lastprobe-password", "--scenario", "stock_posting",
        ],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--writes" in result.output


def test_a_wrong_password_ends_the_load_test_with_a_message(live_server, users):
    users.create("lastprobe", "clerk", password="lastprobe-password")
    result = _in_thread(
        runner.invoke,
        app,
        ["loadtest", "--url", live_server, "--user", "lastprobe", "--password", "falsch"],
    )
    assert result.exit_code == 1
    assert "login as lastprobe failed: HTTP 401" in " ".join(result.output.split())
