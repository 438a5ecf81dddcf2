"""Dose: mg per dose and per day, judged against configurable LDN thresholds."""

from decimal import Decimal

import pytest

from pharmacy_app.checks import CheckPolicy, Severity
from tests.checks.conftest import family

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
    result = check(preparation={"strength": "4.5 mg"}, sig={"dose": "3 mg"})
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
