"""Dose: mg per dose and per day, judged against configurable LDN thresholds."""

from decimal import Decimal

import pytest

from pharmacy_app.checks import CheckPolicy, Severity
from tests.checks.conftest import (
    LIQUID_PREPARATION,
    at_least,
    describe,
    family,
    in_family,
    worst,
)

LIQUID = {
    "dosage_form": "oral_liquid",
    "strength": "1 mg/mL",
    "excipients": ["purified water", "glycerin"],
}


@pytest.mark.parametrize(
    ("strength", "dose", "mg"),
    [
        ("4.5 mg", "4.5 mg", "4.5"),
        ("4.5 mg", "1 capsule", "4.5"),
        ("4.5mg", "4500 mcg", "4.5"),
        ("4.5 MG", "4500 µg", "4.5"),
        ("1.5 mg", "2 capsules", "3"),
        ("500 mcg", "1 cap", "0.5"),
        ("0.5 mg", "500 μg", "0.5"),
        ("naltrexone 3 mg", "one capsule", "3"),
    ],
)
def test_capsule_doses_are_worked_out_in_mg(check, strength, dose, mg):
    result = check(preparation={"strength": strength}, sig={"dose": dose})
    assert result.dose.mg_per_dose == Decimal(mg)


@pytest.mark.parametrize(
    ("strength", "dose", "times", "mg_dose", "mg_day", "ml"),
    [
        ("1 mg/mL", "3 mL", 1, "3", "3", "3"),
        ("1 mg/mL", "3 mL", 2, "3", "6", "3"),
        ("5 mg/5 mL", "4.5 ml", 1, "4.5", "4.5", "4.5"),
        ("0.5 mg per mL", "3 cc", 1, "1.5", "1.5", "3"),
        ("1 mg/mL", "4.5 mg", 1, "4.5", "4.5", "4.5"),
        ("1mg/ml", "½ mL", 1, "0.5", "0.5", "0.5"),
    ],
)
def test_liquid_doses_come_from_volume_times_concentration(
    check, strength, dose, times, mg_dose, mg_day, ml
):
    result = check(
        preparation={**LIQUID, "strength": strength},
        sig={"dose": dose, "times_per_day": times},
        quantity=300,
    )
    assert (result.dose.mg_per_dose, result.dose.mg_per_day, result.dose.ml_per_dose) == (
        Decimal(mg_dose),
        Decimal(mg_day),
        Decimal(ml),
    )


@pytest.mark.parametrize("mg", ["0.5", "1", "1.5", "2", "3", "4.5"])
def test_the_usual_range_and_titration_steps_raise_nothing(check, mg):
    result = check(preparation={"strength": f"{mg} mg"}, sig={"dose": f"{mg} mg"})
    assert family(result, "dose") == []


@pytest.mark.parametrize(
    ("mg", "code", "severity"),
    [
        ("0.25", "dose.very_low", Severity.INFO),
        ("0.1", "dose.very_low", Severity.INFO),
        ("0.0005", "dose.ultra_low", Severity.WARN),
        ("5", "dose.above_usual", Severity.WARN),
        ("6", "dose.above_usual", Severity.WARN),
        ("7.5", "dose.high", Severity.WARN),
        ("9.9", "dose.high", Severity.WARN),
        ("10", "dose.not_low_dose", Severity.BLOCK),
        ("25", "dose.not_low_dose", Severity.BLOCK),
        ("50", "dose.not_low_dose", Severity.BLOCK),
    ],
)
def test_daily_dose_bands(check, mg, code, severity):
    result = check(preparation={"strength": f"{mg} mg"}, sig={"dose": "1 capsule"})
    assert [(f.code, f.severity, f.field) for f in family(result, "dose")] == [
        (code, severity, "sig.dose")
    ]


def test_the_addiction_dose_is_named_as_such(check):
    result = check(preparation={"strength": "50 mg"}, sig={"dose": "1 capsule"})
    assert "dependence" in family(result, "dose")[0].message


def test_a_mg_for_mcg_slip_is_pointed_out(check):
    message = family(check(sig={"dose": "4500 mg"}), "dose")[0].message
    assert "4500 mcg would be 4.5 mg" in message


def test_micrograms_that_look_like_a_slip_warn(check):
    result = check(preparation={"strength": "4.5 mcg"}, sig={"dose": "1 capsule"})
    codes = {f.code: f.severity for f in family(result, "dose")}
    assert codes["dose.possible_unit_slip"] is Severity.WARN


def test_split_dosing_adds_up_per_day_and_is_noted(check):
    result = check(
        preparation={"strength": "3 mg"}, sig={"dose": "3 mg", "times_per_day": 2}, quantity=60
    )
    assert result.dose.mg_per_day == Decimal(6)
    codes = {f.code: f.severity for f in family(result, "dose")}
    assert codes == {"dose.above_usual": Severity.WARN, "dose.split": Severity.INFO}


def test_thresholds_come_from_the_policy(check):
    strict = CheckPolicy(pharmacy_state="OR", not_low_dose_from_mg=Decimal(8))
    result = check(strict, preparation={"strength": "8 mg"}, sig={"dose": "1 capsule"})
    assert family(result, "dose")[0].code == "dose.not_low_dose"
    assert family(check(preparation={"strength": "8 mg"}), "dose")[0].code == "dose.high"


def test_a_dose_that_is_not_a_whole_capsule_warns(check):
    result = check(preparation={"strength": "4.5 mg"}, sig={"dose": "3 mg", "text": ""})
    assert [(f.code, f.severity) for f in family(result, "dose")] == [
        ("dose.not_whole_capsules", Severity.WARN)
    ]
    assert family(result, "supply") == []


@pytest.mark.parametrize(
    ("form", "strength"),
    [("capsule", "1 mg/mL"), ("oral_liquid", "4.5 mg"), ("topical_cream", "4.5 mg")],
)
def test_a_strength_that_does_not_fit_the_form_blocks(check, form, strength):
    result = check(
        preparation={"dosage_form": form, "strength": strength, "excipients": ["purified water"]}
    )
    assert [(f.code, f.severity, f.field) for f in family(result, "dose")] == [
        ("dose.strength_form_mismatch", Severity.BLOCK, "preparation.strength")
    ]


def test_a_volume_dose_of_a_capsule_cannot_be_worked_out(check):
    result = check(sig={"dose": "3 mL"})
    assert family(result, "dose")[0].code == "dose.not_computable"
    assert result.dose.mg_per_day is None


def test_drops_of_a_per_ml_liquid_need_a_volume(check):
    result = check(
        preparation={**LIQUID, "dosage_form": "sublingual_drops"}, sig={"dose": "5 drops"}
    )
    assert family(result, "dose")[0].code == "dose.drop_volume_unknown"


def test_cream_doses_in_grams_of_cream(check):
    result = check(
        preparation={
            "dosage_form": "topical_cream",
            "strength": "1 mg/g",
            "excipients": ["Versabase"],
        },
        sig={"dose": "1 g"},
    )
    assert result.dose.mg_per_dose == Decimal(1)


@pytest.mark.parametrize("strength", ["4.5mg/cap", "4.5 mg per capsule", "4.5 mg/capsule"])
def test_a_strength_per_capsule_is_the_capsule_strength(check, strength):
    result = check(preparation={"strength": strength})
    assert family(result, "dose") == []
    assert result.dose.mg_per_day == Decimal("4.5")


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

DOSE_FIELDS = {"sig.dose", "sig.times_per_day", "preparation.strength"}


def capsule(mg: str, dose: str = "1 capsule", times: int = 1) -> dict:
    """Overrides for a capsule of `mg` strength; quantity matches 30 days so supply is quiet."""
    return {
        "preparation": {"strength": f"{mg} mg"},
        "sig": {"dose": dose, "times_per_day": times},
        "quantity": 30 * times,
    }


@pytest.mark.parametrize(
    "dose",
    ["4.5 mg", "1 capsule", "4500 mcg", "4.5mg", "4.5 MG", "4500 µg", "1 cap", "one capsule"],
)
def test_a_4_5_mg_capsule_dose_is_4_5_mg_however_the_dose_is_written(checked, dose):
    result = checked(sig={"dose": dose})
    assert result.dose.mg_per_dose == Decimal("4.5")
    assert result.dose.mg_per_day == Decimal("4.5")
    assert isinstance(result.dose.mg_per_dose, Decimal)
    assert isinstance(result.dose.mg_per_day, Decimal)
    assert at_least(in_family(result, "dose"), Severity.WARN) == [], describe(result)


@pytest.mark.parametrize("dose", ["500 µg", "500 μg", "500 mcg", "500 ug", "0.5 mg", ".5 mg"])
def test_500_micrograms_is_half_a_milligram(checked, dose):
    result = checked(**capsule("0.5", dose=dose))
    assert result.dose.mg_per_dose == Decimal("0.5")


@pytest.mark.parametrize("strength", ["500 mcg", "500 µg", "0.5 mg"])
def test_a_microgram_capsule_strength_is_read_in_mg(checked, strength):
    result = checked(preparation={"strength": strength})
    assert result.dose.mg_per_dose == Decimal("0.5")


@pytest.mark.parametrize(
    ("strength", "dose", "times", "per_dose", "per_day"),
    [
        ("1 mg/mL", "3 mL", 1, "3", "3"),
        ("1 mg/mL", "3 mL", 2, "3", "6"),
        ("1 mg/mL", "3 ml", 1, "3", "3"),
        ("1 mg/mL", "3 cc", 1, "3", "3"),
        ("1mg/ml", "4.5 mL", 1, "4.5", "4.5"),
        ("5 mg/5 mL", "4.5 mL", 1, "4.5", "4.5"),
        ("0.5 mg per mL", "3 mL", 1, "1.5", "1.5"),
        ("1 mg/mL", "4.5 mg", 1, "4.5", "4.5"),
        ("2 mg/mL", "0.75 mL", 2, "1.5", "3"),
    ],
)
def test_a_liquid_dose_is_volume_times_concentration(
    checked, strength, dose, times, per_dose, per_day
):
    result = checked(
        preparation={**LIQUID_PREPARATION, "strength": strength},
        sig={"dose": dose, "times_per_day": times},
        quantity=500,
    )
    assert result.dose.mg_per_dose == Decimal(per_dose)
    assert result.dose.mg_per_day == Decimal(per_day)


@pytest.mark.parametrize("mg", ["0.5", "1", "1.5", "2", "3", "4", "4.5"])
def test_the_usual_range_raises_no_dose_warning(checked, mg):
    result = checked(**capsule(mg))
    assert at_least(in_family(result, "dose"), Severity.WARN) == [], describe(result)
    assert result.verdict == "pass", describe(result)


@pytest.mark.parametrize("mg", ["0.1", "0.25", "0.4"])
def test_a_very_low_dose_is_info_or_warning_never_a_block(checked, mg):
    result = checked(**capsule(mg))
    assert worst(in_family(result, "dose")) in (Severity.INFO, Severity.WARN), describe(result)


@pytest.mark.parametrize("mg", ["0.5", "1", "1.5", "3", "0.25"])
def test_starting_and_titration_doses_never_block(checked, mg):
    result = checked(**capsule(mg))
    assert worst(in_family(result, "dose")) is not Severity.BLOCK, describe(result)
    assert result.verdict != "block", describe(result)


@pytest.mark.parametrize("mg", ["4.6", "5", "6", "7", "7.5", "8", "9", "9.99"])
def test_above_the_usual_range_but_under_10_mg_is_a_warning(checked, mg):
    result = checked(**capsule(mg))
    dose = in_family(result, "dose")
    assert worst(dose) is Severity.WARN, describe(result)
    assert {f.field for f in at_least(dose, Severity.WARN)} <= DOSE_FIELDS
    assert result.verdict == "warn", describe(result)


@pytest.mark.parametrize("mg", ["10", "12.5", "25", "50", "100"])
def test_10_mg_a_day_or_more_is_not_a_low_dose_and_blocks(checked, mg):
    result = checked(**capsule(mg))
    blocks = at_least(in_family(result, "dose"), Severity.BLOCK)
    assert blocks, describe(result)
    assert {f.field for f in blocks} <= DOSE_FIELDS
    assert all("mg" in f.message for f in blocks)
    assert result.verdict == "block"


def test_the_50_mg_addiction_dose_written_as_50_mg_blocks(checked):
    result = checked(preparation={"strength": "50 mg"}, sig={"dose": "50 mg"})
    assert worst(in_family(result, "dose")) is Severity.BLOCK, describe(result)
    assert result.dose.mg_per_day == Decimal(50)


@pytest.mark.parametrize(
    ("overrides", "per_day"),
    [
        (capsule("5", times=2), "10"),
        (capsule("4.5", times=3), "13.5"),
        (capsule("4.5", dose="3 capsules"), "13.5"),
        (capsule("4.5", dose="4500 mg"), "4500"),
        (capsule("4.5", dose="50000 mcg"), "50"),
        ({"preparation": {"strength": "0.0045 g"}, "sig": {"dose": "10 capsules"}}, "45"),
    ],
    ids=["5mg-twice", "4.5mg-three-times", "three-capsules", "mg-for-mcg-slip", "mcg", "grams"],
)
def test_a_daily_total_of_10_mg_or_more_blocks_even_when_each_dose_looks_small(
    checked, overrides, per_day
):
    result = checked(**overrides)
    assert result.dose.mg_per_day == Decimal(per_day)
    assert worst(in_family(result, "dose")) is Severity.BLOCK, describe(result)


@pytest.mark.parametrize(
    ("strength", "dose"), [("1 mg/mL", "15 mL"), ("10 mg/mL", "1 mL"), ("1 mg/mL", "50 mg")]
)
def test_a_liquid_dose_of_10_mg_or_more_blocks(checked, strength, dose):
    result = checked(
        preparation={**LIQUID_PREPARATION, "strength": strength}, sig={"dose": dose}, quantity=500
    )
    assert worst(in_family(result, "dose")) is Severity.BLOCK, describe(result)


@pytest.mark.parametrize(
    ("mg", "default", "strict"),
    [
        ("7.5", Severity.WARN, Severity.WARN),
        ("8", Severity.WARN, Severity.BLOCK),
        ("9", Severity.WARN, Severity.BLOCK),
        ("10", Severity.BLOCK, Severity.BLOCK),
    ],
)
def test_the_not_a_low_dose_threshold_moves_with_the_policy(checked, mg, default, strict):
    policy = CheckPolicy(pharmacy_state="OR", not_low_dose_from_mg=Decimal("8"))
    assert worst(in_family(checked(**capsule(mg)), "dose")) is default
    assert worst(in_family(checked(policy, **capsule(mg)), "dose")) is strict


@pytest.mark.parametrize(
    ("strength", "dose"),
    [("4.5 mg", "3 mg"), ("4.5 mg", "1.5 mg"), ("1.5 mg", "2 mg"), ("3 mg", "4.5 mg")],
)
def test_a_mg_dose_that_is_not_a_whole_number_of_capsules_is_at_least_a_warning(
    checked, strength, dose
):
    result = checked(preparation={"strength": strength}, sig={"dose": dose})
    flagged = at_least(in_family(result, "dose"), Severity.WARN)
    assert flagged, describe(result)
    assert {f.field for f in flagged} <= DOSE_FIELDS
    assert result.verdict in ("warn", "block")


def test_half_a_capsule_is_at_least_a_warning_even_when_the_quantity_fits(checked):
    # Capsules are not split; 15 capsules for 30 days makes the supply rule quiet.
    result = checked(sig={"dose": "0.5 capsule"}, quantity=15)
    assert at_least(in_family(result, "dose"), Severity.WARN), describe(result)


@pytest.mark.parametrize(("strength", "dose"), [("1.5 mg", "3 mg"), ("1.5 mg", "4.5 mg")])
def test_a_mg_dose_that_is_a_whole_number_of_capsules_is_fine(checked, strength, dose):
    result = checked(preparation={"strength": strength}, sig={"dose": dose}, quantity=90)
    assert at_least(in_family(result, "dose"), Severity.WARN) == [], describe(result)


@pytest.mark.parametrize("strength", ["1 mg/mL", "0.5 mg/g"])
def test_a_capsule_with_a_concentration_strength_does_not_pass(checked, strength):
    result = checked(preparation={"strength": strength})
    assert at_least(in_family(result, "dose"), Severity.WARN), describe(result)
    assert result.verdict in ("warn", "block")


def test_split_dosing_3_mg_twice_a_day_is_6_mg_and_warns_without_blocking(checked):
    result = checked(**capsule("3", times=2))
    assert result.dose.mg_per_dose == Decimal(3)
    assert result.dose.mg_per_day == Decimal(6)
    assert worst(in_family(result, "dose")) is Severity.WARN, describe(result)
    assert result.verdict == "warn", describe(result)


def test_split_dosing_within_the_usual_daily_range_does_not_block(checked):
    result = checked(**capsule("1.5", times=3))
    assert result.dose.mg_per_day == Decimal("4.5")
    assert result.verdict != "block", describe(result)


def test_a_4_5_microgram_capsule_is_never_a_block(checked):
    # Probably a mcg/mg slip: the pharmacist should be told, but it is not dangerous.
    result = checked(preparation={"strength": "4.5 mcg"})
    assert at_least(in_family(result, "dose"), Severity.INFO), describe(result)
    assert worst(in_family(result, "dose")) is not Severity.BLOCK
