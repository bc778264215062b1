"""`landkontor systemtest`: prove that a running system works, end to end.

The test is an ordered list of named steps (``STEPS``). A step is a small function that gets the
:class:`SystemTest` context and returns a one-line detail when it passed; it raises
:class:`StepFailed` (or any error) when it failed and :class:`StepSkipped` when it does not
apply to this installation (e.g. no job engine). New steps are added in one place: ``STEPS``.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from landkontor.ops import redis_server
from landkontor.ops.probes import flower_auth, flower_url
from landkontor.settings import Settings, mask_url
from landkontor.urls import is_amqp

JOB_TERMINAL = ("succeeded", "failed", "cancelled")
POLL = 0.2


class StepFailed(Exception):
    """The step ran and the system did not do what it should."""


class StepSkipped(Exception):
    """The step does not apply here (the message says why)."""


@dataclass
class StepResult:
    name: str
    status: str  # pass / fail / skip
    detail: str
    seconds: float


@dataclass
class SystemTest:
    """Where the system is and how to log in (a password, or a ``token`` and no password);
    shared state between the steps."""

    settings: Settings
    api_url: str
    username: str
    password: str
    broker_url: str
    request_timeout: float = 10.0
    job_timeout: float = 30.0
    token: str | None = None
    _schema: dict[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.http = httpx.Client(
            base_url=self.api_url.rstrip("/"), timeout=self.request_timeout, trust_env=False
        )

    def close(self) -> None:
        self.http.close()

    def auth(self) -> dict[str, str]:
        if not self.token:
            raise StepFailed("no token: the login step failed")
        return {"Authorization": f"Bearer {self.token}"}

    def schema(self) -> dict[str, Any]:
        if self._schema is None:
            response = self.http.get("/openapi.json")
            if response.status_code != 200:
                raise StepFailed(f"GET /openapi.json answered {response.status_code}")
            self._schema = response.json()
        return self._schema

    def has_route(self, path: str, method: str = "get") -> bool:
        return method in self.schema().get("paths", {}).get(path, {})


Step = tuple[str, Callable[[SystemTest], str]]


# --- steps ----------------------------------------------------------------------------------
def step_api_ready(test: SystemTest) -> str:
    health = test.http.get("/health")
    if health.status_code != 200:
        raise StepFailed(f"GET /health answered {health.status_code}")
    ready = test.http.get("/ready")
    if ready.status_code != 200:
        failed = ready.json().get("failed", []) if ready.content else []
        raise StepFailed(f"GET /ready answered {ready.status_code}; failing: {failed}")
    checks = ", ".join(ready.json().get("checks", {}))
    return f"{test.api_url} ready (version {health.json().get('version')}; checks: {checks})"


def step_login(test: SystemTest) -> str:
    if test.token and not test.password:
        # Started with a token (the web interface passes its user's session): prove it works.
        me = test.http.get("/api/v1/users/me", headers=test.auth())
        if me.status_code != 200:
            raise StepFailed(f"the given token of {test.username} answered {me.status_code}")
        return f"token of {me.json().get('username', test.username)} accepted"
    response = test.http.post(
        "/api/v1/auth/token", data={"username": test.username, "password": test.password}
    )
    if response.status_code != 200:
        raise StepFailed(
            f"login as {test.username} answered {response.status_code}: "
            f"{response.json().get('detail', '') if response.content else ''} "
            "(use --user/--password)"
        )
    test.token = response.json()["access_token"]
    return f"logged in as {test.username}"


def step_broker_round_trip(test: SystemTest) -> str:
    """Redis: SET/GET/DEL of a private key; RabbitMQ: a confirmed message through a private
    queue and back."""
    if is_amqp(test.broker_url):
        from landkontor.jobs import rabbitmq

        detail = rabbitmq.round_trip(test.broker_url, test.request_timeout)
        return f"{detail} on {mask_url(test.broker_url)}"
    key = f"landkontor:systemtest:{uuid.uuid4().hex}"
    value = uuid.uuid4().hex
    client = redis_server.client(test.broker_url, test.request_timeout)
    try:
        started = time.perf_counter()
        client.set(key, value, ex=60)
        read = client.get(key)
        client.delete(key)
        elapsed = (time.perf_counter() - started) * 1000
    finally:
        client.close()
    if read != value:
        raise StepFailed(f"wrote {value!r} to {key}, read back {read!r}")
    return f"SET/GET/DEL on {mask_url(test.broker_url)} in {elapsed:.1f} ms"


def step_get_routes(test: SystemTest) -> str:
    """Every GET route without path parameters answers without a server error."""
    paths = sorted(
        path
        for path, operations in test.schema().get("paths", {}).items()
        if "get" in operations and "{" not in path
    )
    statuses: Counter[int] = Counter()
    broken = []
    for path in paths:
        try:
            response = test.http.get(path, headers=test.auth())
        except httpx.HTTPError as exc:
            broken.append(f"{path}: {exc.__class__.__name__}")
            continue
        statuses[response.status_code] += 1
        if response.status_code >= 500:
            broken.append(f"{path}: {response.status_code}")
    if broken:
        raise StepFailed(f"{len(broken)} of {len(paths)} GET routes failed: {', '.join(broken)}")
    summary = ", ".join(f"{count}x {code}" for code, count in sorted(statuses.items()))
    return f"{len(paths)} GET routes without 5xx ({summary})"


def step_job_through_worker(test: SystemTest) -> str:
    """A ``system.ping`` job is queued, taken by a worker, reports progress and succeeds."""
    if not test.has_route("/api/v1/jobs", "post"):
        raise StepSkipped("job engine not installed (no POST /api/v1/jobs)")
    created = test.http.post(
        "/api/v1/jobs", json={"type": "system.ping", "params": {}}, headers=test.auth()
    )
    if created.status_code != 202:
        raise StepFailed(f"POST /api/v1/jobs answered {created.status_code}: {created.text[:200]}")
    job = created.json()
    progress = [job.get("progress")]
    deadline = time.monotonic() + test.job_timeout
    while job.get("status") not in JOB_TERMINAL and time.monotonic() < deadline:
        time.sleep(POLL)  # polling the job's status, as any API client would
        response = test.http.get(f"/api/v1/jobs/{job['id']}", headers=test.auth())
        if response.status_code != 200:
            raise StepFailed(f"GET /api/v1/jobs/{job['id']} answered {response.status_code}")
        job = response.json()
        if job.get("progress") != progress[-1]:
            progress.append(job.get("progress"))
    seen = " → ".join(str(p) for p in progress)
    status = job.get("status")
    if status not in JOB_TERMINAL:
        raise StepFailed(
            f"job {job['id']} still {status} after {test.job_timeout:g} s: no worker finished it "
            "— is the worker running? (landkontor status)"
        )
    if status != "succeeded":
        raise StepFailed(f"job {job['id']} {status}: {job.get('error') or job}")
    if job.get("progress") != 100:
        raise StepFailed(f"job {job['id']} succeeded with progress {job.get('progress')}")
    return f"job {job['id']} succeeded; progress {seen}"


TEST_CODE = "SYSTEMTEST"  # warehouse, location and item of the business round trip


def _call(test: SystemTest, method: str, path: str, expected: int, **kwargs: Any) -> Any:
    headers = {**test.auth(), **kwargs.pop("headers", {})}
    response = test.http.request(method, path, headers=headers, **kwargs)
    if response.status_code != expected:
        raise StepFailed(f"{method} {path} answered {response.status_code}: {response.text[:200]}")
    return response.json() if response.content else None


def _ensure(test: SystemTest, path: str, found: Any, body: dict[str, Any]) -> dict[str, Any]:
    """The marked test record if it exists, else create it."""
    return found or _call(test, "POST", path, 201, json=body)


def _level(test: SystemTest, item_id: int, location_id: int) -> Decimal:
    page = _call(
        test,
        "GET",
        "/api/v1/stock/levels",
        200,
        params={"item_id": item_id, "location_id": location_id, "include_zero": "true"},
    )
    return sum((Decimal(row["quantity"]) for row in page["items"]), Decimal(0))


def step_business_round_trip(test: SystemTest) -> str:
    """Receive stock of a marked test item in a marked test location, read the level, reverse
    the receipt and read it again; leaves the level at zero and the test item inactive.

    The ledger is append-only: the receipt and its reversal stay in it, referenced
    ``systemtest`` in the warehouse ``SYSTEMTEST``."""
    if not test.has_route("/api/v1/stock/movements", "post"):
        raise StepSkipped("inventory not installed (no POST /api/v1/stock/movements)")
    warehouses = _call(test, "GET", "/api/v1/warehouses", 200)
    warehouse = _ensure(
        test,
        "/api/v1/warehouses",
        next((w for w in warehouses if w["code"] == TEST_CODE), None),
        {"code": TEST_CODE, "name": "Systemtest (automatic checks, not for goods)"},
    )
    locations = _call(
        test,
        "GET",
        "/api/v1/locations",
        200,
        params={"warehouse_id": warehouse["id"], "limit": 500},
    )["items"]
    location = _ensure(
        test,
        "/api/v1/locations",
        next((loc for loc in locations if loc["code"] == TEST_CODE), None),
        {"warehouse_id": warehouse["id"], "code": TEST_CODE, "name": "Systemtest", "kind": "bin"},
    )
    items = _call(test, "GET", "/api/v1/items", 200, params={"q": TEST_CODE})["items"]
    item = _ensure(
        test,
        "/api/v1/items",
        next((i for i in items if i["item_no"] == TEST_CODE), None),
        {"item_no": TEST_CODE, "name": "Systemtest item", "base_unit": "kg", "active": False},
    )
    item_path = f"/api/v1/items/{item['id']}"
    _call(test, "PATCH", item_path, 200, json={"active": True})
    try:
        before = _level(test, item["id"], location["id"])
        receipt = _call(
            test,
            "POST",
            "/api/v1/stock/movements",
            201,
            json={
                "type": "receipt",
                "reference": "systemtest",
                "lines": [
                    {
                        "item_id": item["id"],
                        "location_id": location["id"],
                        "quantity": "1.5",
                        "unit_cost": "1.00",
                    }
                ],
            },
            headers={"Idempotency-Key": f"systemtest-{uuid.uuid4().hex}"},
        )
        received = _level(test, item["id"], location["id"])
        if received != before + Decimal("1.5"):
            raise StepFailed(
                f"level after receiving 1.5 kg is {received}, expected {before + Decimal('1.5')}"
            )
        _call(
            test,
            "POST",
            f"/api/v1/stock/movements/{receipt['id']}/reverse",
            201,
            json={"reason": "systemtest round trip"},
        )
        after = _level(test, item["id"], location["id"])
        if after != before:
            raise StepFailed(f"level after the reversal is {after}, expected {before}")
    finally:
        _call(test, "PATCH", item_path, 200, json={"active": False})
    return (
        f"received 1.5 kg of {TEST_CODE} in {TEST_CODE}/{TEST_CODE}, read {received}, "
        f"reversed movement {receipt['id']}, level back to {after}"
    )


def step_flower_sees_worker(test: SystemTest) -> str:
    if not test.has_route("/api/v1/jobs", "post"):
        raise StepSkipped("job engine not installed: no Flower")
    url = flower_url(test.settings) + "/api/workers?refresh=1"
    auth = flower_auth(test.settings)
    deadline = time.monotonic() + test.request_timeout
    while True:
        try:
            with httpx.Client(timeout=test.request_timeout, trust_env=False, auth=auth) as http:
                response = http.get(url)
        except httpx.HTTPError as exc:
            raise StepFailed(f"Flower at {url} does not answer: {exc}") from exc
        if response.status_code != 200:
            raise StepFailed(f"GET {url} answered {response.status_code}")
        workers = sorted(response.json())
        if workers or time.monotonic() > deadline:
            break
        time.sleep(POLL)  # Flower learns about workers from their events
    if not workers:
        raise StepFailed("Flower sees no worker")
    return f"Flower sees {len(workers)} worker(s): {', '.join(workers)}"


def step_metrics(test: SystemTest) -> str:
    from prometheus_client.parser import text_string_to_metric_families

    headers = {}
    token = getattr(test.settings, "metrics_token", None)
    if token is not None:
        value = token.get_secret_value() if hasattr(token, "get_secret_value") else str(token)
        if value:
            headers["Authorization"] = f"Bearer {value}"
    response = test.http.get("/metrics", headers=headers)
    if response.status_code == 404:
        raise StepSkipped("GET /metrics answered 404 (monitoring not installed)")
    if response.status_code != 200:
        raise StepFailed(f"GET /metrics answered {response.status_code}")
    try:
        families = list(text_string_to_metric_families(response.text))
    except ValueError as exc:
        raise StepFailed(f"/metrics does not parse: {exc}") from exc
    if not families:
        raise StepFailed("/metrics has no metric families")
    return f"{len(families)} metric families parse"


STEPS: list[Step] = [
    ("api-ready", step_api_ready),
    ("login", step_login),
    ("broker-round-trip", step_broker_round_trip),
    ("get-routes", step_get_routes),
    ("job-through-worker", step_job_through_worker),
    ("business-round-trip", step_business_round_trip),
    ("flower-sees-worker", step_flower_sees_worker),
    ("metrics", step_metrics),
]


def run_steps(
    test: SystemTest,
    steps: list[Step] | None = None,
    on_result: Callable[[StepResult], None] | None = None,
) -> list[StepResult]:
    """Run ``steps`` in order; every step runs, whatever the ones before it did."""
    results = []
    for name, step in steps or STEPS:
        started = time.perf_counter()
        try:
            status, detail = "pass", step(test)
        except StepSkipped as exc:
            status, detail = "skip", str(exc)
        except StepFailed as exc:
            status, detail = "fail", str(exc)
        except Exception as exc:
            status, detail = "fail", f"{exc.__class__.__name__}: {exc}"[:500]
        result = StepResult(name, status, detail, round(time.perf_counter() - started, 3))
        results.append(result)
        if on_result:
            on_result(result)
    return results
