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
from typing import Any

import httpx

from landkontor.ops import redis_server
from landkontor.ops.probes import flower_auth, flower_url
from landkontor.settings import Settings, mask_url

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
    """Where the system is and how to log in; shared state between the steps."""

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


def step_redis_round_trip(test: SystemTest) -> str:
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


# A business round trip (create an item, receive stock, read the level, reverse it in a marked
# test location) belongs here, between the job and Flower steps, once the inventory lands.


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
    ("redis-round-trip", step_redis_round_trip),
    ("get-routes", step_get_routes),
    ("job-through-worker", step_job_through_worker),
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
