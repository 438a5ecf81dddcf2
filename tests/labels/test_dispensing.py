"""Dispensing follows its order and is recorded once: a rejected order's fill never leaves,
two people recording one fill get one record and a clear message, form mistakes show at their
fields with what was typed, and a refill too soon needs a pharmacist's acknowledgement."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import (
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from pharmacy_app.costs.models import CostRecord
from pharmacy_app.dispensing.services import dispense, refill_too_soon
from pharmacy_app.extensions import db
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.orders.models import Order
from pharmacy_app.settings import ConfigurationError
from pharmacy_app.timeutil import utcnow
from pharmacy_app.workflow import WorkflowError
from tests.conftest import seen


def fill_of(app, order_id, number=None):
    with app.app_context():
        fills = db.session.scalars(
            select(CompoundingRecord)
            .where(CompoundingRecord.order_id == order_id)
            .order_by(CompoundingRecord.fill_number)
        ).all()
        record = fills[-1] if number is None else fills[number - 1]
        db.session.expunge(record)
        return record


def order_status(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).status


def charges(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(CostRecord))


def history(app, order_id):
    with app.app_context():
        return [(e.kind, e.detail) for e in db.session.get(Order, order_id).events]


def at_field(page: str, name: str) -> str:
    """The markup of one form field (its label, input and messages)."""
    start = page.index(f'data-field="{name}"')
    end = page.find('data-field="', start + 1)
    return page[start : end if end > 0 else len(page)]


def printed(client, order_id):
    assert client.post(f"/orders/{order_id}/label").mimetype == "application/pdf"
    return fill_of(client.application, order_id)


def dispense_post(client, record_id, follow_redirects=False, **data):
    return client.post(
        f"/compounding/records/{record_id}/dispense",
        data={"method": "picked_up"} | data,
        follow_redirects=follow_redirects,
    )


def test_a_fill_of_a_rejected_order_is_neither_dispensed_nor_charged(app, signed_in, ready_order):
    order_id = ready_order()
    technician = signed_in("technician")
    record = printed(technician, order_id)
    with app.app_context():  # rejected before rejection discarded fills (or by a stale page)
        db.session.get(Order, order_id).status = "rejected"
        db.session.commit()
    page = dispense_post(technician, record.id, note="collected by her son")
    assert page.status_code == 303
    assert "The order is rejected" in technician.get(page.location).get_data(as_text=True)
    assert order_status(app, order_id) == "rejected"
    assert fill_of(app, order_id).dispensed_at is None
    assert charges(app) == 0


def test_a_rejected_orders_discarded_fill_is_not_dispensed(app, signed_in, ready_order):
    order_id = ready_order()
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    record = printed(technician, order_id)
    pharmacist.post(
        f"/orders/{order_id}/reject", data=seen(app, order_id, reason="Prescriber cancelled it")
    )
    dispense_post(technician, record.id)
    assert order_status(app, order_id) == "rejected"
    assert fill_of(app, order_id).dispensed_at is None and charges(app) == 0


def test_a_fill_dispensed_meanwhile_is_refused_with_who_did_it_not_charged_twice(
    app, make_user, ready_order
):
    order_id = ready_order()
    first, second = make_user("technician"), make_user("technician")
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        record_print(record, default_stock(), db.session.get(User, first.id))
        db.session.commit()
        assert record.dispensed_at is None  # what the second technician's page showed
        with app.app_context():  # the first technician, on another worker, a moment earlier
            theirs = db.session.get(CompoundingRecord, record.id)
            dispense(theirs, "picked_up", "", db.session.get(User, first.id))
            db.session.commit()
        with pytest.raises(WorkflowError, match=r"already dispensed .* by Technician User"):
            dispense(record, "shipped", "", db.session.get(User, second.id))
        db.session.rollback()
    assert charges(app) == 1
    assert [kind for kind, _ in history(app, order_id)].count("dispensed") == 1


def test_dispensing_twice_from_the_page_gives_a_message_not_an_error(app, signed_in, ready_order):
    order_id = ready_order()
    technician = signed_in("technician")
    record = printed(technician, order_id)
    assert dispense_post(technician, record.id).status_code == 303
    again = dispense_post(technician, record.id, follow_redirects=True)
    assert again.status_code == 200
    assert "already dispensed" in again.get_data(as_text=True)
    assert charges(app) == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"method": "teleported"}, "method", "Choose picked up or shipped."),
        ({"note": "x" * 301}, "note", "At most 300 characters."),
        ({"price": "abc", "price_reason": "loyal customer"}, "price", "Enter the price as a"),
        ({"price": "NaN", "price_reason": "loyal customer"}, "price", "Enter the price as a"),
        ({"price": "-3", "price_reason": "loyal customer"}, "price", "A price from 0"),
        ({"price": "30"}, "price_reason", "Give the reason for a price"),
    ],
    ids=["unknown method", "long note", "abc", "NaN", "negative", "price without reason"],
)
def test_a_mistake_in_the_dispense_form_shows_at_its_field_and_keeps_what_was_typed(
    app, signed_in, ready_order, data, field, message
):
    order_id = ready_order()
    pharmacist = signed_in("pharmacist")
    record = printed(pharmacist, order_id)
    typed = {"note": "USPS 9400 1118", "price_reason": ""} | data
    response = dispense_post(pharmacist, record.id, **typed)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in at_field(page, field)
    assert "Nothing was recorded" in page
    for name, value in typed.items():
        if value and name != "method":
            assert f'value="{value}"' in at_field(page, name), name
    assert fill_of(app, order_id).dispensed_at is None and charges(app) == 0


def test_the_dispensing_page_shows_the_form_and_the_computed_price(app, signed_in, ready_order):
    order_id = ready_order()
    technician = signed_in("technician")
    record = printed(technician, order_id)
    page = technician.get(f"/compounding/records/{record.id}/dispense").get_data(as_text=True)
    assert "Record dispensing" in page and "Price " in page
    assert "Reverse this dispensing" not in page


def make_refill(app, order_id, technician, pharmacist):
    """Compound, sign off and print the order's next fill; its record id."""
    with app.app_context():
        tech = db.session.get(User, technician.id)
        order = db.session.get(Order, order_id)
        refill = start_record(order, matching_formulations(order)[0][0], {}, tech)
        db.session.flush()
        record_weights(refill, {c.id: c.required for c in refill.components}, tech)
        sign_off(refill, db.session.get(User, pharmacist.id))
        record_print(refill, default_stock(), tech)
        db.session.commit()
        return refill.id


def dispense_first(app, order_id, user, days_ago):
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        record_print(record, default_stock(), db.session.get(User, user.id))
        at = utcnow() - dt.timedelta(days=days_ago)
        dispense(record, "picked_up", "", db.session.get(User, user.id), at=at)
        db.session.commit()


@pytest.fixture
def refill_after(app, make_user, ready_order):
    """refill_after(days) -> (order id, refill id): the first fill of a 30-day prescription
    dispensed `days` ago, its refill signed off and labelled."""

    def make(days, refills=1):
        order_id = ready_order(refills=refills)
        technician, pharmacist = make_user("technician"), make_user("pharmacist")
        dispense_first(app, order_id, technician, days_ago=days)
        return order_id, make_refill(app, order_id, technician, pharmacist)

    return make


def test_a_refill_too_soon_is_held_until_a_pharmacist_acknowledges_it(app, signed_in, refill_after):
    order_id, refill_id = refill_after(3, refills=2)
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")

    held = dispense_post(technician, refill_id)
    page = held.get_data(as_text=True)
    assert held.status_code == 409
    assert "Refill too soon" in page and "3 days ago" in page and "75%" in page
    assert "Ask a pharmacist" in page
    assert fill_of(app, order_id).dispensed_at is None

    unexplained = dispense_post(pharmacist, refill_id, note="her own car")
    assert unexplained.status_code == 409
    assert 'value="her own car"' in unexplained.get_data(as_text=True)
    assert fill_of(app, order_id).dispensed_at is None

    done = dispense_post(pharmacist, refill_id, early_reason="Travelling abroad for 6 weeks")
    assert done.status_code == 303
    assert fill_of(app, order_id).dispensed_at is not None
    kind, detail = history(app, order_id)[-1]
    assert kind == "dispensed" and "acknowledged: Travelling abroad for 6 weeks" in detail


def test_a_refill_once_most_of_the_supply_is_used_needs_no_acknowledgement(
    app, signed_in, refill_after
):
    order_id, refill_id = refill_after(25)
    assert dispense_post(signed_in("technician"), refill_id).status_code == 303
    assert order_status(app, order_id) == "dispensed"


def percent(value: str, days_after: int, too_soon: bool) -> object:
    return pytest.param(
        days_after, too_soon, marks=pytest.mark.app_config(REFILL_TOO_SOON_PERCENT=value)
    )


@pytest.mark.parametrize(
    ("days_after", "too_soon"),
    [
        percent("75", 22, True),
        percent("75", 23, False),
        percent("90", 26, True),
        percent("90", 27, False),
        percent("0", 0, False),
    ],
)
def test_the_refill_threshold_is_a_share_of_the_days_supply(
    app, refill_after, days_after, too_soon
):
    order_id, refill_id = refill_after(40)
    with app.app_context():
        first = fill_of(app, order_id, 1)
        refill = db.session.get(CompoundingRecord, refill_id)
        found = refill_too_soon(refill, first.dispensed_at + dt.timedelta(days=days_after))
        assert (found is not None) == too_soon


@pytest.mark.parametrize("value", ["120", "-1", "soon"])
def test_the_refill_threshold_setting_must_be_a_percentage(value):
    with pytest.raises(
        ConfigurationError, match="REFILL_TOO_SOON_PERCENT must be a number from 0 to 100"
    ):
        create_app({"SECRET_KEY": "x", "REFILL_TOO_SOON_PERCENT": value})
