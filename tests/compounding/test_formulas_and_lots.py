"""Master formulations (versioned, checked by the checker's rules) and lots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from pharmacy_app.compounding.models import Ingredient, Lot, MasterFormulation
from pharmacy_app.extensions import db


def ingredient_id(app, name):
    with app.app_context():
        return db.session.scalars(select(Ingredient.id).where(Ingredient.name == name)).one()


def formula_data(app, **changes):
    return {
        "name": "Naltrexone 2.25 mg capsules, MCC, size 1",
        "dosage_form": "capsule",
        "strength_mg": "2.25",
        "active_ingredient": ingredient_id(app, "Naltrexone HCl USP powder"),
        "base_ingredient": ingredient_id(app, "Microcrystalline cellulose (Avicel PH-102)"),
        "shell_ingredient": "0",
        "container_ingredient": "0",
        "capsule_size": "1",
        "overage_percent": "5",
        "bud_rule": "solid",
        "storage": "Room temperature",
        "physical_description": "White opaque size 1 capsule",
        "container": "Amber vial",
        "method": "Weigh, mix, fill.",
        "equipment": "Balance",
        "quality_checks": "Weight variation",
        "labour_minutes": "20",
    } | changes


def test_a_pharmacist_adds_a_formulation_and_changes_make_versions(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    created = pharmacist.post("/compounding/formulas/new", data=formula_data(app))
    assert created.status_code == 302
    first_id = int(created.headers["Location"].rsplit("/", 1)[1])
    changed = pharmacist.post(
        f"/compounding/formulas/{first_id}/new-version", data=formula_data(app, overage_percent="8")
    )
    second_id = int(changed.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        first, second = (
            db.session.get(MasterFormulation, first_id),
            db.session.get(MasterFormulation, second_id),
        )
        assert (first.version, first.is_current) == (1, False)
        assert (second.version, second.is_current, second.family) == (2, True, first.family)
        assert first.overage_percent == 5 and second.overage_percent == 8
    page = pharmacist.get(f"/compounding/formulas/{second_id}").get_data(as_text=True)
    assert "Capsules to make" in page and "v1" in page


def test_a_formulation_with_calcium_carbonate_cannot_be_saved(app, signed_in, catalogue):
    with app.app_context():
        chalk = Ingredient(
            name="Calcium carbonate USP (precipitated)", kind="filler", stock_unit="g"
        )
        db.session.add(chalk)
        db.session.commit()
        chalk_id = chalk.id
    page = signed_in("pharmacist").post(
        "/compounding/formulas/new", data=formula_data(app, base_ingredient=chalk_id)
    )
    assert page.status_code == 200
    assert "Calcium carbonate filler" in page.get_data(as_text=True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(MasterFormulation)
                .where(MasterFormulation.base_ingredient_id == chalk_id)
            )
            == 0
        )


def test_a_technician_cannot_change_formulations(signed_in, catalogue):
    assert signed_in("technician").get("/compounding/formulas/new").status_code == 403


def test_receiving_a_lot_adds_stock_and_refuses_a_duplicate(app, signed_in, catalogue):
    technician = signed_in("technician")
    data = {
        "ingredient": ingredient_id(app, "Sucrose NF"),
        "supplier": "Spectrum",
        "lot_number": "SU-99",
        "expiry_date": "2028-01-31",
        "quantity": "500",
        "unit_cost": "0.013",
    }
    assert technician.post("/compounding/lots", data=data).status_code == 302
    again = technician.post("/compounding/lots", data=data)
    assert "already received" in again.get_data(as_text=True)
    with app.app_context():
        lot = db.session.scalars(select(Lot).where(Lot.lot_number == "SU-99")).one()
        assert (lot.on_hand, lot.expiry_date) == (500, dt.date(2028, 1, 31))


def test_bad_lot_input_is_shown_at_the_field(signed_in, app, catalogue):
    page = signed_in("technician").post(
        "/compounding/lots",
        data={
            "ingredient": ingredient_id(app, "Sucrose NF"),
            "supplier": "Spectrum",
            "lot_number": "SU-1",
            "expiry_date": "not a date",
            "quantity": "-5",
            "unit_cost": "x",
        },
    )
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Not a valid date value" in text and "Not a valid decimal value" in text


def test_a_pharmacist_adds_an_ingredient_with_the_figures_it_needs(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    missing = pharmacist.post(
        "/compounding/ingredients",
        data={"name": "Mannitol NF", "kind": "filler", "stock_unit": "g"},
    )
    assert "Needed for a filler" in missing.get_data(as_text=True)
    added = pharmacist.post(
        "/compounding/ingredients",
        data={
            "name": "Mannitol NF",
            "kind": "filler",
            "stock_unit": "g",
            "density_g_per_ml": "0.6",
        },
    )
    assert added.status_code == 302
    with app.app_context():
        assert db.session.scalars(
            select(Ingredient.density_g_per_ml).where(Ingredient.name == "Mannitol NF")
        ).one() == Decimal("0.6")
    assert signed_in("technician").get("/compounding/ingredients").status_code == 403


def test_a_new_version_needs_its_physical_description(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    refused = pharmacist.post(
        "/compounding/formulas/new", data=formula_data(app, physical_description="  ")
    )
    assert refused.status_code == 200
    assert "Describe what the patient sees" in refused.get_data(as_text=True)
    made = pharmacist.post("/compounding/formulas/new", data=formula_data(app))
    assert made.status_code == 302
    with app.app_context():
        from pharmacy_app.compounding.models import MasterFormulation

        saved = db.session.get(MasterFormulation, int(made.headers["Location"].rsplit("/", 1)[1]))
        assert saved.physical_description == "White opaque size 1 capsule"


def test_a_formula_text_with_a_hidden_character_is_refused_at_its_field(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    refused = pharmacist.post(
        "/compounding/formulas/new",
        data=formula_data(app, physical_description="White\u202e capsule"),
    )
    assert refused.status_code == 200
    assert "type it again" in refused.get_data(as_text=True)
    refused = pharmacist.post(
        "/compounding/formulas/new", data=formula_data(app, method="Weigh\u200b, mix, fill.")
    )
    assert "type it again" in refused.get_data(as_text=True)
