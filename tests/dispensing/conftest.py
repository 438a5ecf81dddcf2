"""Dispensing fixtures: a labelled fill waiting for its final check (the label fixtures'
ready_order, its label printed), and for refills an order whose first fill was dispensed a
given number of days ago."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.barcodes import fill_code
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import (
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from pharmacy_app.dispensing.models import RefillRequest
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import utcnow
from tests.fills import handover, lots_scanned, release_fill
from tests.labels.conftest import ready_order  # noqa: F401  (a fixture used here)
from tests.labels.test_dispensing import printed


@dataclass(frozen=True)
class Labelled:
    order_id: int
    record_id: int
    rx_number: str
    batch_number: str
    code: str  # the fill code its label carries


@pytest.fixture
def labelled(app, signed_in, ready_order):  # noqa: F811
    """labelled(**changes) -> a signed-off fill of a new order with its label printed, not
    yet released."""

    def make(**changes):
        order_id = ready_order(**changes)
        record = printed(signed_in("technician"), order_id, released=False)
        with app.app_context():
            rx_number = db.session.get(Order, order_id).rx_number
        code = fill_code(rx_number, record.fill_number)
        return Labelled(order_id, record.id, rx_number, record.batch_number, code)

    return make


@pytest.fixture
def staff(make_user):
    """(technician, pharmacist) users."""
    return make_user("technician"), make_user("pharmacist")


@pytest.fixture
def dispensed_order(app, ready_order, staff):  # noqa: F811
    """dispensed_order(days_ago=30, **changes) -> id of an order whose first fill was
    released and dispensed `days_ago` days ago (30-day supply, 2 refills unless changed)."""
    technician, pharmacist = staff

    def make(days_ago=30, at=None, **changes):
        order_id = ready_order(**changes)
        with app.app_context():
            tech = db.session.get(User, technician.id)
            record = db.session.scalars(
                select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
            ).one()
            record_print(record, default_stock(), tech)
            release_fill(record, pharmacist)
            dispense(
                record,
                "picked_up",
                "",
                tech,
                at=at or utcnow() - dt.timedelta(days=days_ago),
                handover=handover(record),
            )
            db.session.commit()
        return order_id

    return make


def start_refill(app, order_id, user, early_reason="", today=None):
    """Start the order's next fill as `user`; the record (expunged) or the WorkflowError."""
    with app.app_context():
        order = db.session.get(Order, order_id)
        record = start_record(
            order,
            matching_formulations(order)[0][0],
            {},
            db.session.get(User, user.id),
            today=today,
            early_reason=early_reason,
        )
        db.session.commit()
        db.session.refresh(record)
        db.session.expunge(record)
        return record


def finish_fill(app, record_id, technician, pharmacist):
    """Weigh, sign off and print a started fill."""
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        tech = db.session.get(User, technician.id)
        record_weights(
            record,
            {c.id: c.required for c in record.components},
            tech,
            scanned_lots=lots_scanned(record),
        )
        sign_off(record, db.session.get(User, pharmacist.id))
        record_print(record, default_stock(), tech)
        db.session.commit()


def requests_for(app, order_id):
    with app.app_context():
        found = db.session.scalars(
            select(RefillRequest)
            .where(RefillRequest.order_id == order_id)
            .order_by(RefillRequest.id)
        ).all()
        for request in found:
            db.session.refresh(request)
            _ = request.entered_by, request.early_by
            db.session.expunge(request)
        return found


def status_of(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).status


def events_of(app, order_id):
    with app.app_context():
        return [(e.kind, e.detail) for e in db.session.get(Order, order_id).events]
