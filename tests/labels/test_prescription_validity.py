"""A prescription expires PRESCRIPTION_VALID_DAYS (one year) after the date written: on fixed
dates, no refill is started and no fill dispensed after it, and the order shows "renewal
needed"; the setting's default, another value, and a bad value refused at start."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from pharmacy_app import create_app
from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.services import matching_formulations, start_record
from pharmacy_app.dispensing.refills import request_refill
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order, OrderStatus
from pharmacy_app.orders.validity import prescription_expired, valid_until
from pharmacy_app.settings import ConfigurationError, settings
from pharmacy_app.workflow import WorkflowError
from tests.clock import Clock
from tests.fills import dispense_through_page, release_in
from tests.labels.conftest import flashes, latest_fill

START = dt.date(2026, 3, 2)
WRITTEN = START - dt.timedelta(days=300)  # valid to WRITTEN + 365 = START + 65
EXPIRED = WRITTEN + dt.timedelta(days=366)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch, START)


def written_long_ago(ready_order):
    return ready_order(date_written=WRITTEN.isoformat(), date_received=START.isoformat())


def prescription(written, received=START):
    return SimpleNamespace(rx_number="RX-100001", date_written=written, date_received=received)


def test_a_prescription_is_valid_for_a_year_from_the_date_written(app):
    with app.app_context():
        order = prescription(WRITTEN)
        assert valid_until(order) == WRITTEN + dt.timedelta(days=365)
        assert prescription_expired(order, WRITTEN + dt.timedelta(days=365)) is None
        expired = prescription_expired(order, EXPIRED) or ""
        assert "renewal needed" in expired and f"written {WRITTEN:%m/%d/%Y}" in expired


def test_without_a_date_written_the_year_counts_from_the_date_received(app):
    with app.app_context():
        order = prescription(None, received=WRITTEN)
        assert valid_until(order) == WRITTEN + dt.timedelta(days=365)
        assert "no date written" in (prescription_expired(order, EXPIRED) or "")


def test_no_refill_is_started_after_the_prescription_expires(
    app, clock, signed_in, make_user, ready_order
):
    order_id = written_long_ago(ready_order)
    technician = signed_in("technician")
    technician.post(f"/orders/{order_id}/label")
    fill = latest_fill(app, order_id)
    dispense_through_page(app, technician, fill.id, release_by=signed_in("pharmacist").user)
    clock.to(EXPIRED)
    maker = make_user("technician")
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status == "refillable" and order.refills == 2  # refills left, Rx expired
        with pytest.raises(WorkflowError, match="renewal needed"):
            request_refill(order, "patient", "phone", db.session.get(User, maker.id))
        order.status = OrderStatus.VERIFIED  # as if a refill had been requested in time
        with pytest.raises(WorkflowError, match="renewal needed"):
            start_record(
                order, matching_formulations(order)[0][0], {}, db.session.get(User, maker.id)
            )
    assert latest_fill(app, order_id).id == fill.id


def test_a_fill_is_not_dispensed_after_the_prescription_expires(app, clock, signed_in, ready_order):
    order_id = written_long_ago(ready_order)
    technician = signed_in("technician")
    technician.post(f"/orders/{order_id}/label")
    fill = latest_fill(app, order_id)
    release_in(app, fill.id, signed_in("pharmacist").user)  # released while the Rx was valid
    clock.to(EXPIRED)  # the fill itself is still in date
    assert fill.beyond_use_date - dt.timedelta(days=30) > EXPIRED
    dispense_through_page(app, technician, fill.id)
    assert "renewal needed" in flashes(technician)
    assert latest_fill(app, order_id).dispensed_at is None


def test_the_order_page_and_queue_show_renewal_needed(app, clock, signed_in, ready_order):
    order_id = written_long_ago(ready_order)
    client = signed_in("technician")
    assert "Renewal needed" not in client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-mark="renewal"' not in client.get("/orders").get_data(as_text=True)
    clock.to(EXPIRED)
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "RENEWAL NEEDED" in page and f"valid to {valid_until_of(app, order_id)}" in page
    assert 'data-mark="renewal"' in client.get("/orders").get_data(as_text=True)


def valid_until_of(app, order_id):
    with app.app_context():
        return f"{valid_until(db.session.get(Order, order_id)):%m/%d/%Y}"


def test_a_closed_order_needs_no_renewal(app, clock, signed_in, ready_order):
    order_id = written_long_ago(ready_order)
    with app.app_context():
        db.session.get(Order, order_id).status = "dispensed"
        db.session.commit()
    clock.to(EXPIRED)
    page = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Renewal needed" not in page


def test_prescriptions_are_valid_for_365_days_unless_set_otherwise(app):
    with app.app_context():
        assert settings().prescription_valid_days == 365
        assert app.extensions["check_policy"].max_prescription_age_days == 365


@pytest.mark.app_config(PRESCRIPTION_VALID_DAYS="180")
def test_a_state_with_a_shorter_limit_sets_it_and_the_checker_follows(app):
    with app.app_context():
        assert settings().prescription_valid_days == 180
        assert valid_until(prescription(WRITTEN)) == WRITTEN + dt.timedelta(days=180)
        assert app.extensions["check_policy"].max_prescription_age_days == 180


@pytest.mark.parametrize("bad", ["0", "-30", "a year", "365.5", True])
def test_a_bad_validity_is_refused_at_start(bad):
    with pytest.raises(ConfigurationError, match="PRESCRIPTION_VALID_DAYS"):
        create_app(
            {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
            | {"PRESCRIPTION_VALID_DAYS": bad}
        )
