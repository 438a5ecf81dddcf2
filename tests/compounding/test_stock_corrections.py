"""Stock corrections: a pharmacist counts, quarantines and releases a lot with a reason; a
quarantined lot is never offered or used; receiving refuses what cannot be right."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from pharmacy_app.compounding.models import CompoundingRecord, Ingredient, Lot, LotAdjustment
from pharmacy_app.extensions import db
from tests.compounding.test_records import on_hand, record_of, start


def lot_id(app, number):
    with app.app_context():
        return db.session.scalars(select(Lot.id).where(Lot.lot_number == number)).one()


def test_a_pharmacist_corrects_a_lot_to_its_shelf_count_with_a_reason(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    url = f"/compounding/lots/{lot_id(app, 'P-883120')}/adjust"
    refused = pharmacist.post(url, data={"action": "count", "counted": "7", "reason": ""})
    assert refused.status_code == 302
    assert on_hand(app, "P-883120") != Decimal(7)
    pharmacist.post(url, data={"action": "count", "counted": "7 g", "reason": "Monthly count"})
    assert on_hand(app, "P-883120") == Decimal(7)
    with app.app_context():
        adjustment = db.session.scalars(select(LotAdjustment)).one()
        assert (adjustment.kind, adjustment.on_hand_after, adjustment.reason) == (
            "count",
            Decimal(7),
            "Monthly count",
        )
    page = pharmacist.get("/compounding/lots").get_data(as_text=True)
    assert "counted 7 g" in page and "Monthly count" in page


def test_a_technician_cannot_correct_stock(app, signed_in, catalogue):
    url = f"/compounding/lots/{lot_id(app, 'P-883120')}/adjust"
    data = {"action": "count", "counted": "1", "reason": "trying it"}
    assert signed_in("technician").post(url, data=data).status_code == 403


def test_a_quarantined_lot_is_skipped_and_refused_until_released(app, signed_in, verified_order):
    order_id = verified_order()
    pharmacist, technician = signed_in("pharmacist"), signed_in("technician")
    first = lot_id(app, "P-883120")
    pharmacist.post(
        f"/compounding/lots/{first}/adjust",
        data={"action": "quarantine", "reason": "Supplier recall notice"},
    )
    refused = start(technician, order_id, active=first)
    text = refused.get_data(as_text=True) + technician.get(
        f"/compounding/orders/{order_id}/start"
    ).get_data(as_text=True)
    assert "is quarantined" in text
    with app.app_context():
        assert db.session.scalars(select(CompoundingRecord)).all() == []
    start(technician, order_id)  # first-expiry-first passes over the quarantined lot
    assert {c.lot.lot_number for c in record_of(app, order_id).components} >= {"NX24-0117"}
    pharmacist.post(
        f"/compounding/lots/{first}/adjust",
        data={"action": "release", "reason": "Recall did not cover this lot"},
    )
    with app.app_context():
        assert db.session.get(Lot, first).quarantined is False


def test_receiving_an_expired_or_repeated_lot_is_refused_at_its_field(app, signed_in, catalogue):
    technician = signed_in("technician")
    with app.app_context():
        ingredient = db.session.scalars(
            select(Ingredient).where(Ingredient.stock_unit == "g")
        ).first()
        existing = db.session.scalars(
            select(Lot.lot_number).where(Lot.ingredient_id == ingredient.id)
        ).first()
    base = {
        "ingredient": ingredient.id,
        "supplier": "Medisca",
        "expiry_date": (dt.date.today() + dt.timedelta(days=300)).isoformat(),
        "quantity": "10",
        "unit_cost": "4",
    }
    expired = technician.post(
        "/compounding/lots", data=base | {"lot_number": "NEW-1", "expiry_date": "2001-01-01"}
    ).get_data(as_text=True)
    assert "expired on 2001-01-01" in expired
    repeated = technician.post("/compounding/lots", data=base | {"lot_number": f"  {existing} "})
    assert repeated.status_code == 200
    assert "already received" in repeated.get_data(as_text=True)
