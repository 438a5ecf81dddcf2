"""A fill follows its order: rejection stops it, mistakes before sign-off are corrected with a
reason, and a pharmacist can throw away a fill that has not left the pharmacy."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from tests.compounding.test_records import on_hand, record_of, start
from tests.conftest import seen
from tests.fills import lot_form


def weigh(client, record, **changes):
    """Post the worksheet's own figures as the weights, with `changes` by role."""
    data = {f"actual-{c.id}": str(changes.get(c.role, c.required)) for c in record.components}
    data |= lot_form(record)
    return client.post(f"/compounding/records/{record.id}/weights", data=data)


def order_status(app, order_id):
    with app.app_context():
        return db.session.scalars(select(Order.status).where(Order.id == order_id)).one()


def test_rejecting_an_order_discards_its_fill_and_the_fill_cannot_go_on(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    start(technician, order_id)
    record = record_of(app, order_id)
    pharmacist.post(
        f"/orders/{order_id}/reject", data=seen(app, order_id, reason="Prescriber cancelled it")
    )
    assert order_status(app, order_id) == "rejected"
    assert record_of(app, order_id).status == "discarded"

    before = on_hand(app, "P-883120")
    page = weigh(technician, record).get_data(as_text=True)
    assert "cannot go on" in page or "discarded" in page
    assert on_hand(app, "P-883120") == before
    pharmacist.post(f"/compounding/records/{record.id}/sign-off")
    assert order_status(app, order_id) == "rejected"
    assert record_of(app, order_id).status == "discarded"


def test_a_fill_of_an_order_rejected_meanwhile_is_not_signed_off(app, signed_in, verified_order):
    order_id = verified_order()
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    start(technician, order_id)
    record = record_of(app, order_id)
    weigh(technician, record)
    with app.app_context():  # as if another worker rejected it between page and click
        db.session.get(Order, order_id).status = "rejected"
        db.session.commit()
    page = pharmacist.post(
        f"/compounding/records/{record.id}/sign-off", follow_redirects=True
    ).get_data(as_text=True)
    assert "The order is rejected" in page
    assert record_of(app, order_id).status == "awaiting_signoff"
    assert order_status(app, order_id) == "rejected"


def test_a_mistyped_weight_is_corrected_with_a_reason_and_stock_takes_the_difference(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    active = next(c for c in record.components if c.role == "active")
    before = on_hand(app, "P-883120")
    weigh(technician, record, active=Decimal(1447))  # 1447 typed for 145
    assert on_hand(app, "P-883120") == before - Decimal("1.447")

    data = {f"actual-{c.id}": str(c.required) for c in record.components} | lot_form(record)
    refused = technician.post(f"/compounding/records/{record.id}/weights", data=data)
    assert "give the reason" in refused.get_data(as_text=True)
    corrected = technician.post(
        f"/compounding/records/{record.id}/weights",
        data=data | {"correction": "Typed 1447 for the 145 mg the balance showed"},
        follow_redirects=True,
    )
    assert "Weights corrected" in corrected.get_data(as_text=True)
    assert on_hand(app, "P-883120") == before - active.required / 1000
    fixed = next(c for c in record_of(app, order_id).components if c.role == "active")
    assert fixed.actual == active.required and fixed.within_tolerance
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "weights corrected" in page and "Typed 1447" in page


def test_a_reading_in_another_unit_is_refused_and_what_was_typed_stays(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    active = next(c for c in record.components if c.role == "active")
    filler = next(c for c in record.components if c.role == "filler")
    data = {f"actual-{c.id}": str(c.required) for c in record.components} | lot_form(record)
    data[f"actual-{active.id}"] = "5 mL"
    page = technician.post(f"/compounding/records/{record.id}/weights", data=data)
    text = page.get_data(as_text=True)
    assert "5 mL" in text and "is not an amount of the active in mg" in text
    assert f'value="{filler.required}"' in text  # the other readings are not lost
    assert record_of(app, order_id).status == "in_progress"
    data[f"actual-{active.id}"] = f"{active.required} mg"
    technician.post(f"/compounding/records/{record.id}/weights", data=data)
    assert record_of(app, order_id).status == "awaiting_signoff"


def test_a_signed_off_fill_not_yet_dispensed_can_be_discarded_and_made_again(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    start(technician, order_id)
    record = record_of(app, order_id)
    weigh(technician, record)
    pharmacist.post(f"/compounding/records/{record.id}/sign-off")
    assert order_status(app, order_id) == "compounded"
    pharmacist.post(
        f"/compounding/records/{record.id}/discard", data={"reason": "Capsules dropped"}
    )
    assert record_of(app, order_id).status == "discarded"
    assert order_status(app, order_id) == "verified"
    assert start(technician, order_id).status_code == 302


def test_the_home_page_lists_fills_waiting_for_sign_off(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    start(technician, order_id)
    record = record_of(app, order_id)
    page = signed_in("pharmacist").get("/").get_data(as_text=True)
    assert "Fills being made: 1" in page and record.batch_number not in page
    weigh(technician, record)
    page = signed_in("pharmacist").get("/").get_data(as_text=True)
    assert "waiting for a pharmacist's sign-off: 1" in page
    assert record.batch_number in page and "Within tolerance" in page
