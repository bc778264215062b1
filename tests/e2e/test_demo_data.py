"""`landkontor demo` as a user runs it: a subprocess filling an empty database (small scale)
through the services, whose books then hold together and show everything the screens need;
a second run is refused and changes nothing."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

import landkontor.models  # noqa: F401  (every table in Base.metadata)
from landkontor.common.clock import business_today
from landkontor.db.base import Base
from landkontor.demo.service import holds_business_data
from landkontor.inventory.genealogy import Direction
from landkontor.inventory.models import Batch, BatchOrigin, BatchStatus, StockLevel
from landkontor.inventory.verify import verify_stock
from landkontor.production.models import OrderStatus, ProductionOrder
from landkontor.production.trace import trace
from landkontor.purchasing.models import PurchaseOrder, PurchaseOrderStatus
from landkontor.purchasing.replenishment import reorder_candidates, reorder_proposals
from landkontor.sales.models import Invoice, InvoiceKind, SalesOrder, SalesOrderStatus
from landkontor.settings import get_settings
from tests.conftest import _truncate_all
from tests.jobs_support import LANDKONTOR, ROOT, process_env

pytestmark = pytest.mark.slow


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [LANDKONTOR, "demo", "--scale", "small", *args],
        cwd=ROOT,
        env=process_env(COLUMNS="120"),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def loaded(migrated_database):
    """The small demo, loaded once for this module by the CLI in a subprocess."""
    _truncate_all(migrated_database)
    with migrated_database.session() as session:
        assert not holds_business_data(session)  # units and VAT rates are reference data
    result = run_demo()
    assert result.returncode == 0, result.stdout + result.stderr
    yield result
    _truncate_all(migrated_database)


@pytest.fixture
def session(loaded, migrated_database):
    with migrated_database.session() as s:
        yield s


def with_stock(session, *criteria) -> list[Batch]:
    stocked = select(StockLevel.batch_id).where(StockLevel.quantity > 0)
    return list(session.scalars(select(Batch).where(Batch.id.in_(stocked), *criteria)))


def test_the_cli_reports_what_it_loaded(loaded, session):
    assert "Demo loaded (small" in loaded.stdout
    for name in ("items", "sales_orders", "invoices", "production_orders", "batches_recalled"):
        assert name in loaded.stdout
    assert holds_business_data(session)


def test_the_books_hold_together(session):
    assert verify_stock(session) == []


def test_invoice_and_credit_note_numbers_are_gapless(session):
    for kind, series in ((InvoiceKind.invoice, "RE"), (InvoiceKind.credit_note, "GS")):
        numbers = session.scalars(select(Invoice.number).where(Invoice.kind == kind)).all()
        assert numbers, kind
        by_year: dict[str, list[int]] = {}
        for number in numbers:
            prefix, year, serial = number.split("-")
            assert prefix == series
            by_year.setdefault(year, []).append(int(serial))
        for serials in by_year.values():
            assert sorted(serials) == list(range(1, len(serials) + 1))


def test_there_are_blocked_recalled_expiring_and_expired_batches_with_stock(session):
    today = business_today(get_settings())
    assert with_stock(session, Batch.status == BatchStatus.blocked)
    recalled = session.scalars(select(Batch).where(Batch.status == BatchStatus.recalled)).all()
    assert any(b.origin == BatchOrigin.receipt for b in recalled)  # the supplier's batch
    assert any(b.origin == BatchOrigin.production for b in recalled)  # feed made from it
    expiring = with_stock(
        session,
        Batch.status == BatchStatus.released,
        Batch.best_before.between(today, today + timedelta(days=14)),
    )
    assert len(expiring) >= 2
    assert with_stock(session, Batch.best_before < today)


def test_some_items_are_below_their_reorder_point(session):
    assert reorder_proposals(session, reorder_candidates(session))


def test_open_orders_of_every_kind(session):
    def statuses(model):
        return set(session.scalars(select(model.status).distinct()))

    sales = statuses(SalesOrder)
    assert {SalesOrderStatus.confirmed, SalesOrderStatus.draft} <= sales
    assert {SalesOrderStatus.invoiced, SalesOrderStatus.closed} <= sales
    assert PurchaseOrderStatus.ordered in statuses(PurchaseOrder)
    assert PurchaseOrderStatus.draft in statuses(PurchaseOrder)
    production = statuses(ProductionOrder)
    assert OrderStatus.completed in production
    assert production & {OrderStatus.planned, OrderStatus.released}


def test_a_compound_feed_batch_traces_back_to_a_supplier_and_forward_to_customers(session):
    made = session.scalars(
        select(Batch).where(Batch.origin == BatchOrigin.production).order_by(Batch.id)
    ).first()
    assert made is not None
    backward = trace(session, made.id, Direction.backward)
    assert [m.document_type for m in backward.made_by] == ["production_order"]
    assert len(backward.batches) >= 3  # grain, protein, premix … of that recipe
    assert backward.receipts and all(r.supplier.number for r in backward.receipts)
    recalled_inputs = session.scalars(
        select(Batch).where(
            Batch.status == BatchStatus.recalled, Batch.origin == BatchOrigin.receipt
        )
    ).all()
    forward = trace(session, recalled_inputs[0].id, Direction.forward)
    assert forward.batches and forward.deliveries  # the recall reaches customers


def test_a_second_load_is_refused_with_exit_2_and_changes_nothing(loaded, migrated_database):
    def row_counts() -> dict[str, int]:
        with migrated_database.session() as s:
            return {
                table.name: s.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables
            }

    before = row_counts()
    again = run_demo()
    assert again.returncode == 2, again.stdout + again.stderr
    assert "business data" in again.stderr
    assert "Traceback" not in again.stderr + again.stdout
    assert row_counts() == before


def test_every_invoice_total_is_its_lines_plus_vat(session):
    for invoice in session.scalars(select(Invoice).limit(50)):
        assert invoice.net_total == sum((line.net_amount for line in invoice.lines), D(0))
        assert invoice.gross_total == invoice.net_total + invoice.vat_total
