"""Gauges computed at scrape time from sources that cost a query (database, Redis).

A :class:`CachedCollector` computes its gauges at most once per ``refresh_seconds`` and
answers the scrapes in between from the last result, so a busy Prometheus (several
replicas, short intervals, a Grafana refreshing every 5 s) never turns into a query per
scrape. Its families are declared once as :class:`GaugeSpec` and also returned by
``describe()``, so a registry refuses a second collector exporting the same name.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GaugeSpec:
    """Name, help text and label names of one gauge family."""

    name: str
    documentation: str
    labels: tuple[str, ...] = ()

    def family(self) -> GaugeMetricFamily:
        return GaugeMetricFamily(self.name, self.documentation, labels=list(self.labels))

    def of(self, value: float) -> GaugeMetricFamily:
        """The family with its one (unlabelled) sample."""
        return GaugeMetricFamily(self.name, self.documentation, value=value)

    def by_label(self, values: Mapping[str, float]) -> GaugeMetricFamily:
        """The family with one sample per value of its single label."""
        family = self.family()
        for label, value in values.items():
            family.add_metric([label], value)
        return family


class CachedCollector(Collector, ABC):
    """Computes its families at most once per ``refresh_seconds`` (0: at every scrape).

    ``compute()`` returns what it could find out; a source that does not answer should leave
    its families out rather than fail the whole scrape. An unexpected error is logged and
    yields nothing until the next refresh.
    """

    specs: tuple[GaugeSpec, ...] = ()

    def __init__(self, refresh_seconds: float) -> None:
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._cached: list[GaugeMetricFamily] = []
        self._computed_at = float("-inf")

    def describe(self) -> Iterator[GaugeMetricFamily]:
        return iter([spec.family() for spec in self.specs])

    def collect(self) -> Iterator[GaugeMetricFamily]:
        # One scrape computes while concurrent ones wait for its result instead of querying too.
        with self._lock:
            if time.monotonic() - self._computed_at >= self.refresh_seconds:
                try:
                    self._cached = list(self.compute())
                except Exception:
                    log.exception("metrics: %s failed", type(self).__name__)
                    self._cached = []
                self._computed_at = time.monotonic()
            return iter(list(self._cached))

    @abstractmethod
    def compute(self) -> Iterable[GaugeMetricFamily]:
        """The families with their current values."""
