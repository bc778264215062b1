"""Business gauges an operator watches, served by the API's ``GET /metrics``.

``landkontor_stock_value_eur``, ``landkontor_batches_with_stock{status}`` (``blocked``,
``recalled``) and ``landkontor_sales_orders_open`` come from small queries of
the inventory and sales domains, run at most once per
``metrics_business_refresh_seconds`` in each API process (see
:class:`~landkontor.common.metrics.CachedCollector`). Failed jobs of the last 24 hours are
the job engine's gauge (:class:`~landkontor.jobs.metrics.JobsCollector`).
"""

from __future__ import annotations

import logging

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from landkontor.common.metrics import CachedCollector, GaugeSpec
from landkontor.db.session import Database
from landkontor.inventory.queries import batches_with_stock, stock_value
from landkontor.sales.orders import count_open_orders

log = logging.getLogger(__name__)

STOCK_VALUE = GaugeSpec(
    "landkontor_stock_value_eur",
    "Value of all stock on hand at moving-average cost, in EUR.",
)
BATCHES_WITH_STOCK = GaugeSpec(
    "landkontor_batches_with_stock",
    "Blocked and recalled batches that still hold stock.",
    ("status",),
)
SALES_ORDERS_OPEN = GaugeSpec(
    "landkontor_sales_orders_open", "Sales orders neither closed nor cancelled."
)

# A scrape must not hang on a locked or overloaded database (Prometheus gives up after 10 s).
STATEMENT_TIMEOUT_MS = 5000


class BusinessCollector(CachedCollector):
    """Stock value, batches with stock that must not be sold, open sales orders.

    When the database does not answer, the gauges are left out (and the failure logged)
    until the next refresh; the HTTP and job metrics are still served.
    """

    specs = (STOCK_VALUE, BATCHES_WITH_STOCK, SALES_ORDERS_OPEN)

    def __init__(self, database: Database, refresh_seconds: float) -> None:
        super().__init__(refresh_seconds)
        self.database = database

    def compute(self) -> list[GaugeMetricFamily]:
        try:
            with self.database.session() as session:
                if self.database.dialect == "postgresql":
                    session.execute(text(f"SET LOCAL statement_timeout = {STATEMENT_TIMEOUT_MS}"))
                value = stock_value(session)
                batches = batches_with_stock(session)
                open_orders = count_open_orders(session)
        except Exception as exc:
            log.warning("metrics: business gauges unavailable: %s", exc)
            return []
        return [
            STOCK_VALUE.of(float(value)),
            BATCHES_WITH_STOCK.by_label(batches),
            SALES_ORDERS_OPEN.of(open_orders),
        ]
