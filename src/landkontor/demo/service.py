"""Loading the demo Landhandel, and the one rule of when that is allowed.

``load_demo`` creates the master data in one transaction and then simulates the year
week by week, each week one transaction (the use cases it calls join it), reporting
progress between them. It refuses a database that ``holds_business_data``: demo documents
mixed into real books would be indistinguishable from them. A load that fails or is
cancelled keeps the weeks it finished; load again into an empty database.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from sqlalchemy import exists, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.auth.roles import Role
from landkontor.catalog.models import Item
from landkontor.common.clock import business_today
from landkontor.db.session import settings_of, use_case
from landkontor.demo.errors import DatabaseNotEmpty
from landkontor.demo.loose_ends import tie_up
from landkontor.demo.masterdata import SCALES, Scale, World, create_master_data
from landkontor.demo.simulation import Year
from landkontor.documents.issue import register_invoice_documents
from landkontor.errors import AlreadyExists, Forbidden, InvalidInput
from landkontor.inventory.models import Batch, Location, StockMovement, Warehouse
from landkontor.partners.models import Customer, CustomerGroup, PriceList, Supplier
from landkontor.production.models import BillOfMaterials, ProductionOrder
from landkontor.purchasing.models import PurchaseOrder
from landkontor.sales.models import Invoice, SalesOrder

T = TypeVar("T")

SEED = 20261130  # the same demo every time (dates move with today)
DEMO_ROLE = Role.admin

# Tables whose rows are business data. Units and VAT rates (reference data the migrations
# insert), users and jobs are not.
BUSINESS_TABLES = (
    Item,
    Warehouse,
    Location,
    Batch,
    StockMovement,
    Supplier,
    Customer,
    CustomerGroup,
    PriceList,
    PurchaseOrder,
    SalesOrder,
    Invoice,
    BillOfMaterials,
    ProductionOrder,
)

Progress = Callable[[int, int, str], None]


def holds_business_data(session: Session) -> bool:
    """Whether the database holds any business data (items, stock, partners, documents).

    A fresh installation holds only reference data, users and jobs: then the demo may be
    loaded (and the dashboard offers it)."""
    return bool(
        session.scalar(select(or_(*(exists().select_from(model) for model in BUSINESS_TABLES))))
    )


def ensure_empty(session: Session) -> None:
    """DatabaseNotEmpty (409) unless the database is free of business data."""
    if holds_business_data(session):
        raise DatabaseNotEmpty(
            "the database already holds business data; the demo is loaded only into an "
            "empty database (a fresh installation)"
        )


def get_scale(name: str) -> Scale:
    try:
        return SCALES[name]
    except KeyError:
        raise InvalidInput(
            f"unknown scale {name!r}; choose one of {', '.join(SCALES)}", field="scale"
        ) from None


@dataclass
class DemoSummary:
    scale: str
    today: date
    counts: dict[str, int] = field(default_factory=dict)


def load_demo(
    session: Session,
    scale: Scale,
    *,
    actor: str,
    role: Role = DEMO_ROLE,
    progress: Progress | None = None,
) -> DemoSummary:
    """Load the demo Landhandel through the use cases (admin only).

    Raises Forbidden for a role below admin, DatabaseNotEmpty (409) when business data
    exists. Returns what was loaded. ``progress(done, total, message)`` is called after
    each step (master data, each week, the last day), between transactions.
    """
    if not role.at_least(DEMO_ROLE):
        raise Forbidden("loading the demo needs the role admin", required_role=DEMO_ROLE.value)
    register_invoice_documents()  # the demo issues invoices and credit notes
    report = progress or (lambda done, total, message: None)
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    today = business_today(settings_of(session))
    total = scale.weeks + 2
    world = _master_data(session, scale, rng, today)
    report(1, total, "Stammdaten angelegt")
    year = Year(session, world, scale, rng, today, actor)
    for week in range(scale.weeks):
        _in_one_transaction(session, year.run_week, week)
        report(2 + week, total, f"Woche {week + 1} von {scale.weeks} gebucht")
    _in_one_transaction(session, lambda _: tie_up(year), None)
    report(total, total, "Demo-Daten vollständig")
    counts = {
        "warehouses": len(world.sites),
        "locations": world.locations_created,
        "items": len(world.items),
        "recipes": world.recipes,
        "suppliers": len(_unique(world.suppliers)),
        "customers": len(world.customers),
        **year.counts,
    }
    return DemoSummary(scale=scale.name, today=today, counts=dict(sorted(counts.items())))


def _unique(suppliers: dict[str, list[int]]) -> set[int]:
    return {supplier for ids in suppliers.values() for supplier in ids}


@use_case
def _master_data(session: Session, scale: Scale, rng: random.Random, today: date) -> World:
    ensure_empty(session)
    try:
        return create_master_data(session, scale, rng, today)
    except (AlreadyExists, IntegrityError):
        # Another load committed its master data since the check (PostgreSQL).
        raise DatabaseNotEmpty("another demo load has just filled the database") from None


@use_case
def _in_one_transaction(session: Session, step: Callable[[T], None], argument: T) -> None:
    step(argument)
