"""The farmer's settlement (Abrechnung): a self-billed credit note (Gutschrift in the sense
of §14 (2) sentence 2 UStG; §14 (4) no. 10 UStG requires the word "Gutschrift" on it) for
chosen taken-in tickets of one farmer.

Lines per ticket: its settlement weight * price per allocation part (contract price; for
open-price contracts the fixings in the order they were made, after what earlier
settlements used; the day price for the part beyond the contracts), the quality premium or
discount per tonne of settlement weight, and the drying and cleaning costs (negative).
VAT on the net total at the farmer's regime: regular (the crop's VAT category on the day),
flat-rate §24 UStG (the dated average rate), or none (exempt). Numbered gapless ``GU-2026-…``;
immutable in the database once written; its tickets cannot change any more. Its PDF is
rendered and stored in the same transaction (documents/grain_settlements.py), so the company's
invoice data must be entered first (409 ``company-data-missing``).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from landkontor.catalog.models import Item
from landkontor.common.clock import business_today
from landkontor.common.lookup import fetch, locked
from landkontor.common.pagination import PageParams, paginate
from landkontor.db.session import settings_of, use_case
from landkontor.documents.grain_settlements import store_settlement_document
from landkontor.errors import InvalidInput
from landkontor.grain import rules
from landkontor.grain.contracts import fixings_of
from landkontor.grain.errors import PriceMissing, TicketNotReady, TicketSettled
from landkontor.grain.masterdata import flat_rate_percent, vat_regime_of
from landkontor.grain.models import (
    Allocation,
    Contract,
    ContractPricing,
    Settlement,
    SettlementLine,
    SettlementLineKind,
    Ticket,
    TicketStatus,
    VatRegime,
)
from landkontor.grain.schemas import SettlementCreate, SettlementLineOut, SettlementOut
from landkontor.numbering.service import next_number
from landkontor.partners.pricing import vat_percent
from landkontor.partners.service import get_supplier

SETTLEMENT_SERIES = "GU"
DOCUMENT_TITLE = "Gutschrift"


def _vat_note(regime: VatRegime, percent: Decimal) -> str:
    shown = f"{percent.normalize():f}".replace(".", ",")
    if regime == VatRegime.flat_rate:
        return (
            f"Umsatzsteuer nach Durchschnittssatz § 24 Abs. 1 Satz 1 Nr. 3 UStG: {shown} % "
            "(pauschalierender Landwirt)"
        )
    if regime == VatRegime.exempt:
        return "Keine Umsatzsteuer: der Lieferant ist von der Umsatzsteuer befreit"
    return f"Umsatzsteuer {shown} %"


def _tickets(session: Session, data: SettlementCreate) -> list[Ticket]:
    ids = sorted(set(data.ticket_ids))
    if len(ids) != len(data.ticket_ids):
        raise InvalidInput("a ticket is listed twice", field="ticket_ids")
    found = {
        t.id: t
        for t in session.scalars(
            locked(
                select(Ticket)
                .where(Ticket.id.in_(ids))
                .order_by(Ticket.id)
                .execution_options(populate_existing=True),
                of=Ticket,
            )
        )
    }
    tickets = []
    for index, ticket_id in enumerate(data.ticket_ids):
        ticket = found.get(ticket_id)
        field = f"ticket_ids[{index}]"
        if ticket is None:
            raise InvalidInput(f"ticket {ticket_id} does not exist", field=field)
        if ticket.supplier_id != data.supplier_id:
            raise InvalidInput(f"ticket {ticket.ticket_no} is another farmer's", field=field)
        if ticket.settlement_id is not None:
            raise TicketSettled(f"ticket {ticket.ticket_no} is settled already", field=field)
        if ticket.status != TicketStatus.taken_in:
            raise TicketNotReady(
                f"ticket {ticket.ticket_no} is {ticket.status.value}, not taken in", field=field
            )
        tickets.append(ticket)
    return tickets


class _Pricer:
    """Prices allocation parts; remembers what open-price contracts used in this note."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.used: dict[int, Decimal] = {}

    def _settled_before(self, contract_id: int) -> Decimal:
        return self.session.scalar(
            select(func.coalesce(func.sum(SettlementLine.quantity_kg), 0)).where(
                SettlementLine.contract_id == contract_id,
                SettlementLine.kind == SettlementLineKind.goods,
            )
        ) or Decimal(0)

    def parts(self, part: Allocation) -> list[tuple[Decimal, Decimal]]:
        if part.contract_id is None:
            assert part.day_price_per_t is not None
            return [(part.quantity_kg, part.day_price_per_t)]
        contract = fetch(self.session, Contract, part.contract_id, kind="contract", lock=True)
        if contract.pricing == ContractPricing.fixed:
            assert contract.price_per_t is not None
            return [(part.quantity_kg, contract.price_per_t)]
        if contract.id not in self.used:
            self.used[contract.id] = self._settled_before(contract.id)
        fixings = [(f.quantity_t, f.price_per_t) for f in fixings_of(self.session, contract.id)]
        priced, unpriced = rules.price_tranches(fixings, self.used[contract.id], part.quantity_kg)
        if unpriced > 0:
            raise PriceMissing(
                f"contract {contract.contract_no}: {unpriced} kg have no fixed price yet; "
                "record a price fixing first",
                field="ticket_ids",
            )
        self.used[contract.id] += part.quantity_kg
        return priced


def _lines(session: Session, ticket: Ticket, pricer: _Pricer) -> list[SettlementLine]:
    lines = []
    allocations = session.scalars(
        select(Allocation).where(Allocation.ticket_id == ticket.id).order_by(Allocation.id)
    )
    for part in allocations:
        source = "Tagespreis" if part.contract_id is None else "Kontrakt"
        for quantity, price in pricer.parts(part):
            lines.append(
                SettlementLine(
                    ticket_id=ticket.id,
                    contract_id=part.contract_id,
                    kind=SettlementLineKind.goods,
                    description=f"{ticket.ticket_no} {source}",
                    quantity_kg=quantity,
                    price_per_t=price,
                    amount=rules.amount_per_t(quantity, price),
                )
            )
    assert ticket.settlement_kg is not None and ticket.net_kg is not None
    premium = ticket.quality_premium_per_t or Decimal(0)
    if premium:
        label = "Futterware" if ticket.feed_grade else f"Qualität {ticket.quality_class}"
        lines.append(
            SettlementLine(
                ticket_id=ticket.id,
                kind=SettlementLineKind.quality,
                description=f"{ticket.ticket_no} {label}",
                quantity_kg=ticket.settlement_kg,
                price_per_t=premium,
                amount=rules.amount_per_t(ticket.settlement_kg, premium),
            )
        )
    for kind, cost, label in (
        (SettlementLineKind.drying, ticket.drying_cost, "Trocknungskosten"),
        (SettlementLineKind.cleaning, ticket.cleaning_cost, "Reinigungskosten"),
    ):
        if cost:
            lines.append(
                SettlementLine(
                    ticket_id=ticket.id,
                    kind=kind,
                    description=f"{ticket.ticket_no} {label}",
                    quantity_kg=ticket.net_kg,
                    price_per_t=Decimal(0),
                    amount=-cost,
                )
            )
    return lines


def _vat_percent(session: Session, regime: VatRegime, tickets: list[Ticket], on: date) -> Decimal:
    if regime == VatRegime.exempt:
        return Decimal(0)
    if regime == VatRegime.flat_rate:
        return flat_rate_percent(session, on)
    categories = set(
        session.scalars(select(Item.vat_category).where(Item.id.in_({t.item_id for t in tickets})))
    )
    if len(categories) != 1:
        raise InvalidInput(
            "these crops have different VAT rates; settle them separately", field="ticket_ids"
        )
    return vat_percent(session, categories.pop(), on)


@use_case
def settle(session: Session, data: SettlementCreate, *, actor: str) -> Settlement:
    """Write the self-billed credit note for the farmer's chosen tickets (see module)."""
    supplier = get_supplier(session, data.supplier_id, field="supplier_id")
    tickets = _tickets(session, data)
    settled_on = data.settled_on or business_today(settings_of(session))
    regime = vat_regime_of(session, supplier.id)
    percent = _vat_percent(session, regime, tickets, settled_on)
    pricer = _Pricer(session)
    lines = [line for ticket in tickets for line in _lines(session, ticket, pricer)]
    net = sum((line.amount for line in lines), Decimal(0))
    vat = rules.settlement_vat(net, percent)
    settlement = Settlement(
        settlement_no=next_number(session, SETTLEMENT_SERIES, settled_on.year),
        supplier_id=supplier.id,
        supplier_name=supplier.name,
        supplier_vat_id=supplier.vat_id,
        settled_on=settled_on,
        vat_regime=regime,
        vat_percent=percent,
        net_amount=net,
        vat_amount=vat,
        gross_amount=net + vat,
        document_title=DOCUMENT_TITLE,
        vat_note=_vat_note(regime, percent),
        created_by=actor,
    )
    session.add(settlement)
    session.flush()
    for number, line in enumerate(lines, start=1):
        line.settlement_id = settlement.id
        line.line_no = number
    session.add_all(lines)
    for ticket in tickets:
        ticket.settlement_id = settlement.id
    session.flush()
    store_settlement_document(session, settlement)  # its PDF, once, in this transaction
    return settlement


def get_settlement(session: Session, settlement_id: int) -> Settlement:
    return fetch(session, Settlement, settlement_id, kind="settlement")


def settlement_out(session: Session, settlement: Settlement) -> SettlementOut:
    out = SettlementOut.model_validate(settlement)
    out.lines = [
        SettlementLineOut.model_validate(line)
        for line in session.scalars(
            select(SettlementLine)
            .where(SettlementLine.settlement_id == settlement.id)
            .order_by(SettlementLine.line_no)
        )
    ]
    out.ticket_ids = list(
        session.scalars(
            select(Ticket.id).where(Ticket.settlement_id == settlement.id).order_by(Ticket.id)
        )
    )
    return out


def list_settlements(
    session: Session, params: PageParams, *, supplier_id: int | None = None
) -> tuple[list[Settlement], int]:
    stmt = select(Settlement).order_by(Settlement.id.desc())
    if supplier_id is not None:
        stmt = stmt.where(Settlement.supplier_id == supplier_id)
    return paginate(session, stmt, params)
