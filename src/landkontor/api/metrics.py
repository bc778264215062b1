"""Prometheus metrics of the HTTP API and the ``GET /metrics`` endpoint.

Every label has a bounded set of values: ``route`` is the route *template*
(``/api/v1/users/{user_id}``, never the raw path), ``method`` one of the standard methods,
``status_class`` ``1xx``..``5xx`` and ``problem_type`` the ``code`` of a problem response.

With several API processes (``landkontor api --workers N``) the metrics live in files under
``PROMETHEUS_MULTIPROC_DIR`` (set by the CLI before the workers start, see
:func:`prepare_multiprocess_dir`); ``/metrics`` then adds up the files of every process.
Gauges computed at scrape time (job queues and workers, business figures) are collectors
of each application's own registry, see :func:`scrape_registry`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import os
import re
import shutil
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import fastapi.routing
import psutil
from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from starlette.routing import BaseRoute
from starlette.types import Message, Scope

from landkontor.errors import Forbidden, Unauthorized
from landkontor.settings import Settings

# Older FastAPI flattens included routers (a route's own path is complete) and has no
# iter_route_contexts.
iter_route_contexts: Any = getattr(fastapi.routing, "iter_route_contexts", None)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "<unmatched>"
OTHER = "OTHER"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
PROBLEM_JSON = b"application/problem+json"
# A problem body larger than this is not parsed for its code (ours are a few hundred bytes).
MAX_PROBLEM_BODY = 64 * 1024
_PROBLEM_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
_LIVE_GAUGE_FILE = re.compile(r"^gauge_live[a-z]*_(\d+)\.db$")


def _registered(
    factory: Any, name: str, documentation: str, labelnames: tuple[str, ...], **kw: Any
) -> Any:
    """Create a metric in the default registry, or return the one already registered there.

    Importing this module a second time (``importlib.reload``, or under another name) must
    not fail with "Duplicated timeseries"; the registry keeps the first object.
    """
    try:
        return factory(name, documentation, labelnames, **kw)
    except ValueError:
        for series in (name, f"{name}_total", f"{name}_count"):
            existing = REGISTRY._names_to_collectors.get(series)  # no public lookup
            if existing is not None:
                return existing
        raise


HTTP_REQUESTS = _registered(
    Counter,
    "landkontor_http_requests",
    "HTTP requests answered, by method, route template and status class.",
    ("method", "route", "status_class"),
)
HTTP_DURATION = _registered(
    Histogram,
    "landkontor_http_request_duration_seconds",
    "Time from receiving a request to sending the last byte of its response.",
    ("method", "route"),
)
HTTP_IN_PROGRESS = _registered(
    Gauge,
    "landkontor_http_requests_in_progress",
    "Requests being handled right now.",
    ("method",),
    multiprocess_mode="livesum",
)
HTTP_ERRORS = _registered(
    Counter,
    "landkontor_http_errors",
    "Problem responses (application/problem+json), by problem code.",
    ("problem_type",),
)


def _routes_with_templates(routes: Sequence[BaseRoute]) -> Iterator[tuple[object, str | None]]:
    if iter_route_contexts is None:
        for route in routes:
            yield route, getattr(route, "path_format", None)
        return
    for context in iter_route_contexts(routes):
        yield context.original_route, context.path_format


def route_templates(routes: Sequence[BaseRoute]) -> dict[int, str]:
    """The full path template of every route, by the id of the route and of its endpoint.

    Routers included into routers keep their own relative paths (``/users/{user_id}``), so
    the template of the request's route has to be looked up in the application's table.
    """
    templates: dict[int, str] = {}
    for route, template in _routes_with_templates(routes):
        if template:
            templates[id(route)] = template
            endpoint = getattr(route, "endpoint", None)
            if endpoint is not None:
                templates.setdefault(id(endpoint), template)
    return templates


class _RouteTemplates:
    """Route templates of one application, built on its first request."""

    def __init__(self) -> None:
        self._table: dict[int, str] | None = None
        self._not_in_table: set[int] = set()  # e.g. routes inside a mounted sub-application

    def of(self, scope: Scope) -> str:
        """The template of the route that handled the request (``/api/v1/users/{user_id}``)."""
        keys = [id(part) for part in (scope.get("route"), scope.get("endpoint")) if part]
        if not keys:
            return UNMATCHED_ROUTE
        table = self._table
        if table is None or not any(key in table or key in self._not_in_table for key in keys):
            # First request, or routes were added since: build the table again.
            table = self._table = route_templates(getattr(scope.get("app"), "routes", []))
        for key in keys:
            if key in table:
                return table[key]
        self._not_in_table.update(keys)
        own = getattr(scope.get("route"), "path_format", None)
        return own if isinstance(own, str) and own else UNMATCHED_ROUTE


def problem_code(body: bytes) -> str:
    """The ``code`` member of a problem body; ``other`` when it is missing or not a slug."""
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return "other"
    return code if isinstance(code, str) and _PROBLEM_CODE.match(code) else "other"


class Observation:
    """The metrics of one request, recorded once, before the last byte goes out: a client
    that has its answer (and scrapes next) always finds its request counted."""

    __slots__ = ("method", "metrics", "problem", "recorded", "scope", "started", "status")

    def __init__(self, metrics: RequestMetrics, scope: Scope, method: str) -> None:
        self.metrics = metrics
        self.scope = scope
        self.method = method
        self.started = time.perf_counter()
        self.status: int | None = None
        self.problem: bytearray | None = None
        self.recorded = False

    def response_started(self, status: int, is_problem: bool) -> None:
        self.status = status
        if is_problem:
            self.problem = bytearray()

    def body(self, message: Message) -> None:
        problem = self.problem
        if problem is not None and len(problem) <= MAX_PROBLEM_BODY:
            problem += message.get("body", b"")
        if not message.get("more_body", False):
            self.finish(self.status or 500)

    def finish(self, status: int) -> None:
        if self.recorded:
            return
        self.recorded = True
        if self.status is None:
            # Nothing was sent: the error handler outside answers 500 "internal-error".
            self.status, self.problem = status, bytearray(b'{"code": "internal-error"}')
        self.metrics.record(self)


class RequestMetrics:
    """Counts and times HTTP requests (``landkontor.api.middleware.RequestMiddleware`` calls
    it). The metric children of each label set are looked up once and kept.

    Problem responses are recognised by their content type; their (small) body is copied on
    the way out to read the problem ``code``.
    """

    def __init__(self) -> None:
        self.templates = _RouteTemplates()
        self._in_progress: dict[str, Any] = {}
        self._requests: dict[tuple[str, str, str], Any] = {}
        self._durations: dict[tuple[str, str], Any] = {}
        self._errors: dict[str, Any] = {}

    def start(self, scope: Scope) -> Observation:
        method = scope["method"] if scope["method"] in KNOWN_METHODS else OTHER
        gauge = self._in_progress.get(method)
        if gauge is None:
            gauge = self._in_progress[method] = HTTP_IN_PROGRESS.labels(method)
        gauge.inc()
        return Observation(self, scope, method)

    def record(self, observation: Observation) -> None:
        method = observation.method
        route = self.templates.of(observation.scope)
        key = (method, route, f"{(observation.status or 500) // 100}xx")
        counter = self._requests.get(key)
        if counter is None:
            counter = self._requests[key] = HTTP_REQUESTS.labels(*key)
        counter.inc()
        histogram = self._durations.get(key[:2])
        if histogram is None:
            histogram = self._durations[key[:2]] = HTTP_DURATION.labels(method, route)
        histogram.observe(time.perf_counter() - observation.started)
        if observation.problem is not None:
            code = problem_code(bytes(observation.problem))
            errors = self._errors.get(code)
            if errors is None:
                errors = self._errors[code] = HTTP_ERRORS.labels(code)
            errors.inc()
        self._in_progress[method].dec()


# --- GET /metrics ------------------------------------------------------------------------

router = APIRouter(tags=["monitoring"])


def is_loopback(host: str | None) -> bool:
    try:
        address = ipaddress.ip_address(host or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def authorize_scrape(request: Request, settings: Settings) -> None:
    """Let a scrape through, or raise.

    With ``metrics_token`` set, the request needs ``Authorization: Bearer <metrics_token>``
    (401 otherwise). Without it, only clients on loopback may read the metrics (403).
    """
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            given.strip().encode(), token.encode()
        ):
            raise Unauthorized("/metrics needs 'Authorization: Bearer <metrics token>'")
        return
    client = request.client.host if request.client else None
    if not is_loopback(client):
        raise Forbidden(
            "/metrics answers only local clients unless LANDKONTOR_METRICS_TOKEN is set"
        )


def scrape_registry(collectors: Sequence[Collector] = ()) -> CollectorRegistry:
    """What ``GET /metrics`` renders: this process' metrics (in multiprocess mode the sum
    of the files of every API process) and the ``collectors`` computed at scrape time.

    The collectors go on this registry, not the process-wide one: that one is not rendered
    in multiprocess mode, and each application (tests build many) brings its own.
    """
    registry = CollectorRegistry()
    multiproc_dir = os.environ.get(MULTIPROC_ENV)
    if multiproc_dir:
        prometheus_multiprocess.MultiProcessCollector(registry, path=multiproc_dir)
    else:
        registry.register(REGISTRY)
    for collector in collectors:
        registry.register(collector)  # refuses a second collector of the same family
    return registry


def render_metrics(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The text (or OpenMetrics) exposition of ``registry``."""
    encoder, content_type = choose_encoder(accept or "")
    multiproc_dir = os.environ.get(MULTIPROC_ENV)
    if multiproc_dir:
        mark_dead_processes(Path(multiproc_dir))
    return encoder(registry), content_type


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    authorize_scrape(request, request.app.state.settings)
    body, content_type = render_metrics(
        request.app.state.metrics_registry, request.headers.get("accept")
    )
    return Response(body, media_type=content_type)


# --- multiprocess mode -------------------------------------------------------------------


def mark_dead_processes(multiproc_dir: Path) -> list[int]:
    """Drop the live gauges (requests in progress) of API processes that are gone.

    Counters and histograms of a dead process stay: what it counted still happened.
    """
    dead: set[int] = set()
    for entry in multiproc_dir.glob("gauge_live*.db"):
        match = _LIVE_GAUGE_FILE.match(entry.name)
        if match and not psutil.pid_exists(pid := int(match.group(1))):
            dead.add(pid)
    for pid in dead:
        prometheus_multiprocess.mark_process_dead(pid, str(multiproc_dir))
    return sorted(dead)


def multiprocess_root(settings: Settings) -> Path:
    return settings.run_dir / "prometheus"


def prepare_multiprocess_dir(settings: Settings) -> Path:
    """A fresh folder for the metric files of this API server's processes.

    Sets ``PROMETHEUS_MULTIPROC_DIR`` so the worker processes started afterwards write there.
    Folders left behind by servers that are no longer running are removed.
    """
    root = multiprocess_root(settings)
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("api-*"):
        pid = old.name.removeprefix("api-")
        if pid.isdigit() and not psutil.pid_exists(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    folder = root / f"api-{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    os.environ[MULTIPROC_ENV] = str(folder)
    return folder


def remove_multiprocess_dir(folder: Path) -> None:
    if os.environ.get(MULTIPROC_ENV) == str(folder):
        del os.environ[MULTIPROC_ENV]
    shutil.rmtree(folder, ignore_errors=True)
