"""Every business router, mounted under /api/v1.

Login needs no token; the own-account routes need any valid token; everything else needs
a valid token and, for writes, at least the clerk role (further role checks per route).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from landkontor.auth import api as auth_api
from landkontor.auth.deps import current_user, writes_need_clerk
from landkontor.catalog import api as catalog_api
from landkontor.company import api as company_api
from landkontor.documents import api as documents_api
from landkontor.grain import api as grain_api
from landkontor.inventory import api as inventory_api
from landkontor.jobs import api as jobs_api
from landkontor.partners import api as partners_api
from landkontor.production import api as production_api
from landkontor.purchasing import api as purchasing_api
from landkontor.sales import api as sales_api

API_PREFIX = "/api/v1"

# Domain routers in registration order. A domain adds its router here.
DOMAIN_ROUTERS: list[APIRouter] = [
    auth_api.router,
    catalog_api.units_router,
    catalog_api.items_router,
    inventory_api.warehouses_router,
    inventory_api.locations_router,
    inventory_api.batches_router,
    inventory_api.stock_router,
    inventory_api.stocktakes_router,
    production_api.boms_router,
    production_api.orders_router,
    production_api.trace_router,
    jobs_api.router,
    *jobs_api.SHORTCUT_ROUTERS,
    company_api.router,
    partners_api.groups_router,
    partners_api.customers_router,
    partners_api.suppliers_router,
    partners_api.price_lists_router,
    partners_api.prices_router,
    partners_api.tax_rates_router,
    sales_api.orders_router,
    sales_api.deliveries_router,
    sales_api.invoices_router,
    sales_api.credit_router,
    documents_api.invoices_router,
    documents_api.deliveries_router,
    documents_api.purchase_orders_router,
    documents_api.production_orders_router,
    documents_api.recall_reports_router,
    purchasing_api.orders_router,
    purchasing_api.receipts_router,
    grain_api.router,
]


def build_api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX)
    api.include_router(auth_api.login_router)
    api.include_router(auth_api.self_router, dependencies=[Depends(current_user)])
    for router in DOMAIN_ROUTERS:
        api.include_router(router, dependencies=[Depends(writes_need_clerk)])
    return api
