"""A supply that outlasts its beyond-use date is flagged and needs a pharmacist's acceptance;
a batch takes as many containers as its volume needs, from stock and into the cost."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_app.compounding.models import CompoundingRecord, Lot
from pharmacy_app.compounding.worksheets import needs
from pharmacy_app.costs.services import cost_lines
from pharmacy_app.extensions import db
from tests.compounding.conftest import formula_named

NINETY_DAYS_OF_LIQUID = {
    "preparation": {
        "dosage_form": "oral_liquid",
        "strength": "1 mg/mL",
        "excipients": ["Ora-Sweet SF"],
    },
    "sig": {"dose": "4.5 mL", "text": "Take 4.5 mL by mouth at bedtime"},
    "quantity": 405,
    "days_supply": 90,
    "refills": 0,
}


def on_hand(app, lot_number):
    with app.app_context():
        return db.session.scalars(select(Lot.on_hand).where(Lot.lot_number == lot_number)).one()


def test_a_90_day_liquid_with_a_35_day_bud_is_flagged_with_what_would_expire(
    app, verified_order, compound
):
    record_id = compound(verified_order(**NINETY_DAYS_OF_LIQUID))
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        # 4.5 mL a day for 90 days = 405 mL; the BUD allows 35 days, so 55 days' worth,
        # 405 x 55 / 90 = 247.5 mL, would be past it.
        assert "The 90-day supply outlasts the beyond-use date" in found.supply_warning
        assert "35 days): 55 days' worth (247.5 mL)" in found.supply_warning
        assert "at most 35 days" in found.supply_warning


def test_a_supply_within_the_bud_is_not_flagged(app, verified_order, compound):
    # 4.5 mL x 35 days = 157.5 mL
    record_id = compound(
        verified_order(**NINETY_DAYS_OF_LIQUID | {"quantity": 157.5, "days_supply": 35})
    )
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).supply_warning is None


def test_sign_off_waits_for_a_pharmacist_to_accept_the_long_supply(
    app, signed_in, verified_order, compound, weigh_in
):
    record_id = compound(verified_order(**NINETY_DAYS_OF_LIQUID))
    weigh_in(record_id)
    pharmacist = signed_in("pharmacist")
    page = pharmacist.get(f"/compounding/records/{record_id}").get_data(as_text=True)
    assert "SUPPLY LONGER THAN THE BUD" in page
    refused = pharmacist.post(f"/compounding/records/{record_id}/sign-off", follow_redirects=True)
    assert "The supply outlasts the beyond-use date" in refused.get_data(as_text=True)
    technician = signed_in("technician")
    reason = {"reason": "Prescriber agrees; patient told to discard on the BUD"}
    assert technician.post(f"/compounding/records/{record_id}/supply", data=reason).status_code == (
        403
    )
    pharmacist.post(f"/compounding/records/{record_id}/supply", data=reason)
    pharmacist.post(f"/compounding/records/{record_id}/sign-off")
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        assert found.status == "signed_off"
        assert found.supply_accepted_reason == reason["reason"]


def test_450_ml_go_into_three_150_ml_bottles_taken_from_stock_and_costed(
    app, verified_order, compound, weigh_in
):
    record_id = compound(verified_order(**NINETY_DAYS_OF_LIQUID))
    bottles, tablets = on_hand(app, "AB150-118"), on_hand(app, "T5531A")
    weigh_in(record_id)
    # 405 mL at 1 mg/mL = 405 mg -> 9 whole 50 mg tablets -> made up to 450 mL;
    # 450 mL / 150 mL a bottle = 3 bottles.
    assert on_hand(app, "AB150-118") == bottles - 3
    assert on_hand(app, "T5531A") == tablets - 9
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        assert found.worksheet[-1] == {
            "what": "Amber bottle, 150 mL, child-resistant",
            "amount": "3",
            "unit": "each",
            "how": "450 mL ÷ 150 mL a container, rounded up",
        }
        bottle = next(line for line in cost_lines(found) if "AB150-118" in line.what)
        assert (bottle.quantity, bottle.amount) == (3, Decimal("2.22"))  # 3 x 0.74


@pytest.mark.parametrize(
    ("formula", "quantity", "containers"),
    [
        ("Naltrexone 1 mg/mL sublingual drops", 60, 2),  # 60 mL / 30 mL
        ("Naltrexone 0.5 mg/mL cream", 90, 3),  # 90 mL / 30 mL
        ("Naltrexone 0.5 mg/mL cream", 30, 1),
        ("Naltrexone 1 mg/mL oral liquid", 100, 1),  # 2 tablets, 100 mL, one 150 mL bottle
        ("Naltrexone 1 mg/mL oral liquid", 151, 2),  # 4 tablets, 200 mL
        ("Naltrexone 4.5 mg capsules, MCC, size 1", 90, 1),  # one vial for the fill
    ],
)
def test_containers_by_the_volume_they_hold(app, catalogue, formula, quantity, containers):
    with app.app_context():
        _, wanted = needs(formula_named(formula), Decimal(quantity))
        container = next(n for n in wanted if n.role == "container")
        assert container.required == containers
