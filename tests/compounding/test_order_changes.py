"""A prescription cannot change under a fill, and a pharmacist decides on what they saw."""

from __future__ import annotations

import re

from sqlalchemy import select

from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import pharmacy_today
from tests.compounding.test_records import start


def status_of(app, order_id):
    with app.app_context():
        return db.session.scalars(select(Order.status).where(Order.id == order_id)).one()


def test_an_order_whose_fill_is_being_made_cannot_be_edited(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    assert start(technician, order_id).status_code == 302

    page = technician.get(f"/orders/{order_id}")
    assert f'href="/orders/{order_id}/edit"' not in page.get_data(as_text=True)
    answer = technician.get(f"/orders/{order_id}/edit", follow_redirects=True)
    assert "must discard that fill before the prescription can change" in answer.get_data(
        as_text=True
    )
    assert status_of(app, order_id) == "verified"


def test_an_edit_posted_while_a_fill_is_being_made_is_refused(app, signed_in, verified_order):
    order_id = verified_order()
    technician = signed_in("technician")
    assert start(technician, order_id).status_code == 302
    answer = technician.post(
        f"/orders/{order_id}/edit",
        data={"strength": "1.5 mg", "save": "1"},
        follow_redirects=True,
    )
    assert "must discard that fill" in answer.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Order, order_id).strength_text == "4.5 mg"


def test_a_verification_from_a_page_showing_an_older_check_is_refused(
    app, signed_in, api, make_document
):
    order_id = api.post("/api/v1/orders", json=make_document()).get_json()["id"]
    pharmacist = signed_in("pharmacist")
    page = pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    seen = re.search(r'name="check_id" type="hidden" value="(\d+)"', page)[1]

    # A technician changes the quantity in the meantime: the order is checked again.
    changed = make_document(quantity=90, days_supply=90)
    with app.app_context():
        from pharmacy_app.accounts.models import User
        from pharmacy_app.checks import parse_order_document
        from pharmacy_app.orders.services import current_policy, update_order

        order = db.session.get(Order, order_id)
        user = db.session.scalars(select(User).where(User.role == "technician")).first()
        update_order(
            order,
            parse_order_document(changed, today=pharmacy_today()),
            policy=current_policy(),
            user=user,
        )
        db.session.commit()

    answer = pharmacist.post(
        f"/orders/{order_id}/verify",
        data={"check_id": seen},
        follow_redirects=True,
    )
    assert "changed since you opened it" in answer.get_data(as_text=True)
    assert status_of(app, order_id) == "checked"

    fresh = pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    current = re.search(r'name="check_id" type="hidden" value="(\d+)"', fresh)[1]
    assert current != seen
    answer = pharmacist.post(f"/orders/{order_id}/verify", data={"check_id": current})
    assert answer.status_code == 302
    assert status_of(app, order_id) == "verified"
