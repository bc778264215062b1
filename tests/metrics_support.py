"""Helpers for metrics tests: an API server with several processes, reading an exposition,
and business data the gauges report."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from landkontor.settings import Settings
from tests.jobs_support import free_port, wait_until

Samples = dict[tuple[str, frozenset], float]


@dataclass
class ApiServer:
    process: subprocess.Popen
    base: str
    metrics_dir: Path  # the multiprocess folder of its processes
    log: Path

    def wait_ready(self) -> ApiServer:
        process = self.process
        wait_until(lambda: self.healthy() or process.poll() is not None, 60, 0.2, "API start")
        assert process.poll() is None, self.log.read_text(errors="replace")
        return self

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.base}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def scrape(self, **headers: str) -> str:
        response = httpx.get(f"{self.base}/metrics", headers=headers, timeout=10)
        assert response.status_code == 200, response.text
        return response.text


@contextmanager
def running_api(
    settings: Settings, log: Path, *, workers: int = 2, ready: bool = True, **env: str
) -> Iterator[ApiServer]:
    """``landkontor api --workers N`` on a free port (the test database must be migrated);
    ``ready=False`` returns at once (call ``wait_ready`` after starting other processes)."""
    port = free_port()
    command = ["api", "--no-migrate", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "landkontor.cli.main", *command, "--workers", str(workers)],
            env={**os.environ, "LANDKONTOR_LOG_LEVEL": "WARNING", **env},
            stdout=subprocess.DEVNULL,
            stderr=output,
        )
    server = ApiServer(
        process,
        f"http://127.0.0.1:{port}",
        Path(settings.run_dir) / "prometheus" / f"api-{process.pid}",
        log,
    )
    try:
        yield server.wait_ready() if ready else server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def parse_samples(text: str) -> Samples:
    """Every sample of a Prometheus text exposition by (sample name, labels)."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def family_names(text: str) -> set[str]:
    """The families of an exposition that have at least one sample."""
    return {family.name for family in text_string_to_metric_families(text) if family.samples}


def sample(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def stock_orders_and_batches(stock, trade) -> dict[str, object]:
    """Stock worth 840.00 EUR, one blocked and one recalled batch with stock (plus a
    released, an expired and an emptied blocked one, which do not count), two open sales
    orders and a cancelled one. Returns the gauge values an operator should see."""
    wh = stock.warehouse()
    shelf = stock.location(wh["id"])
    seed = stock.item(name="Saatgut", base_price="2.00")
    feed = stock.item(name="Futter", batch_managed=True, base_price="1.00")
    stock.receive(seed["id"], shelf["id"], 500, unit_cost="1.20")  # 600.00

    def batch_with_stock(days: int, quantity: int = 100) -> int:
        best_before = (date.today() + timedelta(days=days)).isoformat()
        receipt = stock.receive(
            feed["id"],
            shelf["id"],
            quantity,
            unit_cost="0.60",
            batch={"batch_no": f"F{days}-{quantity}", "best_before": best_before},
        )
        return receipt["lines"][0]["batch_id"]

    def set_status(batch_id: int, status: str) -> None:
        response = stock.client.post(
            f"/api/v1/batches/{batch_id}/status",
            json={"status": status, "reason": "Laborbefund"},
            headers=stock.headers,
        )
        assert response.status_code == 200, response.text

    batch_with_stock(40)  # released, good: 60.00
    set_status(batch_with_stock(30), "blocked")  # 60.00
    set_status(batch_with_stock(20), "recalled")  # 60.00
    batch_with_stock(-2)  # expired two days ago: 60.00
    emptied = batch_with_stock(50, quantity=10)
    stock.issue(feed["id"], shelf["id"], 10, batch_id=emptied)
    set_status(emptied, "blocked")

    customer = trade.customer()
    line = {"item_id": seed["id"], "quantity": "10"}
    trade.sales_order(customer["id"], wh["id"], line)  # draft
    trade.sales_order(customer["id"], wh["id"], line, confirm=True)
    cancelled = trade.sales_order(customer["id"], wh["id"], line)
    trade.post(f"/sales-orders/{cancelled['id']}/cancel", status=200)
    return {
        "stock_value": 840.0,
        "batches": {"blocked": 1, "recalled": 1},
        "open_orders": 2,
    }
