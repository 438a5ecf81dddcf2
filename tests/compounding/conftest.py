"""Compounding fixtures: the demo catalogue, lots and formulas, and a verified order."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord, Lot, MasterFormulation
from pharmacy_app.compounding.services import matching_formulations, record_weights, start_record
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from tests.fills import lots_scanned


@pytest.fixture
def pharmacist_api(app, make_user, token_for):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    return client


@pytest.fixture
def verified_order(api, pharmacist_api, make_document, catalogue):
    """verified_order(**changes) -> id of an order entered by a technician and verified."""

    def make(**changes):
        order = api.post("/api/v1/orders", json=make_document(**changes)).get_json()
        answer = pharmacist_api.post(f"/api/v1/orders/{order['id']}/verification")
        assert answer.status_code == 200, answer.get_json()
        return order["id"]

    return make


@pytest.fixture
def compound(app, make_user):
    """compound(order_id, "formula name", lots={"active": lot_id}, today=date) -> record id: a
    technician starts the worksheet through the services (the formula matched by default)."""
    technician = make_user("technician")

    def make(order_id, formula=None, lots=None, today=None):
        with app.app_context():
            order = db.session.get(Order, order_id)
            mfr = formula_named(formula) if formula else matching_formulations(order)[0][0]
            record = start_record(
                order, mfr, lots or {}, db.session.get(User, technician.id), today
            )
            db.session.commit()
            return record.id

    return make


@pytest.fixture
def weigh_in(app, make_user):
    """weigh_in(record_id, active=Decimal(...)) -> the technician records the weights: the
    amounts given by role, the required amount for the rest."""
    technician = make_user("technician")

    def record(record_id, **by_role):
        with app.app_context():
            found = db.session.get(CompoundingRecord, record_id)
            actuals = {c.id: by_role.get(c.role, c.required) for c in found.components}
            record_weights(
                found,
                actuals,
                db.session.get(User, technician.id),
                scanned_lots=lots_scanned(found),
            )
            db.session.commit()

    return record


def formula_named(name):
    return db.session.scalars(
        select(MasterFormulation).where(
            MasterFormulation.name == name, MasterFormulation.is_current.is_(True)
        )
    ).one()


def lot_id(number):
    return db.session.scalars(select(Lot.id).where(Lot.lot_number == number)).one()
