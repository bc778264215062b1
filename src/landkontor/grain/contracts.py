"""Purchase contracts (Kontrakte) with farmers, price fixings and the allocation of
tickets to contracts.

Allocation: a taken-in ticket's settlement weight goes to the farmer's open contracts for
the crop whose delivery period contains the intake day, oldest first (delivery start, then
number), each up to its quantity plus tolerance; the rest is bought at the site's day price.
The clerk may change the allocation until the ticket is settled. The farmer's contract rows
are locked (in id order) while allocating, so concurrent tickets never overfill a contract.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item
from landkontor.common.lookup import fetch, locked
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.base import table_of
from landkontor.db.session import use_case
from landkontor.errors import InvalidInput, InvalidState
from landkontor.grain import rules
from landkontor.grain.errors import PriceMissing, TicketNotReady
from landkontor.grain.masterdata import day_price
from landkontor.grain.models import (
    Allocation,
    Contract,
    ContractPricing,
    ContractStatus,
    PriceFixing,
    Ticket,
    TicketStatus,
)
from landkontor.grain.schemas import (
    AllocationIn,
    ContractCreate,
    ContractOut,
    FixingIn,
    FixingOut,
)
from landkontor.grain.tickets import ensure_changeable, get_ticket
from landkontor.numbering.service import next_number
from landkontor.partners.service import get_supplier

CONTRACT_SERIES = "KT"


def get_contract(
    session: Session, contract_id: int, *, lock: bool = False, field: str | None = None
) -> Contract:
    return fetch(session, Contract, contract_id, kind="contract", lock=lock, field=field)


@use_case
def create_contract(session: Session, data: ContractCreate, *, actor: str) -> Contract:
    """A contract for a quantity of a crop; fixed pricing needs a price, open pricing none
    (it is fixed later in price fixings)."""
    get_supplier(session, data.supplier_id, field="supplier_id")
    get_item(session, data.item_id, field="item_id")
    if data.delivery_to < data.delivery_from:
        raise InvalidInput("the delivery period ends before it starts", field="delivery_to")
    if data.pricing == ContractPricing.fixed and data.price_per_t is None:
        raise InvalidInput("a fixed-price contract needs price_per_t", field="price_per_t")
    if data.pricing == ContractPricing.open and data.price_per_t is not None:
        raise InvalidInput(
            "an open-price contract is priced by fixings; leave price_per_t out",
            field="price_per_t",
        )
    contract = Contract(
        **data.model_dump(),
        contract_no=next_number(session, CONTRACT_SERIES),
        status=ContractStatus.open,
        created_by=actor,
    )
    session.add(contract)
    session.flush()
    return contract


@use_case
def add_fixing(session: Session, contract_id: int, data: FixingIn, *, actor: str) -> PriceFixing:
    """The farmer fixes the price of part of an open-price contract; never more than the
    contract's quantity plus tolerance in all."""
    contract = get_contract(session, contract_id, lock=True)
    if contract.pricing != ContractPricing.open:
        raise InvalidState(f"contract {contract.contract_no} has a fixed price")
    fixed = fixed_tonnes(session, contract.id)
    limit = contract.quantity_t * (100 + contract.tolerance_percent) / 100
    if fixed + data.quantity_t > limit:
        raise InvalidInput(
            f"{fixed} t are fixed already; the contract allows {limit} t", field="quantity_t"
        )
    fixing = PriceFixing(contract_id=contract.id, **data.model_dump(), created_by=actor)
    session.add(fixing)
    session.flush()
    return fixing


@use_case
def close_contract(session: Session, contract_id: int) -> Contract:
    """No further tickets are allocated to a closed contract."""
    contract = get_contract(session, contract_id, lock=True)
    contract.status = ContractStatus.closed
    session.flush()
    return contract


def fixed_tonnes(session: Session, contract_id: int) -> Decimal:
    return session.scalar(
        select(func.coalesce(func.sum(PriceFixing.quantity_t), 0)).where(
            PriceFixing.contract_id == contract_id
        )
    ) or Decimal(0)


def fixings_of(session: Session, contract_id: int) -> list[PriceFixing]:
    return list(
        session.scalars(
            select(PriceFixing)
            .where(PriceFixing.contract_id == contract_id)
            .order_by(PriceFixing.fixed_on, PriceFixing.id)
        )
    )


def allocated_kg(session: Session, contract_ids: list[int]) -> dict[int, Decimal]:
    rows = session.execute(
        select(Allocation.contract_id, func.sum(Allocation.quantity_kg))
        .where(Allocation.contract_id.in_(contract_ids))
        .group_by(Allocation.contract_id)
    )
    # contract_id is NULL only on day-price parts, which the IN above leaves out
    return {contract_id: kg for contract_id, kg in rows if contract_id is not None}


def contract_out(session: Session, contract: Contract) -> ContractOut:
    out = ContractOut.model_validate(contract)
    out.allocated_kg = allocated_kg(session, [contract.id]).get(contract.id, Decimal(0))
    out.fixings = [FixingOut.model_validate(f) for f in fixings_of(session, contract.id)]
    out.fixed_t = sum((f.quantity_t for f in out.fixings), Decimal(0))
    return out


def list_contracts(
    session: Session,
    params: PageParams,
    *,
    supplier_id: int | None = None,
    status: ContractStatus | None = None,
) -> tuple[list[Contract], int]:
    stmt = select(Contract).order_by(Contract.id)
    if supplier_id is not None:
        stmt = stmt.where(Contract.supplier_id == supplier_id)
    if status is not None:
        stmt = stmt.where(Contract.status == status)
    return paginate(session, stmt, params)


# --- allocation ---------------------------------------------------------------------------
def _candidate_contracts(session: Session, ticket: Ticket, on: date) -> list[Contract]:
    """The farmer's open contracts for the crop valid on the day, oldest first, locked."""
    candidates = list(
        session.scalars(
            locked(
                select(Contract)
                .where(
                    Contract.supplier_id == ticket.supplier_id,
                    Contract.item_id == ticket.item_id,
                    Contract.status == ContractStatus.open,
                    Contract.delivery_from <= on,
                    Contract.delivery_to >= on,
                )
                .order_by(Contract.id)
                .execution_options(populate_existing=True),
                of=Contract,
            )
        )
    )
    return sorted(candidates, key=lambda c: (c.delivery_from, c.id))


def _day_price_or_fail(session: Session, ticket: Ticket, on: date) -> Decimal:
    price = day_price(session, ticket.warehouse_id, ticket.item_id, on)
    if price is None:
        raise PriceMissing(
            f"no day price for item {ticket.item_id} at site {ticket.warehouse_id} on {on}; "
            "set one under /grain/day-prices (needed for the part beyond all contracts)"
        )
    return price


def auto_allocate(
    session: Session, ticket: Ticket, quantity_kg: Decimal, on: date
) -> list[tuple[Allocation, Decimal | None]]:
    """Allocate a ticket's settlement weight, oldest open contract first; the rest at the
    day price (PriceMissing when the site has none). Returns each part with the price per
    tonne known now: the contract's fixed price, else the day price (None if none)."""
    contracts = _candidate_contracts(session, ticket, on)
    taken = allocated_kg(session, [c.id for c in contracts])
    rooms = [
        (
            c.id,
            rules.contract_room_kg(c.quantity_t, c.tolerance_percent, taken.get(c.id, Decimal(0))),
        )
        for c in contracts
    ]
    parts = rules.allocate(quantity_kg, rooms)
    fixed = {c.id: c.price_per_t for c in contracts}
    # The day price is looked up once: it prices the rest beyond the contracts (required)
    # and, provisionally, the parts of open-price contracts.
    day: Decimal | None = None
    if any(contract_id is None for contract_id, _ in parts):
        day = _day_price_or_fail(session, ticket, on)
    elif any(fixed[contract_id] is None for contract_id, _ in parts if contract_id):
        day = day_price(session, ticket.warehouse_id, ticket.item_id, on)
    rows = _store(session, ticket, parts, day, automatic=True)
    return [
        (row, day if row.contract_id is None else fixed[row.contract_id] or day) for row in rows
    ]


def _store(
    session: Session,
    ticket: Ticket,
    parts: list[tuple[int | None, Decimal]],
    day_price_per_t: Decimal | None,
    *,
    automatic: bool,
) -> list[Allocation]:
    """Store the allocation parts (one insert); the part beyond the contracts (contract
    None) at the given day price."""
    rows = [
        Allocation(
            ticket_id=ticket.id,
            contract_id=contract_id,
            quantity_kg=quantity,
            day_price_per_t=day_price_per_t if contract_id is None else None,
            automatic=automatic,
        )
        for contract_id, quantity in parts
    ]
    session.add_all(rows)
    session.flush()
    return rows


@use_case
def set_allocation(session: Session, ticket_id: int, data: AllocationIn) -> list[Allocation]:
    """Change a taken-in, unsettled ticket's allocation: the given contract parts (each
    contract of the farmer and crop, open, within its quantity plus tolerance); the rest
    at the day price of the intake day."""
    ticket = get_ticket(session, ticket_id, lock=True)
    ensure_changeable(ticket)
    if ticket.status != TicketStatus.taken_in or ticket.settlement_kg is None:
        raise TicketNotReady(f"ticket {ticket.ticket_no} is not taken in")
    total = sum((p.quantity_kg for p in data.parts), Decimal(0))
    if total > ticket.settlement_kg:
        raise InvalidInput(
            f"the parts add up to {total} kg; the ticket has {ticket.settlement_kg} kg",
            field="parts",
        )
    ids = sorted({p.contract_id for p in data.parts})
    if len(ids) != len(data.parts):
        raise InvalidInput("each contract at most once", field="parts")
    contracts = {
        c.id: c
        for c in session.scalars(
            locked(
                select(Contract)
                .where(Contract.id.in_(ids))
                .order_by(Contract.id)
                .execution_options(populate_existing=True),
                of=Contract,
            )
        )
    }
    session.execute(table_of(Allocation).delete().where(Allocation.ticket_id == ticket.id))
    taken = allocated_kg(session, ids)
    for index, part in enumerate(data.parts):
        field = f"parts[{index}].contract_id"
        contract = contracts.get(part.contract_id)
        if contract is None:
            raise InvalidInput(f"contract {part.contract_id} does not exist", field=field)
        if (contract.supplier_id, contract.item_id) != (ticket.supplier_id, ticket.item_id):
            raise InvalidInput("the contract is for another farmer or crop", field=field)
        if contract.status != ContractStatus.open:
            raise InvalidInput(f"contract {contract.contract_no} is closed", field=field)
        room = rules.contract_room_kg(
            contract.quantity_t, contract.tolerance_percent, taken.get(contract.id, Decimal(0))
        )
        if part.quantity_kg > room:
            raise InvalidInput(
                f"contract {contract.contract_no} takes only {room} kg more",
                field=f"parts[{index}].quantity_kg",
            )
    parts: list[tuple[int | None, Decimal]] = [(p.contract_id, p.quantity_kg) for p in data.parts]
    if total < ticket.settlement_kg:
        parts.append((None, ticket.settlement_kg - total))
    assert ticket.taken_in_on is not None
    day = (
        _day_price_or_fail(session, ticket, ticket.taken_in_on)
        if total < ticket.settlement_kg
        else None
    )
    return _store(session, ticket, parts, day, automatic=False)
