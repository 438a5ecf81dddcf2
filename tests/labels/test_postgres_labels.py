"""Labels and dispensing on PostgreSQL: new label stocks after the preset ones, and two people
dispensing one fill at once."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.costs.models import CostRecord
from pharmacy_app.costs.services import void_charge
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelStock
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.orders.models import Order, OrderEvent
from tests.fills import handover, release_fill
from tests.labels.test_stocks_and_refills import STOCK
from tests.races import at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_test_app: Flask) -> Flask:
    """The label fixtures (ready_order, signed_in) on PostgreSQL."""
    return pg_test_app


def test_the_first_stocks_an_admin_adds_are_saved(app, signed_in):
    admin = signed_in("admin")
    for n in range(1, 7):
        response = admin.post("/labels/stocks", data=STOCK | {"name": f"Roll {n}"})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabelStock)) == 5 + 6


def test_two_people_dispensing_one_fill_at_once_record_it_once(app, make_user, ready_order):
    order_id = ready_order(refills=0)
    users = [make_user("technician") for _ in range(4)]
    pharmacist = make_user("pharmacist")
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        record_print(record, default_stock(), db.session.get(User, users[0].id))
        release_fill(record, pharmacist)
        db.session.commit()
        record_id = record.id

    def load():
        mine = db.session.get(CompoundingRecord, record_id)
        assert mine is not None and mine.dispensed_at is None
        return mine

    done, refused = at_once(
        app,
        [
            (
                load,
                lambda mine, u=u: dispense(
                    mine, "picked_up", "", db.session.get(User, u.id), handover=handover(mine)
                ),
            )
            for u in users
        ],
    )
    assert len(done) == 1 and len(refused) == len(users) - 1
    assert all("already dispensed" in message for message in refused)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(CostRecord)) == 1
        assert db.session.get(Order, order_id).status == "dispensed"


def test_two_pharmacists_voiding_one_charge_at_once_void_it_once(app, make_user, ready_order):
    order_id = ready_order(refills=0)
    pharmacists = [make_user("pharmacist") for _ in range(3)]
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        user = db.session.get(User, pharmacists[0].id)
        record_print(record, default_stock(), user)
        release_fill(record, pharmacists[0])
        cost_id = dispense(record, "picked_up", "", user, handover=handover(record)).id
        db.session.commit()

    def load():
        cost = db.session.get(CostRecord, cost_id)
        assert cost is not None and not cost.voided
        return cost

    def void(cost, user_id):
        void_charge(cost, "refunded at the counter", db.session.get(User, user_id))

    done, refused = at_once(app, [(load, lambda c, u=u: void(c, u.id)) for u in pharmacists])
    assert len(done) == 1 and refused == ["This fill is already voided."] * 2
    with app.app_context():
        events = db.session.scalars(
            select(OrderEvent.kind).where(OrderEvent.order_id == order_id)
        ).all()
        assert events.count("voided") == 1
