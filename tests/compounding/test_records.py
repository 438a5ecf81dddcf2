"""From a verified order to a signed-off compounding record: lots, weights, stock, BUD."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import select

from pharmacy_app.compounding.models import CompoundingRecord, Lot
from pharmacy_app.extensions import db
from pharmacy_app.timeutil import pharmacy_today
from tests.fills import lot_form


def today(app):
    """The pharmacy's date, which dates its fills (UTC's may already be tomorrow)."""
    with app.app_context():
        return pharmacy_today()


def on_hand(app, lot_number):
    with app.app_context():
        return db.session.scalars(select(Lot.on_hand).where(Lot.lot_number == lot_number)).one()


def start(client, order_id, **lots):
    page = client.get(f"/compounding/orders/{order_id}/start").get_data(as_text=True)
    mfr = re.search(r'<option selected value="(\d+)"', page) or re.search(
        r'<select id="mfr" name="mfr"><option value="(\d+)"', page
    )
    data = {"mfr": mfr[1]} | {f"lot-{role}": lot for role, lot in lots.items()}
    return client.post(f"/compounding/orders/{order_id}/start", data=data)


def record_of(app, order_id):
    """The order's record, loaded with its components and their lots."""
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        for component in record.components:
            assert component.lot.ingredient.name
        return record


def test_a_technician_makes_the_worksheet_with_lots_first_expiry_first(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician = signed_in("technician")
    page = technician.get(f"/compounding/orders/{order_id}/start").get_data(as_text=True)
    assert "Naltrexone 4.5 mg capsules, MCC, size 1" in page
    assert page.index("P-883120") < page.index("NX24-0117")  # sooner expiry offered first
    assert "NX23-0921" not in page  # expired
    response = start(technician, order_id)
    assert response.status_code == 302
    record = record_of(app, order_id)
    assert re.fullmatch(r"B\d{6}-\d{4}", record.batch_number)
    assert record.units_to_make == 32  # 30 + 5% overage, rounded up
    assert record.beyond_use_date == today(app) + dt.timedelta(days=180)
    lots = {c.role: c.lot.lot_number for c in record.components}
    assert lots["active"] == "P-883120" and lots["filler"] == "P-771002"


def test_the_beyond_use_date_is_capped_by_the_earliest_lot(app, signed_in, verified_order):
    order_id = verified_order()
    start(signed_in("technician"), order_id)
    record = record_of(app, order_id)
    # The lots used expire in about 210 days (MCC) and 270 days (naltrexone): both after the
    # 180-day USP <795> limit for capsules, which stands.
    assert record.beyond_use_date == today(app) + dt.timedelta(days=180)
    with app.app_context():
        lot = db.session.scalars(select(Lot).where(Lot.lot_number == "P-771002")).one()
        lot.expiry_date = today(app) + dt.timedelta(days=40)
        db.session.commit()
    second = verified_order(patient={"first_name": "Bea"})  # another patient: no duplicate
    start(signed_in("technician"), second)
    assert record_of(app, second).beyond_use_date == today(app) + dt.timedelta(days=40)


def test_weights_take_stock_and_a_pharmacist_signs_off(app, api, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    before = on_hand(app, "P-883120")
    actual = {f"actual-{c.id}": str(c.required) for c in record.components}
    technician.post(f"/compounding/records/{record.id}/weights", data=actual | lot_form(record))
    active = next(c for c in record.components if c.role == "active")
    assert on_hand(app, "P-883120") == before - active.required / 1000
    assert technician.post(f"/compounding/records/{record.id}/sign-off").status_code == 403
    pharmacist = signed_in("pharmacist")
    pharmacist.post(f"/compounding/records/{record.id}/sign-off")
    assert record_of(app, order_id).status == "signed_off"
    assert api.get(f"/api/v1/orders/{order_id}").get_json()["status"] == "compounded"
    pdf = pharmacist.get(f"/compounding/records/{record.id}/worksheet.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_out_of_tolerance_needs_a_pharmacists_decision(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    # 8% over: outside the 5% tolerance, inside the 10% a pharmacist may accept (145 -> 157 mg).
    actual = {
        f"actual-{c.id}": str(
            (c.required * Decimal("1.08")).quantize(Decimal(1))
            if c.role == "active"
            else c.required
        )
        for c in record.components
    }
    technician.post(f"/compounding/records/{record.id}/weights", data=actual | lot_form(record))
    pharmacist = signed_in("pharmacist")
    # The record page says why before anyone presses: its Sign off is disabled with the reason.
    shown = pharmacist.get(f"/compounding/records/{record.id}").get_data(as_text=True)
    assert 'disabled aria-describedby="sign-off-hold"' in shown
    assert "Out of tolerance, needs a decision: active" in shown
    page = pharmacist.post(f"/compounding/records/{record.id}/sign-off", follow_redirects=True)
    assert "Out of tolerance, needs a decision: active" in page.get_data(as_text=True)
    active = next(c for c in record_of(app, order_id).components if c.role == "active")
    pharmacist.post(
        f"/compounding/records/{record.id}/components/{active.id}/decision",
        data={"reason": "Re-weighed; within balance error, assay confirmed"},
    )
    shown = pharmacist.get(f"/compounding/records/{record.id}").get_data(as_text=True)
    assert "sign-off-hold" not in shown
    pharmacist.post(f"/compounding/records/{record.id}/sign-off")
    assert record_of(app, order_id).status == "signed_off"


def test_expired_short_or_wrong_lots_are_refused_with_the_reason(app, signed_in, verified_order):
    order_id = verified_order()
    with app.app_context():
        expired = db.session.scalars(select(Lot.id).where(Lot.lot_number == "NX23-0921")).one()
        wrong = db.session.scalars(select(Lot.id).where(Lot.lot_number == "LM-11890")).one()
    technician = signed_in("technician")
    page = start(technician, order_id, active=expired, filler=wrong)
    follow = technician.get(page.headers.get("Location", f"/compounding/orders/{order_id}/start"))
    text = page.get_data(as_text=True) + follow.get_data(as_text=True)
    assert "expired on" in text
    assert "is Lactose monohydrate NF, not Microcrystalline cellulose" in text
    with app.app_context():
        assert db.session.scalars(select(CompoundingRecord)).all() == []


def test_stock_never_goes_below_zero(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    with app.app_context():
        lot = db.session.scalars(select(Lot).where(Lot.lot_number == "P-883120")).one()
        lot.on_hand = Decimal("0.1")  # someone used the lot meanwhile
        db.session.commit()
    actual = {f"actual-{c.id}": str(c.required) for c in record.components}
    page = technician.post(
        f"/compounding/records/{record.id}/weights",
        data=actual | lot_form(record),
        follow_redirects=True,
    )
    assert "does not have" in page.get_data(as_text=True)
    assert on_hand(app, "P-883120") == Decimal("0.1")
    assert record_of(app, order_id).status == "in_progress"


def test_no_matching_formulation_is_explained(signed_in, verified_order):
    order_id = verified_order(preparation={"strength": "3.7 mg"}, sig={"dose": "1 capsule"})
    page = signed_in("technician").get(f"/compounding/orders/{order_id}/start")
    text = page.get_data(as_text=True)
    assert "No master formulation makes this order" in text
    assert "strength 4.5 mg, not 3.7 mg" in text


def test_only_a_verified_order_is_compounded(app, api, signed_in, make_document, catalogue):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    technician = signed_in("technician")
    start(technician, order["id"])
    with app.app_context():
        assert db.session.scalars(select(CompoundingRecord)).all() == []


def test_choosing_another_formula_shows_its_lots_before_anything_is_made(
    app, signed_in, verified_order
):
    from pharmacy_app.compounding.services import matching_formulations
    from pharmacy_app.orders.models import Order

    order_id = verified_order()
    client = signed_in("technician")
    page = client.get(f"/compounding/orders/{order_id}/start").get_data(as_text=True)
    token = re.search(r'name="once_token" type="hidden" value="([^"]+)"', page)[1]
    with app.app_context():
        first, second = [
            m.id for m in matching_formulations(db.session.get(Order, order_id))[0][:2]
        ]
    shown = client.post(
        f"/compounding/orders/{order_id}/start",
        data={"mfr": second, "lots_for": first, "once_token": token},
    )
    assert shown.status_code == 200
    assert f'name="lots_for" value="{second}"' in shown.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(CompoundingRecord).count() == 0
    made = client.post(
        f"/compounding/orders/{order_id}/start",
        data={"mfr": second, "lots_for": second, "once_token": token},
    )
    assert made.status_code == 302
