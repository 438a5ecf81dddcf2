"""Compounding arithmetic against worked examples derived by hand.

Rounding: masses half up to the balance's readability (1 mg by default; the examples stated to
0.1 mg pass a 0.1 mg balance), volumes half up to 0.1 mL, tablets and units up."""

import datetime as dt
from decimal import Decimal as D

import pytest

from pharmacy_app.compounding.arithmetic import (
    capsules_from_powder,
    capsules_from_tablets,
    liquid_from_powder,
    liquid_from_tablets,
    salt_factor,
    units_with_overage,
    within_tolerance,
)
from pharmacy_app.compounding.bud import BudRule, beyond_use_date

TENTH_MG = D("0.1")  # an analytical balance reading to 0.1 mg


def amounts(sheet):
    return {role: amount for role, (amount, _unit) in sheet.amounts.items()}


def test_4_5_mg_capsules_from_hcl_powder():
    # 30 capsules + 10% overage = 33. 4.5 mg x 33 = 148.5 mg of naltrexone HCl.
    # Size 3 holds 0.30 mL x 0.75 g/mL = 225 mg (the 225 mg of shared/domain/ldn.md);
    # filler per capsule 225 - 4.5 = 220.5 mg; x 33 = 7276.5 mg.
    sheet = capsules_from_powder(
        strength_mg=D("4.5"),
        quantity=D(30),
        overage_percent=D(10),
        capsule_size="3",
        filler_density_g_per_ml=D("0.75"),
        readability_mg=TENTH_MG,
    )
    assert sheet.units_to_make == 33
    assert amounts(sheet) == {"active": D("148.5"), "filler": D("7276.5")}


def test_salt_and_assay_factors_raise_the_powder_to_weigh():
    # Dihydrate: 413.9 / 377.86 = 1.09538. Assay 98%: 1.5 mg x 1.09538 / 0.98 = 1.67660 mg a
    # capsule; x 60 capsules (no overage) = 100.596 mg -> 100.6 mg.
    sheet = capsules_from_powder(
        strength_mg=D("1.5"),
        quantity=D(60),
        overage_percent=D(0),
        capsule_size="1",
        filler_density_g_per_ml=D("0.45"),
        salt_form="hcl_dihydrate",
        assay_percent=D(98),
        readability_mg=TENTH_MG,
    )
    assert amounts(sheet)["active"] == D("100.6")
    # Filler: 0.50 mL x 0.45 g/mL = 225 mg a capsule; (225 - 1.67660) x 60 = 13399.4 mg.
    assert amounts(sheet)["filler"] == D("13399.4")


def test_base_powder_needs_less_mass_than_the_hcl_dose():
    assert salt_factor("base").quantize(D("0.0001")) == D("0.9035")
    sheet = capsules_from_powder(
        strength_mg=D("3"),
        quantity=D(30),
        overage_percent=D(0),
        capsule_size="1",
        filler_density_g_per_ml=D("0.45"),
        salt_form="base",
        readability_mg=TENTH_MG,
    )
    # 3 x 0.90351 x 30 = 81.316 -> 81.3 mg
    assert amounts(sheet)["active"] == D("81.3")


def test_capsules_from_50_mg_tablets_by_aliquot():
    # 33 capsules x 4.5 mg = 148.5 mg -> 3 tablets (150 mg). 3 x 300 mg = 900 mg of powder;
    # weigh 900 x 148.5 / 150 = 891 mg of it. Fill 33 x 0.50 mL x 0.45 g/mL = 7425 mg, so
    # filler = 7425 - 891 = 6534 mg.
    sheet = capsules_from_tablets(
        strength_mg=D("4.5"),
        quantity=D(30),
        overage_percent=D(10),
        tablet_strength_mg=D(50),
        tablet_weight_mg=D(300),
        capsule_size="1",
        filler_density_g_per_ml=D("0.45"),
        readability_mg=TENTH_MG,
    )
    assert amounts(sheet) == {"active": D(3), "aliquot": D("891.0"), "filler": D("6534.0")}


def test_oral_liquid_from_tablets_uses_whole_tablets():
    # 1 mg/mL x 100 mL = 100 mg = 2 tablets exactly (the Fawcett recipe).
    exact = liquid_from_tablets(
        concentration_mg_per_ml=D(1),
        volume_ml=D(100),
        overage_percent=D(0),
        tablet_strength_mg=D(50),
    )
    assert amounts(exact) == {"active": D(2), "vehicle": D("100.0")}
    # 135 mL needs 135 mg -> 3 tablets (150 mg) made up to 150 mL, still 1 mg/mL.
    rounded = liquid_from_tablets(
        concentration_mg_per_ml=D(1),
        volume_ml=D(135),
        overage_percent=D(0),
        tablet_strength_mg=D(50),
    )
    assert amounts(rounded) == {"active": D(3), "vehicle": D("150.0")}


def test_drops_from_powder():
    # 1 mg/mL x 30 mL x 1.05 overage = 31.5 mL; 31.5 mg / 0.995 assay = 31.658 -> 31.7 mg
    sheet = liquid_from_powder(
        concentration_mg_per_ml=D(1),
        volume_ml=D(30),
        overage_percent=D(5),
        assay_percent=D("99.5"),
        readability_mg=TENTH_MG,
    )
    assert amounts(sheet) == {"active": D("31.7"), "vehicle": D("31.5")}


@pytest.mark.parametrize(
    ("quantity", "overage", "units"),
    [(D(30), D(0), 30), (D(30), D(5), 32), (D(30), D(10), 33), (D(90), D("3.5"), 94)],
)
def test_units_to_make_round_up(quantity, overage, units):
    assert units_with_overage(quantity, overage) == units


def test_every_worksheet_line_shows_its_unit_and_calculation():
    sheet = capsules_from_powder(
        strength_mg=D("4.5"),
        quantity=D(30),
        overage_percent=D(10),
        capsule_size="1",
        filler_density_g_per_ml=D("0.45"),
    )
    assert all(line.unit and line.how for line in sheet.lines)


def test_a_capsule_too_small_for_the_drug_is_refused():
    with pytest.raises(ValueError, match="larger size"):
        capsules_from_powder(
            strength_mg=D(300),
            quantity=D(1),
            overage_percent=D(0),
            capsule_size="4",
            filler_density_g_per_ml=D("0.45"),
        )


@pytest.mark.parametrize(
    ("rule", "days", "fridge"),
    [
        (BudRule.SOLID, 180, False),
        (BudRule.NONAQUEOUS_LIQUID, 90, False),
        (BudRule.AQUEOUS_PRESERVED, 35, False),
        (BudRule.AQUEOUS_UNPRESERVED, 14, True),
    ],
)
def test_beyond_use_dates_follow_usp_795(rule, days, fridge):
    made = dt.date(2026, 11, 24)
    bud = beyond_use_date(rule, made, [dt.date(2030, 1, 1)])
    assert bud.date == made + dt.timedelta(days=days)
    assert ("refrigerator, 2-8" in bud.storage) is fridge


def test_the_beyond_use_date_never_passes_the_earliest_lot_expiry():
    made = dt.date(2026, 11, 24)
    bud = beyond_use_date(BudRule.SOLID, made, [dt.date(2027, 8, 1), dt.date(2027, 1, 31)])
    assert bud.date == dt.date(2027, 1, 31)
    assert "earliest component expiry" in bud.why


@pytest.mark.parametrize(
    ("actual", "ok"),
    [
        (D("148.5"), True),
        (D("155.9"), True),
        (D("156.0"), False),
        (D("141.1"), True),
        (D("141.0"), False),
    ],
)
def test_tolerance_is_plus_or_minus_five_percent(actual, ok):
    assert within_tolerance(D("148.5"), actual, D(5)) is ok
