"""A master formulation's BUD rule fits its dosage form and vehicle, its storage does not
contradict the rule, its shells are its capsule size: refused at the field, never a 500."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pharmacy_app.compounding.bud import BudRule, rule_problem, storage_for, storage_problem
from pharmacy_app.compounding.models import CompoundingRecord, Ingredient, MasterFormulation
from pharmacy_app.extensions import db
from tests.compounding.test_formulas_and_lots import formula_data, ingredient_id


def liquid_data(app, **changes):
    """A 2 mg/mL oral liquid from powder in Ora-Sweet SF, aqueous and preserved."""
    return (
        formula_data(
            app,
            name="Naltrexone 2 mg/mL oral liquid",
            dosage_form="oral_liquid",
            strength_mg="2",
            strength_per="mL",
            base_ingredient=ingredient_id(app, "Ora-Sweet SF (preserved vehicle)"),
            container_ingredient=ingredient_id(app, "Amber bottle, 150 mL, child-resistant"),
            capsule_size="",
            overage_percent="0",
            aqueous="aqueous",
            bud_rule="aqueous_preserved",
            storage="Room temperature",
        )
        | changes
    )


def field_notes(page, name):
    """The text shown at one form field (its errors)."""
    html = page.get_data(as_text=True)
    start = html.index(f'data-field="{name}"')
    end = html.find("data-field=", start + 1)
    return re.sub(r"\s+", " ", html[start : end if end > 0 else None])


def formulas_named(app, name):
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(MasterFormulation)
            .where(MasterFormulation.name == name)
        )


def test_an_aqueous_liquid_may_not_take_the_180_day_solid_rule(app, signed_in, catalogue):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new", data=liquid_data(app, bud_rule="solid")
    )
    assert page.status_code == 200
    notes = field_notes(page, "bud_rule")
    assert "does not fit an aqueous oral liquid" in notes
    assert "Aqueous, preserved (USP &lt;795&gt;: 35 days)" in notes
    assert formulas_named(app, "Naltrexone 2 mg/mL oral liquid") == 0


def test_an_aqueous_preserved_liquid_is_saved(app, signed_in, catalogue):
    page = signed_in("pharmacist").post("/compounding/formulas/new", data=liquid_data(app))
    assert page.status_code == 302
    with app.app_context():
        saved = db.session.scalars(
            select(MasterFormulation).where(
                MasterFormulation.name == "Naltrexone 2 mg/mL oral liquid"
            )
        ).one()
        assert (saved.aqueous, saved.bud_rule, saved.strength_per) == (
            True,
            "aqueous_preserved",
            "mL",
        )


@pytest.mark.parametrize(("rule", "saved"), [("aqueous_preserved", 0), ("nonaqueous_liquid", 1)])
def test_a_non_aqueous_liquid_takes_the_90_day_rule(app, signed_in, catalogue, rule, saved):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new",
        data=liquid_data(app, aqueous="nonaqueous", bud_rule=rule),
    )
    assert formulas_named(app, "Naltrexone 2 mg/mL oral liquid") == saved
    if not saved:
        assert "use Non-aqueous liquid (USP &lt;795&gt;: 90 days)" in field_notes(page, "bud_rule")


def test_a_liquid_must_say_whether_its_vehicle_is_aqueous(app, signed_in, catalogue):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new", data=liquid_data(app, aqueous="")
    )
    assert "Say whether the vehicle contains water" in field_notes(page, "aqueous")
    assert formulas_named(app, "Naltrexone 2 mg/mL oral liquid") == 0


@pytest.mark.parametrize(
    ("storage", "saved"),
    [
        ("Room temperature", 0),
        ("Refrigerate or room temperature", 0),
        ("Do not refrigerate", 0),
        ("Keep in the fridge (2-8 °C)", 1),
        ("", 1),  # blank: the rule's own storage, "Store in a refrigerator, 2-8 °C"
    ],
)
def test_an_unpreserved_aqueous_liquid_must_be_stored_refrigerated(
    app, signed_in, catalogue, storage, saved
):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new",
        data=liquid_data(app, bud_rule="aqueous_unpreserved", storage=storage),
    )
    assert formulas_named(app, "Naltrexone 2 mg/mL oral liquid") == saved
    if not saved:
        assert "keeps its 14-day BUD only in a refrigerator" in field_notes(page, "storage")


def test_a_capsules_size_must_match_its_shells(app, signed_in, catalogue):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new",
        data=formula_data(
            app,
            capsule_size="3",
            shell_ingredient=ingredient_id(app, "Gelatin capsule shells, size 1"),
        ),
    )
    assert page.status_code == 200
    assert "are size 1, not size 3" in field_notes(page, "capsule_size")
    assert formulas_named(app, "Naltrexone 2.25 mg capsules, MCC, size 1") == 0


def test_a_capsule_is_never_aqueous(app, signed_in, catalogue):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new", data=formula_data(app, aqueous="aqueous")
    )
    assert "A capsule is never aqueous" in field_notes(page, "aqueous")


def test_a_capsule_too_small_for_its_dose_is_refused_at_the_field(app, signed_in, catalogue):
    # Size 4 holds 0.21 mL x 0.45 g/mL = 94.5 mg of MCC: 100 mg of drug does not fit.
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new", data=formula_data(app, strength_mg="100", capsule_size="4")
    )
    assert page.status_code == 200
    assert "choose a larger size" in field_notes(page, "capsule_size")


def test_a_liquid_from_whole_tablets_takes_no_overage(app, signed_in, catalogue):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new",
        data=liquid_data(
            app,
            strength_mg="1",
            active_ingredient=ingredient_id(app, "Naltrexone HCl 50 mg tablets"),
            overage_percent="5",
        ),
    )
    assert "takes no overage" in field_notes(page, "overage_percent")


def test_a_cream_by_weight_needs_its_base_counted_in_grams(app, signed_in, catalogue):
    cream = {
        "name": "Naltrexone 1 mg/g cream",
        "dosage_form": "topical_cream",
        "strength_mg": "1",
        "strength_per": "g",
        "container_ingredient": ingredient_id(app, "Airless pump, 30 mL"),
    }
    pharmacist = signed_in("pharmacist")
    by_volume = pharmacist.post(
        "/compounding/formulas/new",
        data=liquid_data(app, **cream, base_ingredient=ingredient_id(app, "Versabase cream")),
    )
    assert "needs its base in g" in field_notes(by_volume, "base_ingredient")
    by_weight = pharmacist.post(
        "/compounding/formulas/new",
        data=liquid_data(
            app, **cream, base_ingredient=ingredient_id(app, "Lipoderm base (by weight)")
        ),
    )
    assert by_weight.status_code == 302
    assert formulas_named(app, "Naltrexone 1 mg/g cream") == 1


def test_only_a_cream_is_made_by_weight(app, signed_in, catalogue):
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new", data=liquid_data(app, strength_per="g")
    )
    assert "Only a cream is made by weight" in field_notes(page, "strength_per")


def test_a_formula_saved_before_these_checks_cannot_be_followed(
    app, signed_in, verified_order, catalogue
):
    with app.app_context():
        powder = db.session.scalars(
            select(Ingredient).where(Ingredient.name == "Naltrexone HCl USP powder")
        ).one()
        vehicle = db.session.scalars(
            select(Ingredient).where(Ingredient.name == "Glycerin and purified water, preserved")
        ).one()
        old = MasterFormulation(
            family="old-2mg",
            version=1,
            name="Naltrexone 2 mg/mL oral liquid (old)",
            dosage_form="oral_liquid",
            strength_mg=Decimal(2),
            strength_per="mL",
            active_ingredient=powder,
            base_ingredient=vehicle,
            overage_percent=Decimal(0),
            method="x",
            storage="Room temperature",
            aqueous=True,
            bud_rule="solid",  # the 180-day rule on an aqueous liquid, as the audit found
        )
        db.session.add(old)
        db.session.commit()
        old_id = old.id
    order_id = verified_order(
        preparation={"dosage_form": "oral_liquid", "strength": "2 mg/mL", "excipients": []},
        sig={"dose": "1 mL", "text": "Take 1 mL by mouth at bedtime"},
        quantity=30,
    )
    technician = signed_in("technician")
    page = technician.get(f"/compounding/orders/{order_id}/start")
    assert "does not fit an aqueous oral liquid" in page.get_data(as_text=True)
    answer = technician.post(
        f"/compounding/orders/{order_id}/start", data={"mfr": old_id}, follow_redirects=True
    )
    assert answer.status_code == 200
    assert "cannot be followed until it is corrected" in answer.get_data(as_text=True)
    assert signed_in("pharmacist").get(f"/compounding/formulas/{old_id}").status_code == 200
    with app.app_context():
        assert db.session.scalars(select(CompoundingRecord)).all() == []


@pytest.mark.parametrize(
    ("form", "aqueous", "rule", "fits"),
    [
        ("capsule", False, BudRule.SOLID, True),
        ("capsule", False, BudRule.NONAQUEOUS_LIQUID, False),
        ("capsule", True, BudRule.SOLID, False),
        ("oral_liquid", True, BudRule.AQUEOUS_PRESERVED, True),
        ("oral_liquid", True, BudRule.AQUEOUS_UNPRESERVED, True),
        ("oral_liquid", True, BudRule.SOLID, False),
        ("oral_liquid", True, BudRule.NONAQUEOUS_LIQUID, False),
        ("oral_liquid", False, BudRule.NONAQUEOUS_LIQUID, True),
        ("sublingual_drops", True, BudRule.AQUEOUS_PRESERVED, True),
        ("sublingual_drops", False, BudRule.SOLID, False),
        ("topical_cream", True, BudRule.AQUEOUS_PRESERVED, True),
        ("topical_cream", False, BudRule.SOLID, True),  # an anhydrous base: 180 days
        ("topical_cream", False, BudRule.NONAQUEOUS_LIQUID, False),
    ],
)
def test_the_bud_rules_that_fit_each_form(form, aqueous, rule, fits):
    assert (rule_problem(form, aqueous, rule) is None) is fits


def test_the_rules_storage_wins_over_words_that_contradict_it():
    fridge = "Store in a refrigerator, 2-8 °C"
    assert storage_for(BudRule.AQUEOUS_UNPRESERVED, "Room temperature") == fridge
    assert storage_for(BudRule.AQUEOUS_UNPRESERVED, "") == fridge
    assert storage_for(BudRule.AQUEOUS_UNPRESERVED, "Refrigerate, 2 to 8 °C") == (
        "Refrigerate, 2 to 8 °C"
    )
    assert storage_for(BudRule.AQUEOUS_PRESERVED, "Refrigerate") == "Refrigerate"
    assert storage_problem(BudRule.SOLID, "Room temperature") is None
