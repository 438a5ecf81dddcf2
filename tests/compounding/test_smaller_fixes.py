"""Creams in mg/g, a prescribed vehicle the formula lacks, no overage on whole-tablet
liquids, an earlier lot passed over, and counted items on the worksheet PDF."""

from __future__ import annotations

import io
from decimal import Decimal as D

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from pharmacy_app.compounding.arithmetic import liquid_from_tablets
from pharmacy_app.compounding.models import CompoundingRecord, Lot
from pharmacy_app.compounding.services import matching_formulations
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order

CREAM_BY_WEIGHT = {
    "preparation": {
        "dosage_form": "topical_cream",
        "release": "",
        "strength": "0.5 mg/g",
        "excipients": ["Lipoderm base"],
    },
    "sig": {"dose": "1 g", "text": "Apply 1 g to the inner wrist at bedtime"},
    "quantity": 30,
}


def record(app, record_id):
    found = db.session.get(CompoundingRecord, record_id)
    assert found is not None
    return found


@pytest.mark.parametrize("strength", ["0.5 mg/g", "500 mcg/g", "5 mg/10 g"])
def test_a_cream_in_mg_per_g_matches_the_formula_made_by_weight(app, verified_order, strength):
    preparation = CREAM_BY_WEIGHT["preparation"] | {"strength": strength}
    order_id = verified_order(**CREAM_BY_WEIGHT | {"preparation": preparation})
    with app.app_context():
        matches, reasons = matching_formulations(db.session.get(Order, order_id))
        assert [m.name for m in matches] == ["Naltrexone 0.5 mg/g cream"]
        assert "Naltrexone 0.5 mg/mL cream: strength 0.5 mg/mL, not 0.5 mg/g" in reasons


def test_a_cream_by_weight_is_weighed_to_its_final_weight(app, verified_order, compound, weigh_in):
    # 0.5 mg/g x 30 g ÷ 0.995 assay = 15.075 mg -> 15 mg on a 1 mg balance;
    # Lipoderm to 30 g: 30 - 0.015 = 29.985 g; one 30 mL pump.
    record_id = compound(verified_order(**CREAM_BY_WEIGHT))
    weigh_in(record_id)
    with app.app_context():
        found = record(app, record_id)
        assert (found.units_to_make, found.unit_name) == (30, "g")
        assert [(c.role, c.required, c.unit) for c in found.components] == [
            ("active", D(15), "mg"),
            ("vehicle", D("29.985"), "g"),
            ("container", D(1), "each"),
        ]
        base = db.session.scalars(select(Lot.on_hand).where(Lot.lot_number == "LD-30718")).one()
        assert base == D(2000) - D("29.985")


def test_a_prescribed_vehicle_the_formula_lacks_is_noted(app, signed_in, verified_order, compound):
    order_id = verified_order(
        preparation={
            "dosage_form": "oral_liquid",
            "strength": "1 mg/mL",
            "excipients": ["purified water", "glycerin", "sodium benzoate"],
        },
        sig={"dose": "3 mL", "text": "Take 3 mL by mouth at bedtime"},
        quantity=90,
    )
    page = signed_in("technician").get(f"/compounding/orders/{order_id}/start")
    note = (
        "The prescription&#39;s vehicle is purified water, glycerin, sodium benzoate; "
        "Naltrexone 1 mg/mL oral liquid uses Ora-Sweet SF (preserved vehicle)"
    )
    assert note in page.get_data(as_text=True)
    record_id = compound(order_id)
    with app.app_context():
        assert any("sodium benzoate" in c for c in record(app, record_id).cautions)


def test_a_vehicle_the_formula_names_is_not_noted(app, verified_order, compound):
    order_id = verified_order(
        preparation={
            "dosage_form": "sublingual_drops",
            "strength": "1 mg/mL",
            "excipients": ["purified water", "glycerin"],
        },
        sig={"dose": "1 mL", "text": "Hold 1 mL under the tongue at bedtime"},
    )
    record_id = compound(order_id)  # "Glycerin and purified water, preserved"
    with app.app_context():
        assert record(app, record_id).cautions == []


def test_whole_tablet_liquids_take_no_overage():
    # Rule: made up to volume from whole tablets, no overage. 1 mg/mL x 100 mL = 2 tablets,
    # 100 mL; a 5% overage would have made 3 tablets and 150 mL (50% extra).
    sheet = liquid_from_tablets(
        concentration_mg_per_ml=D(1),
        volume_ml=D(100),
        overage_percent=D(5),
        tablet_strength_mg=D(50),
    )
    assert sheet.amounts == {"active": (D(2), "tablets"), "vehicle": (D("100.0"), "mL")}
    assert "5% overage is not applied" in sheet.lines[0].how


def test_an_earlier_lot_too_short_for_the_fill_is_named_with_the_reason(
    app, signed_in, verified_order, compound
):
    with app.app_context():
        lot = db.session.scalars(select(Lot).where(Lot.lot_number == "P-883120")).one()
        lot.on_hand = D("0.1")  # the fill needs 0.145 g
        db.session.commit()
    order_id = verified_order()
    page = signed_in("technician").get(f"/compounding/orders/{order_id}/start")
    why = "Lot P-883120 of Naltrexone HCl USP powder expires sooner"
    assert why in page.get_data(as_text=True)
    record_id = compound(order_id)
    with app.app_context():
        found = record(app, record_id)
        assert found.components[0].lot.lot_number == "NX24-0117"
        assert any(
            why in c and "has only 0.1 g; this fill needs 0.145" in c for c in found.cautions
        )


@pytest.mark.slow
def test_counted_items_are_not_within_a_tolerance_on_the_worksheet_pdf(
    app, signed_in, verified_order, compound, weigh_in
):
    record_id = compound(verified_order())
    weigh_in(record_id)
    pdf = signed_in("pharmacist").get(f"/compounding/records/{record_id}/worksheet.pdf")
    pages = PdfReader(io.BytesIO(pdf.data)).pages
    text = " ".join(" ".join((p.extract_text() or "").split()) for p in pages)
    assert text.count("within ±5%") == 2  # the naltrexone and the filler, weighed
    assert text.count("count matches") == 2  # the shells and the vial, counted
