"""Compounding fixtures: the demo catalogue, lots and formulas, and a verified order."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_app.demo.compounding import store_demo_compounding
from pharmacy_app.extensions import db


@pytest.fixture
def catalogue(app):
    with app.app_context():
        store_demo_compounding(dt.date.today())
        db.session.commit()


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
