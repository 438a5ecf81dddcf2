"""A pharmacist reverses a dispensing recorded by mistake: the fill is open again, the order
back where it was, the charge voided, and the order's history says why."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pharmacy_app.costs.models import CostRecord
from pharmacy_app.extensions import db
from tests.fills import release_in
from tests.labels.test_dispensing import (
    at_field,
    dispense_first,
    dispense_post,
    fill_of,
    history,
    make_refill,
    order_status,
    printed,
)


def reverse_post(client, record_id, reason="Recorded on the wrong patient's order"):
    return client.post(
        f"/compounding/records/{record_id}/reverse-dispensing", data={"reason": reason}
    )


def costs_of(app, order_id):
    with app.app_context():
        return [
            (c.record_id, c.voided, c.price)
            for c in db.session.scalars(
                select(CostRecord).where(CostRecord.order_id == order_id).order_by(CostRecord.id)
            )
        ]


def dispensed(app, signed_in, ready_order, **changes):
    order_id = ready_order(**changes)
    technician = signed_in("technician")
    record = printed(technician, order_id)
    assert dispense_post(technician, record.id).status_code == 303
    return order_id, record.id


@pytest.mark.parametrize(
    ("refills", "status_after_dispensing"), [(0, "dispensed"), (1, "refillable")]
)
def test_reversing_reopens_the_fill_voids_the_charge_and_says_why(
    app, signed_in, ready_order, refills, status_after_dispensing
):
    order_id, record_id = dispensed(app, signed_in, ready_order, refills=refills)
    assert order_status(app, order_id) == status_after_dispensing
    [(_, _, price)] = costs_of(app, order_id)

    response = reverse_post(signed_in("pharmacist"), record_id, "Never collected; patient moved")
    assert response.status_code == 303
    assert fill_of(app, order_id).dispensed_at is None
    assert fill_of(app, order_id).status == "signed_off"
    assert order_status(app, order_id) == "compounded"
    # The charge is voided, and keeps its order (not the fill, which can be charged again).
    assert costs_of(app, order_id) == [(None, True, price)]
    kind, detail = history(app, order_id)[-1]
    assert kind == "dispensing reversed"
    assert "Never collected; patient moved" in detail and f"charge {price} USD voided" in detail
    assert "picked up by the patient" in detail


def test_a_reopened_fill_is_checked_again_then_dispensed_and_charged_again(
    app, signed_in, ready_order
):
    order_id, record_id = dispensed(app, signed_in, ready_order, refills=0)
    pharmacist = signed_in("pharmacist")
    reverse_post(pharmacist, record_id)
    # Its release went with the hand-over that did not stand: the final check comes again.
    assert fill_of(app, order_id).released_at is None
    assert "checked again before it leaves" in history(app, order_id)[-1][1]
    refused = dispense_post(pharmacist, record_id, method="shipped", follow_redirects=True)
    assert "has not passed its final check" in refused.get_data(as_text=True)
    release_in(app, record_id, pharmacist.user)
    assert dispense_post(pharmacist, record_id, method="shipped").status_code == 303
    assert order_status(app, order_id) == "dispensed"
    charges = costs_of(app, order_id)
    assert [(voided, record) for record, voided, _ in charges] == [
        (True, None),
        (False, record_id),
    ]


def test_only_a_pharmacist_reverses_and_only_with_a_reason(app, signed_in, ready_order):
    order_id, record_id = dispensed(app, signed_in, ready_order)
    assert reverse_post(signed_in("technician"), record_id).status_code == 403
    refused = reverse_post(signed_in("pharmacist"), record_id, reason="oops")
    assert refused.status_code == 422
    assert "Give the reason" in at_field(refused.get_data(as_text=True), "reason")
    assert 'value="oops"' in at_field(refused.get_data(as_text=True), "reason")
    assert fill_of(app, order_id).dispensed_at is not None
    assert costs_of(app, order_id)[0][1] is False


def test_a_fill_not_dispensed_has_nothing_to_reverse(app, signed_in, ready_order):
    order_id = ready_order()
    record = printed(signed_in("technician"), order_id)
    response = reverse_post(signed_in("pharmacist"), record.id)
    assert response.status_code == 422
    assert "nothing to reverse" in response.get_data(as_text=True)


def test_only_the_latest_fill_is_reversed(app, make_user, signed_in, ready_order):
    order_id = ready_order(refills=1)
    technician, pharmacist = make_user("technician"), make_user("pharmacist")
    dispense_first(app, order_id, technician, days_ago=30, pharmacist=pharmacist)
    make_refill(app, order_id, technician, pharmacist)
    first = fill_of(app, order_id, 1)
    pharmacist_client = signed_in("pharmacist")
    page = pharmacist_client.get(f"/compounding/records/{first.id}/dispense").get_data(as_text=True)
    # The page says why instead of offering a reversal that would be refused.
    assert 'data-hold="reversal"' in page and "Reverse this dispensing" not in page
    response = reverse_post(pharmacist_client, first.id)
    assert "only the latest fill" in response.get_data(as_text=True)
    assert fill_of(app, order_id, 1).dispensed_at is not None


def test_a_pharmacist_reaches_the_reversal_from_the_order_page(app, signed_in, ready_order):
    order_id, record_id = dispensed(app, signed_in, ready_order)
    pharmacist = signed_in("pharmacist")
    order_page = pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f'href="/compounding/records/{record_id}/dispense">Reverse dispensing' in order_page
    page = pharmacist.get(f"/compounding/records/{record_id}/dispense").get_data(as_text=True)
    assert "Reverse this dispensing" in page and "picked up" in page
    technician_page = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Reverse dispensing" not in technician_page


def test_a_refill_requested_after_the_dispensing_is_withdrawn_with_it(app, signed_in, ready_order):
    from pharmacy_app.dispensing.models import RefillRequest
    from pharmacy_app.dispensing.refills import request_refill
    from pharmacy_app.orders.models import Order

    order_id, record_id = dispensed(app, signed_in, ready_order, refills=2)
    with app.app_context():
        request_refill(db.session.get(Order, order_id), "patient", "phone", None,
                       early_reason="")  # fmt: skip
        db.session.commit()
    pharmacist = signed_in("pharmacist")
    assert reverse_post(pharmacist, record_id, "Parcel returned undeliverable").status_code == 303
    with app.app_context():
        (request,) = db.session.scalars(
            select(RefillRequest).where(RefillRequest.order_id == order_id)
        ).all()
        assert request.state == "cancelled"
        assert request.cancelled_reason == "dispensing reversed: Parcel returned undeliverable"
    assert order_status(app, order_id) == "compounded"
    assert "refill request of" in history(app, order_id)[-1][1]
    page = pharmacist.get(f"/compounding/records/{record_id}/dispense").get_data(as_text=True)
    assert "Reverse this dispensing" not in page
