"""The rules of grain intake as plain functions (no database): settlement weight with every
step, quality class, rejection, contract allocation, price tranches of fixings, money.

Weights are kilograms as Decimal. Each deduction is computed on the net weight as weighed
and shown to 4 decimals (the quantity scale); the settlement weight is the net minus the
shown deductions, rounded half-up to whole kilograms:

* drying shrink (Trocknungsschwund) = net * (moisture - base) / (100 - base), when the
  moisture is above the base: the water removed to bring the load down to base moisture;
* foreign-matter deduction (Besatzabzug) = net * (foreign matter - base) / 100, when above
  the base: one per cent of weight per point;
* handling loss (Manipulationsschwund) = net * handling % / 100 — only for loads that need
  drying when the terms say so (the usual practice), else for every load.

Costs per tonne are charged on the net tonnes delivered (that is what is dried and cleaned);
premiums and discounts per tonne on the settlement weight (that is what is paid for).
Money is rounded half-up to cents in one place, ``partners.rules.round_cents``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from landkontor.common.money import round_cents
from landkontor.db.types import QUANTITY_SCALE
from landkontor.partners.rules import vat_of

HUNDRED = Decimal(100)
THOUSAND = Decimal(1000)
ZERO = Decimal(0)
_STEP = Decimal(1).scaleb(-QUANTITY_SCALE)
FEED_GRADE = "feed"


def round_step(value: Decimal) -> Decimal:
    """A shown deduction: half-up to the quantity scale (0.1 g)."""
    return value.quantize(_STEP, rounding=ROUND_HALF_UP)


def round_kg(value: Decimal) -> Decimal:
    """The settlement weight: half-up to whole kilograms."""
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def amount_per_t(quantity_kg: Decimal, price_per_t: Decimal) -> Decimal:
    """Money for a weight at a price per tonne, in cents."""
    return round_cents(quantity_kg * price_per_t / THOUSAND)


@dataclass(frozen=True)
class QualityClass:
    """A class (e.g. wheat E/A/B/C) with its minimums; None means no requirement."""

    code: str
    name: str = ""
    min_protein: Decimal | None = None
    min_falling_number: int | None = None
    min_hectolitre_weight: Decimal | None = None
    max_broken_grain: Decimal | None = None
    premium_per_t: Decimal = ZERO  # negative: a discount


@dataclass(frozen=True)
class Terms:
    base_moisture: Decimal
    base_foreign_matter: Decimal
    handling_loss_percent: Decimal = ZERO
    handling_loss_only_when_drying: bool = True
    drying_cost_per_t_point: Decimal = ZERO
    cleaning_cost_per_t_point: Decimal = ZERO
    reject_moisture_above: Decimal | None = None
    reject_foreign_matter_above: Decimal | None = None
    reject_action: str = "refuse"  # or "feed_grade"
    feed_grade_discount_per_t: Decimal = ZERO
    classes: tuple[QualityClass, ...] = ()


@dataclass(frozen=True)
class Sample:
    moisture: Decimal
    foreign_matter: Decimal
    broken_grain: Decimal | None = None
    hectolitre_weight: Decimal | None = None
    protein: Decimal | None = None
    falling_number: int | None = None


@dataclass(frozen=True)
class SettlementWeight:
    net_kg: Decimal
    moisture_points: Decimal
    drying_shrink_kg: Decimal
    foreign_matter_points: Decimal
    foreign_matter_kg: Decimal
    handling_loss_kg: Decimal
    settlement_kg: Decimal


@dataclass(frozen=True)
class Assessment:
    """Everything the intake decides from the net weight, the sample and the terms."""

    weight: SettlementWeight
    rejection_reasons: list[str] = field(default_factory=list)
    refused: bool = False
    feed_grade: bool = False
    quality_class: str | None = None
    premium_per_t: Decimal = ZERO
    drying_cost: Decimal = ZERO
    cleaning_cost: Decimal = ZERO


def _above(value: Decimal, base: Decimal) -> Decimal:
    return value - base if value > base else ZERO


def settlement_weight(net_kg: Decimal, sample: Sample, terms: Terms) -> SettlementWeight:
    """The settlement weight (Abrechnungsgewicht) with every deduction."""
    moisture_points = _above(sample.moisture, terms.base_moisture)
    shrink = round_step(net_kg * moisture_points / (HUNDRED - terms.base_moisture))
    foreign_points = _above(sample.foreign_matter, terms.base_foreign_matter)
    foreign = round_step(net_kg * foreign_points / HUNDRED)
    handling = ZERO
    if moisture_points > 0 or not terms.handling_loss_only_when_drying:
        handling = round_step(net_kg * terms.handling_loss_percent / HUNDRED)
    result = round_kg(net_kg - shrink - foreign - handling)
    return SettlementWeight(
        net_kg=net_kg,
        moisture_points=moisture_points,
        drying_shrink_kg=shrink,
        foreign_matter_points=foreign_points,
        foreign_matter_kg=foreign,
        handling_loss_kg=handling,
        settlement_kg=max(result, ZERO),
    )


def _shown(value: Decimal) -> str:
    return f"{value.normalize():f}"


def rejection_reasons(sample: Sample, terms: Terms) -> list[str]:
    """Why a load is above the rejection limits (empty: accepted)."""
    reasons = []
    limit = terms.reject_moisture_above
    if limit is not None and sample.moisture > limit:
        reasons.append(f"moisture {_shown(sample.moisture)} % above {_shown(limit)} %")
    limit = terms.reject_foreign_matter_above
    if limit is not None and sample.foreign_matter > limit:
        reasons.append(f"foreign matter {_shown(sample.foreign_matter)} % above {_shown(limit)} %")
    return reasons


def _meets(sample: Sample, cls: QualityClass) -> bool:
    checks = (
        (cls.min_protein, sample.protein, False),
        (cls.min_falling_number, sample.falling_number, False),
        (cls.min_hectolitre_weight, sample.hectolitre_weight, False),
        (cls.max_broken_grain, sample.broken_grain, True),
    )
    for limit, value, is_max in checks:
        if limit is None:
            continue
        if value is None:
            return False
        if (value > limit) if is_max else (value < limit):
            return False
    return True


def quality_class(sample: Sample, classes: Sequence[QualityClass]) -> QualityClass | None:
    """The first (best) class whose requirements the sample meets; None if none does."""
    return next((cls for cls in classes if _meets(sample, cls)), None)


def assess(net_kg: Decimal, sample: Sample, terms: Terms) -> Assessment:
    """Settlement weight, class, premium, costs and the rejection decision of one load."""
    weight = settlement_weight(net_kg, sample, terms)
    reasons = rejection_reasons(sample, terms)
    if reasons and terms.reject_action == "refuse":
        return Assessment(weight=weight, rejection_reasons=reasons, refused=True)
    net_t = net_kg / THOUSAND
    drying = round_cents(net_t * weight.moisture_points * terms.drying_cost_per_t_point)
    cleaning = round_cents(net_t * weight.foreign_matter_points * terms.cleaning_cost_per_t_point)
    if reasons:  # booked as feed grade
        return Assessment(
            weight=weight,
            rejection_reasons=reasons,
            feed_grade=True,
            quality_class=FEED_GRADE,
            premium_per_t=-terms.feed_grade_discount_per_t,
            drying_cost=drying,
            cleaning_cost=cleaning,
        )
    cls = quality_class(sample, terms.classes)
    return Assessment(
        weight=weight,
        quality_class=cls.code if cls else None,
        premium_per_t=cls.premium_per_t if cls else ZERO,
        drying_cost=drying,
        cleaning_cost=cleaning,
    )


# --- contracts --------------------------------------------------------------------------
def contract_room_kg(
    quantity_t: Decimal, tolerance_percent: Decimal, allocated_kg: Decimal
) -> Decimal:
    """How much more a contract takes: its quantity plus tolerance, less what it has."""
    limit = quantity_t * THOUSAND * (HUNDRED + tolerance_percent) / HUNDRED
    return max(limit - allocated_kg, ZERO)


def allocate(
    quantity_kg: Decimal, rooms: Sequence[tuple[int, Decimal]]
) -> list[tuple[int | None, Decimal]]:
    """Split a delivery over contracts in the given order (oldest first), each up to its
    room; the rest (contract None) is bought at the day price."""
    parts: list[tuple[int | None, Decimal]] = []
    rest = quantity_kg
    for contract_id, room in rooms:
        if rest <= 0:
            break
        take = min(rest, room)
        if take > 0:
            parts.append((contract_id, take))
            rest -= take
    if rest > 0:
        parts.append((None, rest))
    return parts


def price_tranches(
    fixings: Sequence[tuple[Decimal, Decimal]], already_priced_kg: Decimal, quantity_kg: Decimal
) -> tuple[list[tuple[Decimal, Decimal]], Decimal]:
    """Price ``quantity_kg`` of an open-price contract from its fixings (tonnes, price per
    tonne; in the order they were made), after the ``already_priced_kg`` settled earlier.
    Returns the priced parts (kg, price per t) and the kilograms still without price."""
    parts = []
    skip = already_priced_kg
    rest = quantity_kg
    for fixed_t, price in fixings:
        available = fixed_t * THOUSAND
        if skip >= available:
            skip -= available
            continue
        available -= skip
        skip = ZERO
        take = min(available, rest)
        if take > 0:
            parts.append((take, price))
            rest -= take
        if rest <= 0:
            break
    return parts, rest


def receipt_unit_cost(parts: Sequence[tuple[Decimal, Decimal | None]]) -> Decimal:
    """EUR per kg of a receipt made of parts (kg, price per tonne or None = unknown, at 0),
    to the unit-cost scale."""
    total = sum((kg for kg, _ in parts), ZERO)
    if not total:
        return ZERO
    value = sum((kg * (price or ZERO) for kg, price in parts), ZERO) / THOUSAND
    return (value / total).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP)


# --- VAT --------------------------------------------------------------------------------
def settlement_vat(net: Decimal, percent: Decimal) -> Decimal:
    """VAT of a credit note: on the net total, half-up to cents."""
    return vat_of(net, percent)
