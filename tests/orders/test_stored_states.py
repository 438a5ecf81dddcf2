"""States are enums in the models, stored as the same lowercase words as before."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from pharmacy_app.accounts.models import Role, User
from pharmacy_app.checks import Verdict
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order, OrderStatus


def test_an_order_keeps_its_status_and_verdict_as_words_and_loads_them_as_members(
    app, api, make_document
):
    created = api.post("/api/v1/orders", json=make_document()).get_json()
    with app.app_context():
        stored = db.session.execute(
            text("SELECT status, verdict FROM orders WHERE id = :id"), {"id": created["id"]}
        ).one()
        assert tuple(stored) == ("checked", "pass")
        order = db.session.get(Order, created["id"])
        assert order.status is OrderStatus.CHECKED and order.verdict is Verdict.PASS
        assert order.checks[-1].verdict is Verdict.PASS


def test_a_role_is_loaded_as_its_member(app, make_user):
    user_id = make_user("pharmacist").id
    with app.app_context():
        assert db.session.get(User, user_id).role is Role.PHARMACIST


def test_a_word_that_is_no_status_is_refused_before_the_database(app, api, make_document):
    created = api.post("/api/v1/orders", json=make_document()).get_json()
    with app.app_context():
        order = db.session.get(Order, created["id"])
        order.status = "shipped"
        with pytest.raises(StatementError, match="shipped"):
            db.session.flush()
        db.session.rollback()
