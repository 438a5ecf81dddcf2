"""A fill goes on only while it matches its order as the order now stands: weighing, sign-off,
labels and dispensing refuse a fill made for another strength, form or quantity, with the
reason (issue 9, item 1). The order is changed here behind the workflow's back, as a race
or a direct database change would leave it."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import (
    discard,
    fill_mismatch,
    record_weights,
    sign_off,
)
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.services import default_stock, label_problem, record_print
from pharmacy_app.orders.models import Order
from pharmacy_app.workflow import WorkflowError
from tests.fills import handover, lots_scanned

STRENGTH_CHANGED = re.escape("strength 4.5 mg then, 3 mg now")


def _change(app, order_id, **values):
    with app.app_context():
        order = db.session.get(Order, order_id)
        for name, value in values.items():
            setattr(order, name, value)
        db.session.commit()


def _record(order_id):
    return db.session.scalars(
        select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
    ).one()


def test_a_fill_keeps_what_it_was_made_for(app, verified_order, compound):
    order_id = verified_order()
    compound(order_id)
    with app.app_context():
        record = _record(order_id)
        assert record.made_for == {
            "dosage_form": "capsule",
            "strength_mg": "4.5",
            "strength_per": None,
            "quantity": "30",
        }
        assert fill_mismatch(record) is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"strength_mg": Decimal(3)}, "strength 4.5 mg then, 3 mg now"),
        ({"quantity": Decimal(60)}, "quantity 30 then, 60 now"),
    ],
)
def test_weighing_refuses_a_fill_made_for_the_prescription_before_it_changed(
    app, make_user, verified_order, compound, change, reason
):
    order_id = verified_order()
    compound(order_id)
    _change(app, order_id, **change)
    technician = make_user("technician")
    with app.app_context():
        record = _record(order_id)
        with pytest.raises(WorkflowError) as refused:
            record_weights(
                record,
                {c.id: c.required for c in record.components},
                db.session.get(User, technician.id),
                scanned_lots=lots_scanned(record),
            )
        db.session.rollback()
        assert reason in str(refused.value)
        assert "a pharmacist discards it" in str(refused.value)
        assert _record(order_id).status == "in_progress"


def test_sign_off_label_and_dispensing_refuse_a_fill_that_no_longer_matches(
    app, make_user, verified_order, compound, weigh_in
):
    order_id = verified_order()
    record_id = compound(order_id)
    weigh_in(record_id)
    _change(app, order_id, strength_mg=Decimal(3))
    pharmacist = make_user("pharmacist")
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        with pytest.raises(WorkflowError, match=STRENGTH_CHANGED):
            sign_off(record, db.session.get(User, pharmacist.id))
        db.session.rollback()

    # Signed off before the change (as a race would leave it): no label, no dispensing.
    _change(app, order_id, strength_mg=Decimal("4.5"))
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        sign_off(record, db.session.get(User, pharmacist.id))
        record_print(record, default_stock(), db.session.get(User, pharmacist.id))
        db.session.commit()
    _change(app, order_id, strength_mg=Decimal(3))
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        user = db.session.get(User, pharmacist.id)
        assert "strength 4.5 mg then, 3 mg now" in (label_problem(record) or "")
        with pytest.raises(WorkflowError, match=STRENGTH_CHANGED):
            record_print(record, default_stock(), user)
        db.session.rollback()
        with pytest.raises(WorkflowError, match=STRENGTH_CHANGED):
            dispense(record, "picked_up", "", user, handover=handover(record))
        db.session.rollback()
        assert db.session.get(CompoundingRecord, record_id).dispensed_at is None
        # The way out: a pharmacist discards the fill.
        discard(db.session.get(CompoundingRecord, record_id), "made for the old strength", user)
        db.session.commit()
        assert db.session.get(CompoundingRecord, record_id).status == "discarded"


def test_a_fill_from_before_the_snapshot_is_judged_by_its_formula(app, verified_order, compound):
    """Fills started before fills kept what they were made for: the formula must still make
    the order."""
    order_id = verified_order()
    record_id = compound(order_id)
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        record.made_for = None
        db.session.commit()
    _change(app, order_id, strength_mg=Decimal(3))
    with app.app_context():
        problem = fill_mismatch(db.session.get(CompoundingRecord, record_id)) or ""
        assert "does not make it" in problem


def test_the_label_page_says_why_a_mismatched_fill_gets_no_label(
    app, signed_in, make_user, verified_order, compound, weigh_in
):
    order_id = verified_order()
    record_id = compound(order_id)
    weigh_in(record_id)
    pharmacist = make_user("pharmacist")
    with app.app_context():
        sign_off(db.session.get(CompoundingRecord, record_id), db.session.get(User, pharmacist.id))
        db.session.commit()
    _change(app, order_id, quantity=Decimal(90))
    response = signed_in("technician").post(f"/orders/{order_id}/label", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "quantity 30 then, 90 now" in page
    assert response.mimetype == "text/html"
