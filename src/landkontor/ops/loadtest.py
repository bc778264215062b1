"""Load test of a running API: a bounded, seeded load of concurrent authenticated requests.

``landkontor loadtest`` points it at a running system (operators); ``benchmarks/api_load.py``
also starts the API and a bare framework anchor beside it and compares the two.

Each of ``concurrency`` connections (HTTP/1.1 keep-alive) sends one request after the other
until ``duration`` seconds have passed or ``max_requests`` went out; what it sends is drawn
from a *scenario* (weighted operations) with its own ``random.Random(seed + n)``, so a run is
repeatable. The client is a small asyncio HTTP/1.1 client rather than a general-purpose
library: on a machine shared with the server, every microsecond the client spends is taken
from the server it measures, and the anchor (the fastest server) would suffer most.

Writes are opt-in: stock postings stay in the append-only ledger and sales orders keep their
numbers. Receipts add more than issues take, so issues never run short.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import ssl
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from landkontor.common.clock import business_today
from landkontor.db.session import settings_of
from landkontor.inventory.verify import verify_stock
from landkontor.numbering.service import missing_numbers
from landkontor.sales.models import SalesOrder
from landkontor.sales.orders import NUMBER_SERIES as ORDER_SERIES

API = "/api/v1"
DEFAULT_CONCURRENCY = 32
DEFAULT_DURATION = 10.0


# --- the client ------------------------------------------------------------------------


class HttpError(Exception):
    """The server answered something this client cannot read, or closed the connection."""


@dataclass(frozen=True)
class Endpoint:
    host: str
    port: int
    tls: bool
    base_path: str

    @classmethod
    def parse(cls, url: str) -> Endpoint:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        tls = parts.scheme == "https"
        return cls(parts.hostname, parts.port or (443 if tls else 80), tls, parts.path.rstrip("/"))


class Connection:
    """One keep-alive HTTP/1.1 connection (reconnects when the server closed it)."""

    def __init__(self, endpoint: Endpoint, headers: dict[str, str]) -> None:
        self.endpoint = endpoint
        host = endpoint.host if endpoint.port in (80, 443) else f"{endpoint.host}:{endpoint.port}"
        fixed = {"Host": host, "Accept": "application/json", **headers}
        self._head = "".join(f"{k}: {v}\r\n" for k, v in fixed.items()).encode("latin-1")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None:
            context = ssl.create_default_context() if self.endpoint.tls else None
            self._reader, self._writer = await asyncio.open_connection(
                self.endpoint.host, self.endpoint.port, ssl=context
            )
        return self._reader, self._writer

    async def close(self) -> None:
        writer, self._reader, self._writer = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def request(
        self, method: str, path: str, body: bytes | None = None, headers: str = ""
    ) -> tuple[int, bytes]:
        """Send one request; the status and the body of the answer."""
        reader, writer = await self._open()
        target = self.endpoint.base_path + path
        head = f"{method} {target} HTTP/1.1\r\n".encode("latin-1") + self._head
        if headers:
            head += headers.encode("latin-1")
        if body is not None:
            head += b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
        writer.write(head + b"\r\n" + (body or b""))
        try:
            return await self._response(reader)
        except (OSError, asyncio.IncompleteReadError, HttpError):
            await self.close()
            raise

    async def _response(self, reader: asyncio.StreamReader) -> tuple[int, bytes]:
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head[:-4].split(b"\r\n")
        try:
            status = int(status_line.split(b" ", 2)[1])
        except (IndexError, ValueError):
            raise HttpError(f"bad status line {status_line[:80]!r}") from None
        length: int | None = None
        chunked = close = False
        for line in lines:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding":
                chunked = b"chunked" in value.lower()
            elif name == b"connection":
                close = b"close" in value.lower()
        if chunked:
            body = bytearray()
            while True:
                size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
                if size == 0:
                    await reader.readuntil(b"\r\n")
                    break
                body += await reader.readexactly(size + 2)
                del body[-2:]
            data = bytes(body)
        elif length is not None:
            data = await reader.readexactly(length)
        else:
            data = await reader.read()
            close = True
        if close:
            await self.close()
        return status, data


async def login(url: str, username: str, password: str) -> str:
    """An access token for ``username`` (POST /api/v1/auth/token)."""
    connection = Connection(Endpoint.parse(url), {})
    form = urlencode({"username": username, "password": password}).encode()
    try:
        status, body = await connection.request(
            "POST",
            f"{API}/auth/token",
            form,
            headers="Content-Type: application/x-www-form-urlencoded\r\n",
        )
    finally:
        await connection.close()
    if status != 200:
        raise HttpError(f"login as {username} failed: HTTP {status} {body[:200]!r}")
    return str(json.loads(body)["access_token"])


# --- what is sent ------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    operation: str
    method: str
    path: str
    body: bytes | None = None


@dataclass(frozen=True)
class Fixture:
    """The records a load works on: ids read, and where writes go (None: no such writes)."""

    item_ids: Sequence[int]
    batch_ids: Sequence[int] = ()
    posting: tuple[int, int] | None = None  # (item id, leaf location id), not batch managed
    sales: tuple[int, int, int] | None = None  # (customer id, warehouse id, item id)


Operation = Callable[[random.Random, Fixture], Request]


def items_list(rng: random.Random, fixture: Fixture) -> Request:
    return Request("items_list", "GET", f"{API}/items?limit=50")


def item_by_id(rng: random.Random, fixture: Fixture) -> Request:
    return Request("item_by_id", "GET", f"{API}/items/{rng.choice(fixture.item_ids)}")


def batch_by_id(rng: random.Random, fixture: Fixture) -> Request:
    return Request("batch_by_id", "GET", f"{API}/batches/{rng.choice(fixture.batch_ids)}")


def stock_levels(rng: random.Random, fixture: Fixture) -> Request:
    return Request("stock_levels", "GET", f"{API}/stock/levels?limit=50")


def stock_posting(rng: random.Random, fixture: Fixture) -> Request:
    assert fixture.posting is not None
    item_id, location_id = fixture.posting
    receipt = rng.random() < 0.5
    line: dict[str, Any] = {
        "item_id": item_id,
        "location_id": location_id,
        "quantity": "10" if receipt else "1",
    }
    if receipt:
        line["unit_cost"] = "1.25"
    body = {"type": "receipt" if receipt else "issue", "reference": "loadtest", "lines": [line]}
    return Request("stock_posting", "POST", f"{API}/stock/movements", json.dumps(body).encode())


def sales_order(rng: random.Random, fixture: Fixture) -> Request:
    assert fixture.sales is not None
    customer_id, warehouse_id, item_id = fixture.sales
    body = {
        "customer_id": customer_id,
        "warehouse_id": warehouse_id,
        "customer_reference": "loadtest",
        "lines": [{"item_id": item_id, "quantity": str(rng.randint(1, 40))}],
    }
    return Request("sales_order", "POST", f"{API}/sales-orders", json.dumps(body).encode())


READS: dict[str, Operation] = {
    "items_list": items_list,
    "item_by_id": item_by_id,
    "batch_by_id": batch_by_id,
    "stock_levels": stock_levels,
}
WRITES: dict[str, Operation] = {"stock_posting": stock_posting, "sales_order": sales_order}
OPERATIONS = {**READS, **WRITES}


@dataclass(frozen=True)
class Scenario:
    """Weighted operations; each request draws one."""

    name: str
    weights: tuple[tuple[Operation, float], ...]

    def operations(self, fixture: Fixture) -> tuple[list[Operation], list[float]]:
        usable = [(op, w) for op, w in self.weights if w > 0 and _possible(op, fixture)]
        if not usable:
            raise ValueError(f"scenario {self.name}: nothing in the fixture to do this on")
        return [op for op, _ in usable], [w for _, w in usable]


def _possible(operation: Operation, fixture: Fixture) -> bool:
    needs: dict[Operation, Any] = {
        item_by_id: fixture.item_ids,
        batch_by_id: fixture.batch_ids,
        stock_posting: fixture.posting,
        sales_order: fixture.sales,
    }
    return bool(needs.get(operation, True))


def single(operation: Operation, name: str | None = None) -> Scenario:
    return Scenario(name or operation.__name__, ((operation, 1.0),))


READ_MIX = Scenario("reads", tuple((op, 1.0) for op in READS.values()))
MIXED = Scenario(
    "mixed",
    (*READ_MIX.weights, (stock_posting, 1.0), (sales_order, 0.25)),
)
SCENARIOS = {
    **{name: single(op) for name, op in OPERATIONS.items()},
    "reads": READ_MIX,
    "mixed": MIXED,
}


# --- running and measuring ---------------------------------------------------------------


@dataclass
class OperationStats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)


@dataclass
class LoadResult:
    scenario: str
    concurrency: int
    elapsed: float
    operations: dict[str, OperationStats]

    def summary(self) -> dict[str, Any]:
        """req/s, p50/p95/p99 (ms) and errors per operation and in total."""
        every = OperationStats()
        per_operation = {}
        for name, stats in sorted(self.operations.items()):
            per_operation[name] = _figures(stats, self.elapsed)
            every.latencies += stats.latencies
            every.errors += stats.errors
            every.statuses.update(stats.statuses)
        return {
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            "seconds": round(self.elapsed, 2),
            "total": _figures(every, self.elapsed),
            "operations": per_operation,
        }


def _figures(stats: OperationStats, elapsed: float) -> dict[str, Any]:
    latencies = sorted(stats.latencies)
    count = len(latencies)

    def percentile(p: float) -> float | None:
        if not count:
            return None
        return round(latencies[min(count - 1, int(p * count))] * 1000, 2)

    return {
        "requests": count,
        "req_per_s": round(count / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": percentile(0.50),
        "p95_ms": percentile(0.95),
        "p99_ms": percentile(0.99),
        "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if count else None,
        "errors": stats.errors,
        "error_statuses": {str(k): v for k, v in sorted(stats.statuses.items()) if k >= 400},
    }


async def run_load(
    url: str,
    scenario: Scenario,
    fixture: Fixture,
    *,
    token: str | None,
    concurrency: int = DEFAULT_CONCURRENCY,
    duration: float = DEFAULT_DURATION,
    seed: int = 17,
    max_requests: int | None = None,
    ok_statuses: frozenset[int] = frozenset({200, 201}),
) -> LoadResult:
    """Send the scenario's requests over ``concurrency`` connections for ``duration`` s (or
    until ``max_requests`` went out). A request answered with a status outside
    ``ok_statuses`` or not answered at all counts as an error of its operation."""
    endpoint = Endpoint.parse(url)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    operations, weights = scenario.operations(fixture)
    stats: dict[str, OperationStats] = {}
    budget = [max_requests if max_requests is not None else -1]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration

    async def client(n: int) -> None:
        rng = random.Random(seed * 1_000_003 + n)  # noqa: S311 - repeatable load, no secret
        connection = Connection(endpoint, headers)
        try:
            while loop.time() < deadline and budget[0] != 0:
                budget[0] -= 1
                request = rng.choices(operations, weights)[0](rng, fixture)
                own = stats.setdefault(request.operation, OperationStats())
                started = time.perf_counter()
                try:
                    status, _ = await connection.request(request.method, request.path, request.body)
                except (OSError, asyncio.IncompleteReadError, HttpError):
                    own.errors += 1
                    own.statuses[599] += 1
                    await asyncio.sleep(0.01)
                    continue
                own.latencies.append(time.perf_counter() - started)
                if status not in ok_statuses:
                    own.errors += 1
                    own.statuses[status] += 1
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(client(n) for n in range(concurrency)))
    return LoadResult(scenario.name, concurrency, time.perf_counter() - started, stats)


# --- pointed at a running system ---------------------------------------------------------


async def discover(url: str, token: str, *, writes: bool) -> Fixture:
    """What a running system offers to load: items, batches and, for writes, a stock level
    of an item without batches (its location) and a customer."""
    connection = Connection(Endpoint.parse(url), {"Authorization": f"Bearer {token}"})

    async def page(path: str) -> list[dict[str, Any]]:
        status, body = await connection.request("GET", f"{API}{path}")
        if status != 200:
            raise HttpError(f"GET {API}{path}: HTTP {status} {body[:200]!r}")
        return list(json.loads(body)["items"])

    try:
        items = await page("/items?limit=500&active=true")
        batches = await page("/batches?limit=500")
        posting = sales = None
        if writes:
            plain = {i["id"] for i in items if not i["batch_managed"]}
            levels = await page("/stock/levels?limit=500")
            level = next((lv for lv in levels if lv["item_id"] in plain), None)
            customers = await page("/customers?limit=1")
            if level is not None:
                posting = (level["item_id"], level["location_id"])
                if customers:
                    sales = (customers[0]["id"], level["warehouse_id"], level["item_id"])
    finally:
        await connection.close()
    return Fixture(
        item_ids=[i["id"] for i in items],
        batch_ids=[b["id"] for b in batches],
        posting=posting,
        sales=sales,
    )


def check_books(session: Session) -> dict[str, Any]:
    """After a load: every stock level and item value equals the ledger (``stock verify``)
    and this year's sales order numbers have no gap."""
    year = business_today(settings_of(session)).year
    mismatches = verify_stock(session)
    numbers = session.scalars(
        select(SalesOrder.order_no).where(SalesOrder.order_no.like(f"{ORDER_SERIES}-{year}-%"))
    ).all()
    missing = missing_numbers(session, ORDER_SERIES, year, numbers)
    return {
        "stock_mismatches": len(mismatches),
        "sales_orders": len(numbers),
        "sales_order_numbers_missing": missing[:20],
        "books_ok": not mismatches and not missing,
    }
