"""Every page router of the web interface, and the static files, mounted on the app."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from landkontor.web import (
    account,
    batches,
    dashboard,
    grain,
    invoices,
    items,
    jobs,
    movements,
    partners,
    prices,
    production,
    purchasing,
    recipes,
    sales,
    stocktake,
    system,
    tracing,
    warehouses,
)

STATIC_DIR = Path(__file__).parent / "static"

# Page routers in registration order. A new area adds its router here.
PAGE_ROUTERS: list[APIRouter] = [
    account.login_router,
    account.router,
    dashboard.router,
    items.router,
    warehouses.router,
    batches.router,
    movements.router,
    stocktake.router,
    partners.router,
    prices.router,
    sales.router,
    invoices.router,
    purchasing.router,
    recipes.router,  # before production.router: /produktion/rezepturen is no order id
    production.router,
    tracing.router,
    grain.router,
    jobs.router,
    system.router,
]


def install_web(app: FastAPI) -> None:
    """Mount the pages at / and their static files at /static (no OpenAPI entries)."""
    for router in PAGE_ROUTERS:
        app.include_router(router, include_in_schema=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
