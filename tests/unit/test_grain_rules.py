"""The grain intake rules against hand-computed examples (no database)."""

from __future__ import annotations

from decimal import Decimal as D

from landkontor.grain import rules
from landkontor.grain.rules import QualityClass, Sample, Terms

WHEAT = Terms(
    base_moisture=D("14.5"),
    base_foreign_matter=D("2.0"),
    handling_loss_percent=D("0.5"),
    handling_loss_only_when_drying=True,
    drying_cost_per_t_point=D("1.50"),
    cleaning_cost_per_t_point=D("2.00"),
    reject_moisture_above=D("20"),
    reject_foreign_matter_above=D("8"),
    reject_action="refuse",
    feed_grade_discount_per_t=D("12"),
    classes=(
        QualityClass("E", min_protein=D("14"), min_falling_number=250, premium_per_t=D("15")),
        QualityClass(
            "A",
            min_protein=D("13"),
            min_falling_number=250,
            min_hectolitre_weight=D("76"),
            premium_per_t=D("5"),
        ),
        QualityClass("B", min_protein=D("12"), min_falling_number=220),
        QualityClass("C", premium_per_t=D("-10")),
    ),
)


def test_wet_dirty_load_worked_example():
    # 25 000 kg at 16.5 % moisture (base 14.5) and 3.0 % foreign matter (base 2.0):
    # shrink 25 000 * 2.0 / 85.5 = 584.795321… -> 584.7953 kg
    # foreign 25 000 * 1.0 / 100 = 250 kg; handling 0.5 % (the load is dried) = 125 kg
    # settlement 25 000 - 584.7953 - 250 - 125 = 24 040.2047 -> 24 040 kg
    weight = rules.settlement_weight(
        D("25000"), Sample(moisture=D("16.5"), foreign_matter=D("3.0")), WHEAT
    )
    assert weight.moisture_points == D("2.0")
    assert weight.drying_shrink_kg == D("584.7953")
    assert weight.foreign_matter_points == D("1.0")
    assert weight.foreign_matter_kg == D("250.0000")
    assert weight.handling_loss_kg == D("125.000")
    assert weight.settlement_kg == D("24040")


def test_drying_and_cleaning_costs_on_net_tonnes():
    # drying 25 t * 2.0 points * 1.50 = 75.00; cleaning 25 t * 1.0 point * 2.00 = 50.00
    result = rules.assess(D("25000"), Sample(moisture=D("16.5"), foreign_matter=D("3.0")), WHEAT)
    assert result.drying_cost == D("75.00")
    assert result.cleaning_cost == D("50.00")
    assert not result.refused


def test_dry_clean_load_keeps_its_net_weight_and_has_no_handling_loss():
    weight = rules.settlement_weight(
        D("18460"), Sample(moisture=D("13.8"), foreign_matter=D("1.5")), WHEAT
    )
    assert (weight.drying_shrink_kg, weight.foreign_matter_kg, weight.handling_loss_kg) == (0, 0, 0)
    assert weight.settlement_kg == D("18460")


def test_handling_loss_on_every_load_when_configured():
    # 18 460 * 0.3 % = 55.38 -> 18 404.62 -> 18 405 kg
    terms = Terms(
        base_moisture=D("14.5"),
        base_foreign_matter=D("2"),
        handling_loss_percent=D("0.3"),
        handling_loss_only_when_drying=False,
    )
    weight = rules.settlement_weight(D("18460"), Sample(D("13"), D("1")), terms)
    assert weight.handling_loss_kg == D("55.380")
    assert weight.settlement_kg == D("18405")


def test_settlement_weight_rounds_half_up_to_whole_kilograms():
    terms = Terms(
        base_moisture=D("14"),
        base_foreign_matter=D("2"),
        handling_loss_percent=D("0.05"),
        handling_loss_only_when_drying=False,
    )
    # 1 000 * 0.05 % = 0.5 kg -> 999.5 -> 1 000 (half-up)
    assert rules.settlement_weight(D("1000"), Sample(D("10"), D("0")), terms).settlement_kg == 1000
    # 10 001 kg at 15.5 % over base 14.5: shrink 10 001 / 85.5 = 116.9708, handling
    # 0.5 % = 50.005 -> 10 001 - 116.9708 - 50.005 = 9 834.0242 -> 9 834
    weight = rules.settlement_weight(D("10001"), Sample(D("15.5"), D("0")), WHEAT)
    assert weight.drying_shrink_kg == D("116.9708")
    assert weight.handling_loss_kg == D("50.0050")
    assert weight.settlement_kg == D("9834")


def test_quality_class_is_the_best_one_met():
    # no hectolitre weight measured: class A cannot be confirmed, B can
    sample = Sample(D("14"), D("1"), protein=D("13.4"), falling_number=280)
    assert rules.quality_class(sample, WHEAT.classes).code == "B"
    with_hl = Sample(
        D("14"), D("1"), protein=D("13.4"), falling_number=280, hectolitre_weight=D("77")
    )
    assert rules.quality_class(with_hl, WHEAT.classes).code == "A"
    low_falling_number = Sample(D("14"), D("1"), protein=D("14.2"), falling_number=230)
    assert rules.quality_class(low_falling_number, WHEAT.classes).code == "B"
    unknown_protein = Sample(D("14"), D("1"))
    assert rules.quality_class(unknown_protein, WHEAT.classes).code == "C"
    result = rules.assess(D("20000"), with_hl, WHEAT)
    assert (result.quality_class, result.premium_per_t) == ("A", D("5"))


def test_load_above_a_rejection_limit_is_refused():
    result = rules.assess(D("20000"), Sample(D("21.0"), D("1")), WHEAT)
    assert result.refused
    assert result.rejection_reasons == ["moisture 21 % above 20 %"]


def test_load_above_a_rejection_limit_becomes_feed_grade_when_so_configured():
    terms = Terms(**{**WHEAT.__dict__, "reject_action": "feed_grade"})
    result = rules.assess(D("20000"), Sample(D("15.5"), D("9")), terms)
    assert not result.refused and result.feed_grade
    assert (result.quality_class, result.premium_per_t) == ("feed", D("-12"))
    # still dried and cleaned: 20 t * 1 point * 1.50 and 20 t * 7 points * 2.00
    assert (result.drying_cost, result.cleaning_cost) == (D("30.00"), D("280.00"))


def test_allocation_fills_contracts_in_order_and_buys_the_rest_at_day_price():
    parts = rules.allocate(D("30000"), [(1, D("20000")), (2, D("5000"))])
    assert parts == [(1, D("20000")), (2, D("5000")), (None, D("5000"))]
    assert rules.allocate(D("3000"), [(1, D("0")), (2, D("5000"))]) == [(2, D("3000"))]


def test_contract_room_includes_the_tolerance():
    # 100 t + 10 % = 110 000 kg, 100 000 delivered -> 10 000 kg more
    assert rules.contract_room_kg(D("100"), D("10"), D("100000")) == D("10000")
    assert rules.contract_room_kg(D("100"), D("0"), D("120000")) == 0


def test_open_price_contract_is_priced_by_fixings_in_order():
    fixings = [(D("10"), D("200")), (D("20"), D("210"))]
    parts, rest = rules.price_tranches(fixings, D("8000"), D("5000"))
    assert parts == [(D("2000"), D("200")), (D("3000"), D("210"))] and rest == 0
    parts, rest = rules.price_tranches(fixings, D("8000"), D("30000"))
    assert parts == [(D("2000"), D("200")), (D("20000"), D("210"))]
    assert rest == D("8000")


def test_money_per_tonne_and_vat_round_half_up_to_cents():
    # 24 040 kg * 215.55 EUR/t = 5 181.822 -> 5 181.82
    assert rules.amount_per_t(D("24040"), D("215.55")) == D("5181.82")
    # flat-rate 7.8 % of 1 234.56 = 96.29568 -> 96.30
    assert rules.settlement_vat(D("1234.56"), D("7.8")) == D("96.30")


def test_receipt_is_valued_at_the_known_prices_unknown_ones_at_zero():
    # 10 t at 210 EUR/t and 5 t without a price yet: 2 100 EUR / 15 000 kg = 0.14 EUR/kg
    assert rules.receipt_unit_cost([(D("10000"), D("210")), (D("5000"), None)]) == D("0.14")
    assert rules.receipt_unit_cost([]) == 0
