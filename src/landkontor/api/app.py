"""The FastAPI application factory."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from landkontor import __version__
from landkontor.api.business_metrics import BusinessCollector
from landkontor.api.health import ReadinessCheck
from landkontor.api.health import router as health_router
from landkontor.api.metrics import router as metrics_router
from landkontor.api.metrics import scrape_registry
from landkontor.api.middleware import RequestMiddleware
from landkontor.api.problems import install_problem_handlers
from landkontor.api.routers import build_api_router
from landkontor.auth.principals import PrincipalCache
from landkontor.auth.security import resolve_secret_key
from landkontor.db.session import Database, get_database
from landkontor.documents.issue import register_invoice_documents
from landkontor.jobs import broker
from landkontor.jobs.metrics import JobsCollector
from landkontor.logconfig import configure_logging
from landkontor.settings import Settings, get_settings
from landkontor.web.routes import install_web

DESCRIPTION = """
ERP for agricultural trade and feed production (Landhandel): items, warehouses and storage
locations, batches, an append-only stock ledger, sales, purchasing and production with batch
tracing.

Authenticate with `POST /api/v1/auth/token` (user name and password as an OAuth2 form) and
send the token as `Authorization: Bearer <token>`. Errors are `application/problem+json`
(RFC 9457). Quantities and amounts are decimal strings.
"""


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: the process settings)."""
    settings = settings or get_settings()
    database = database or get_database(settings)
    configure_logging(settings)
    register_invoice_documents()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield

    app = FastAPI(
        title="Landkontor API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url="/redoc",
    )
    app.state.settings = settings
    app.state.database = database
    app.state.secret_key = resolve_secret_key(settings)
    app.state.principals = PrincipalCache(settings.auth_cache_seconds)
    app.state.readiness_checks = {"database": database.ping}
    add_readiness_check(app, "broker", functools.partial(broker.ping, settings))
    app.state.metrics_registry = scrape_registry(
        [
            JobsCollector(settings, database),
            BusinessCollector(database, settings.metrics_business_refresh_seconds),
        ]
    )

    install_problem_handlers(app)
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(build_api_router())
    install_web(app)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(RequestMiddleware)
    return app


def add_readiness_check(app: FastAPI, name: str, check: ReadinessCheck) -> None:
    app.state.readiness_checks[name] = check


def app_from_env() -> FastAPI:
    """Entry point for uvicorn's --factory (``landkontor.api.app:app_from_env``)."""
    return create_app()
