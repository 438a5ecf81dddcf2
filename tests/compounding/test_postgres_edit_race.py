"""An edit and the start of a fill at the same moment, on PostgreSQL: one of them wins, and a
fill is never left made for a prescription that has since changed.

When the fill is started first and holds the order's row lock as the edit arrives, an edit
that checked "may this prescription change?" before taking that lock would read "no fill
yet", wait only when it writes, and then succeed too: the order back to "checked" at the new
strength with a fill made from the old formula (issue 9, item 1). This test fails without
the lock."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from pharmacy_app.accounts.models import User
from pharmacy_app.checks import parse_order_document
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import matching_formulations, start_record
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.orders.services import current_policy, update_order
from pharmacy_app.timeutil import pharmacy_today
from tests.races import while_one_holds

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_test_app: Flask) -> Flask:
    return pg_test_app


@pytest.fixture
def actions(app, make_user, verified_order):
    """(order id, start the fill, edit the strength to 3 mg) for a verified 4.5 mg order."""
    order_id = verified_order()
    technician, editor = make_user("technician"), make_user("technician")
    with app.app_context():
        raw = dict(db.session.get(Order, order_id).document)
        document = parse_order_document(
            raw | {"preparation": raw["preparation"] | {"strength": "3 mg"}},
            today=pharmacy_today(),
        )

    def start_fill() -> str:
        order = db.session.get(Order, order_id)
        mfr = matching_formulations(order)[0][0]
        start_record(order, mfr, {}, db.session.get(User, technician.id))
        return "fill started"

    def edit() -> str:
        order = db.session.get(Order, order_id)
        update_order(order, document, policy=current_policy(), user=db.session.get(User, editor.id))
        return "edited"

    return order_id, start_fill, edit


def _fills(order_id):
    return db.session.scalar(
        select(func.count())
        .select_from(CompoundingRecord)
        .where(CompoundingRecord.order_id == order_id)
    )


def test_an_edit_arriving_while_a_fill_starts_is_refused(app, actions):
    order_id, start_fill, edit = actions
    outcomes = while_one_holds(app, start_fill, edit)
    assert outcomes[0] == "fill started"
    assert outcomes[1].startswith("refused: Fill B"), outcomes
    assert "is being made for this prescription" in outcomes[1]
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert (order.status, str(order.strength_mg.normalize())) == ("verified", "4.5")
        assert _fills(order_id) == 1


def test_a_fill_started_while_an_edit_holds_the_order_is_refused(app, actions):
    order_id, start_fill, edit = actions
    assert while_one_holds(app, edit, start_fill) == [
        "edited",
        "refused: Only a verified order is compounded; this one is waiting for verification.",
    ]
    with app.app_context():
        assert _fills(order_id) == 0
