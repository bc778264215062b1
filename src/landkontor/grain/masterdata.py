"""Master data of grain intake: weighbridges, farmers' VAT regimes, the dated §24 UStG
average rates, quality terms per crop and season, the sites' day prices — and the lookups
of each (one home per lookup: the intake, contracts and settlement all ask here)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from landkontor.catalog.service import get_item
from landkontor.common.lookup import fetch
from landkontor.db.session import use_case
from landkontor.errors import AlreadyExists, Conflict, InvalidInput
from landkontor.grain import rules
from landkontor.grain.errors import NoQualityTerms
from landkontor.grain.models import (
    DayPrice,
    Farmer,
    FlatRateVat,
    QualityTerms,
    VatRegime,
    Weighbridge,
)
from landkontor.grain.schemas import (
    DayPriceIn,
    FarmerOut,
    FlatRateVatIn,
    QualityTermsIn,
    WeighbridgeIn,
)
from landkontor.inventory.locations import get_warehouse
from landkontor.partners.service import get_supplier

# The average rate of §24 (1) sentence 1 no. 3 UStG ("übrige Umsätze" of farmers, which
# covers grain). Sources: 10.7 % since 2007; 9.5 % from 2022 and 9.0 % from 2023
# (Jahressteuergesetz 2022, BGBl. 2022 I S. 2294); 8.4 % from 6 Dec 2024 and 7.8 % from
# 1 Jan 2025 (Jahressteuergesetz 2024, BGBl. 2024 I Nr. 387 of 5 Dec 2024, Art. 24 and 25).
# Later rates are set by ordinance (Anlage 5 UStG): add them with POST /grain/flat-rate-vat.
STANDARD_FLAT_RATES = [
    (date(2007, 1, 1), Decimal("10.7")),
    (date(2022, 1, 1), Decimal("9.5")),
    (date(2023, 1, 1), Decimal("9.0")),
    (date(2024, 12, 6), Decimal("8.4")),
    (date(2025, 1, 1), Decimal("7.8")),
]


# --- weighbridges -------------------------------------------------------------------------
def get_weighbridge(
    session: Session, weighbridge_id: int, *, field: str | None = None
) -> Weighbridge:
    return fetch(session, Weighbridge, weighbridge_id, kind="weighbridge", field=field or None)


def list_weighbridges(session: Session, warehouse_id: int | None = None) -> list[Weighbridge]:
    stmt = select(Weighbridge).order_by(Weighbridge.warehouse_id, Weighbridge.code)
    if warehouse_id is not None:
        stmt = stmt.where(Weighbridge.warehouse_id == warehouse_id)
    return list(session.scalars(stmt))


@use_case
def create_weighbridge(session: Session, data: WeighbridgeIn) -> Weighbridge:
    get_warehouse(session, data.warehouse_id, field="warehouse_id")
    taken = session.scalar(
        select(Weighbridge.id).where(
            Weighbridge.warehouse_id == data.warehouse_id, Weighbridge.code == data.code
        )
    )
    if taken:
        raise AlreadyExists(f"weighbridge {data.code} exists at this site", field="code")
    bridge = Weighbridge(**data.model_dump())
    session.add(bridge)
    session.flush()
    return bridge


# --- farmers and VAT ----------------------------------------------------------------------
def vat_regime_of(session: Session, supplier_id: int) -> VatRegime:
    """The farmer's VAT regime; a supplier without a grain record is taxed regularly."""
    farmer = session.get(Farmer, supplier_id)
    return farmer.vat_regime if farmer else VatRegime.regular


def get_farmer(session: Session, supplier_id: int) -> FarmerOut:
    """A supplier's grain facts (404 for an unknown supplier)."""
    get_supplier(session, supplier_id)
    return FarmerOut(supplier_id=supplier_id, vat_regime=vat_regime_of(session, supplier_id))


@use_case
def set_vat_regime(session: Session, supplier_id: int, regime: VatRegime) -> Farmer:
    get_supplier(session, supplier_id)
    farmer = session.get(Farmer, supplier_id)
    if farmer is None:
        farmer = Farmer(supplier_id=supplier_id, vat_regime=regime)
        session.add(farmer)
    farmer.vat_regime = regime
    session.flush()
    return farmer


def list_flat_rates(session: Session) -> list[FlatRateVat]:
    return list(session.scalars(select(FlatRateVat).order_by(FlatRateVat.valid_from)))


@use_case
def add_flat_rate(session: Session, data: FlatRateVatIn) -> FlatRateVat:
    """A new §24 average rate from a day on (a change of the law)."""
    if session.scalar(select(FlatRateVat.id).where(FlatRateVat.valid_from == data.valid_from)):
        raise AlreadyExists(f"a rate from {data.valid_from} exists", field="valid_from")
    rate = FlatRateVat(valid_from=data.valid_from, percent=data.percent)
    session.add(rate)
    session.flush()
    return rate


def flat_rate_percent(session: Session, on: date) -> Decimal:
    """The §24 average rate on a day (the latest that started by then)."""
    percent = session.scalar(
        select(FlatRateVat.percent)
        .where(FlatRateVat.valid_from <= on)
        .order_by(FlatRateVat.valid_from.desc())
        .limit(1)
    )
    if percent is None:
        raise Conflict(f"no §24 UStG average rate for {on}; add one under /grain/flat-rate-vat")
    return percent


# --- quality terms ------------------------------------------------------------------------
@use_case
def add_quality_terms(session: Session, data: QualityTermsIn) -> QualityTerms:
    """Quality terms of a crop from a day on. The base moisture must be below the rejection
    limit, and class codes unique."""
    get_item(session, data.item_id, field="item_id")
    limit = data.reject_moisture_above
    if limit is not None and limit <= data.base_moisture:
        raise InvalidInput(
            "the rejection limit must be above the base moisture", field="reject_moisture_above"
        )
    codes = [c.code for c in data.classes]
    if len(set(codes)) != len(codes) or rules.FEED_GRADE in codes:
        raise InvalidInput(
            f"class codes must be unique and not '{rules.FEED_GRADE}'", field="classes"
        )
    terms = QualityTerms(
        **data.model_dump(exclude={"classes"}),
        classes=[c.model_dump(mode="json") for c in data.classes],
    )
    session.add(terms)
    try:
        session.flush()
    except IntegrityError:
        raise AlreadyExists(
            f"the crop has terms from {data.valid_from} already", field="valid_from"
        ) from None
    return terms


def list_quality_terms(session: Session, item_id: int | None = None) -> list[QualityTerms]:
    stmt = select(QualityTerms).order_by(QualityTerms.item_id, QualityTerms.valid_from)
    if item_id is not None:
        stmt = stmt.where(QualityTerms.item_id == item_id)
    return list(session.scalars(stmt))


def terms_on(session: Session, item_id: int, on: date) -> QualityTerms:
    """The crop's quality terms in force on a day."""
    terms = session.scalar(
        select(QualityTerms)
        .where(QualityTerms.item_id == item_id, QualityTerms.valid_from <= on)
        .order_by(QualityTerms.valid_from.desc())
        .limit(1)
    )
    if terms is None:
        raise NoQualityTerms(
            f"item {item_id} has no quality terms on {on}; add them under /grain/quality-terms"
        )
    return terms


def rule_terms(terms: QualityTerms) -> rules.Terms:
    """The stored terms as the pure rules take them."""
    classes = tuple(
        rules.QualityClass(
            code=c["code"],
            name=c.get("name", ""),
            min_protein=_dec(c.get("min_protein")),
            min_falling_number=c.get("min_falling_number"),
            min_hectolitre_weight=_dec(c.get("min_hectolitre_weight")),
            max_broken_grain=_dec(c.get("max_broken_grain")),
            premium_per_t=_dec(c.get("premium_per_t")) or Decimal(0),
        )
        for c in terms.classes
    )
    return rules.Terms(
        base_moisture=terms.base_moisture,
        base_foreign_matter=terms.base_foreign_matter,
        handling_loss_percent=terms.handling_loss_percent,
        handling_loss_only_when_drying=terms.handling_loss_only_when_drying,
        drying_cost_per_t_point=terms.drying_cost_per_t_point,
        cleaning_cost_per_t_point=terms.cleaning_cost_per_t_point,
        reject_moisture_above=terms.reject_moisture_above,
        reject_foreign_matter_above=terms.reject_foreign_matter_above,
        reject_action=terms.reject_action.value,
        feed_grade_discount_per_t=terms.feed_grade_discount_per_t,
        classes=classes,
    )


def _dec(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


# --- day prices ---------------------------------------------------------------------------
@use_case
def set_day_price(session: Session, data: DayPriceIn, *, actor: str) -> DayPrice:
    """The site's price per tonne of a crop from a day on (replaces that day's price)."""
    get_warehouse(session, data.warehouse_id, field="warehouse_id")
    get_item(session, data.item_id, field="item_id")
    price = session.scalar(
        select(DayPrice).where(
            DayPrice.warehouse_id == data.warehouse_id,
            DayPrice.item_id == data.item_id,
            DayPrice.valid_on == data.valid_on,
        )
    )
    if price is None:
        price = DayPrice(**data.model_dump(), created_by=actor)
        session.add(price)
    price.price_per_t = data.price_per_t
    session.flush()
    return price


def list_day_prices(session: Session, warehouse_id: int | None = None) -> list[DayPrice]:
    stmt = select(DayPrice).order_by(DayPrice.warehouse_id, DayPrice.item_id, DayPrice.valid_on)
    if warehouse_id is not None:
        stmt = stmt.where(DayPrice.warehouse_id == warehouse_id)
    return list(session.scalars(stmt))


def day_price(session: Session, warehouse_id: int, item_id: int, on: date) -> Decimal | None:
    """The site's day price of a crop on a day (the latest set by then), or None."""
    return session.scalar(
        select(DayPrice.price_per_t)
        .where(
            DayPrice.warehouse_id == warehouse_id,
            DayPrice.item_id == item_id,
            DayPrice.valid_on <= on,
        )
        .order_by(DayPrice.valid_on.desc())
        .limit(1)
    )
