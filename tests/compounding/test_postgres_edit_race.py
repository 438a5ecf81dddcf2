"""An edit and the start of a fill at the same moment, on PostgreSQL: one of them wins, and a
fill is never left made for a prescription that has since changed.

The fill is started first and holds the order's row lock while the edit arrives. Without the
edit taking that lock before it checks whether the prescription may change, the edit reads
"no fill yet", waits only when it writes, and then succeeds too: the order goes back to
"checked" at the new strength with a fill made from the old formula (issue 9, item 1)."""

from __future__ import annotations

import threading
import time

import pytest
from flask import Flask
from sqlalchemy import func, select

from pharmacy_app.accounts.models import User
from pharmacy_app.checks import parse_order_document
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import matching_formulations, start_record
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.orders.services import WorkflowError, current_policy, update_order

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_test_app: Flask) -> Flask:
    return pg_test_app


def _edit(app, order_id, user_id, document, outcome):
    with app.app_context():
        order = db.session.get(Order, order_id)
        try:
            update_order(
                order, document, policy=current_policy(), user=db.session.get(User, user_id)
            )
            db.session.commit()
            outcome.append("edited")
        except WorkflowError as exc:
            db.session.rollback()
            outcome.append(f"edit refused: {exc}")


def test_an_edit_arriving_while_a_fill_starts_is_refused(app, make_user, verified_order):
    order_id = verified_order()
    technician, editor = make_user("technician"), make_user("technician")
    raw = _document_of(app, order_id)
    document = parse_order_document(
        raw | {"preparation": raw["preparation"] | {"strength": "3 mg"}}
    )
    fill_locked, outcome, errors = threading.Event(), [], []

    def start_fill():
        try:
            with app.app_context():
                order = db.session.get(Order, order_id)
                mfr = matching_formulations(order)[0][0]
                start_record(order, mfr, {}, db.session.get(User, technician.id))
                db.session.flush()
                fill_locked.set()
                time.sleep(0.5)  # the edit arrives while this transaction holds the lock
                db.session.commit()
                outcome.append("fill started")
        except BaseException as exc:
            fill_locked.set()
            errors.append(exc)

    def edit():
        try:
            fill_locked.wait(10)
            _edit(app, order_id, editor.id, document, outcome)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start_fill), threading.Thread(target=edit)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert outcome[0] == "fill started"
    assert outcome[1].startswith("edit refused: Fill B"), outcome
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert (order.status, str(order.strength_mg.normalize())) == ("verified", "4.5")
        assert _fills(order_id) == 1


def test_a_fill_started_while_an_edit_holds_the_order_is_refused(app, make_user, verified_order):
    order_id = verified_order()
    technician, editor = make_user("technician"), make_user("technician")
    raw = _document_of(app, order_id)
    document = parse_order_document(
        raw | {"preparation": raw["preparation"] | {"strength": "3 mg"}}
    )
    edit_locked, outcome, errors = threading.Event(), [], []

    def edit():
        try:
            with app.app_context():
                order = db.session.get(Order, order_id)
                update_order(
                    order, document, policy=current_policy(), user=db.session.get(User, editor.id)
                )
                db.session.flush()
                edit_locked.set()
                time.sleep(0.5)
                db.session.commit()
                outcome.append("edited")
        except BaseException as exc:
            edit_locked.set()
            errors.append(exc)

    def start_fill():
        try:
            edit_locked.wait(10)
            with app.app_context():
                order = db.session.get(Order, order_id)
                mfr = matching_formulations(order)[0][0]
                try:
                    start_record(order, mfr, {}, db.session.get(User, technician.id))
                    db.session.commit()
                    outcome.append("fill started")
                except WorkflowError as exc:
                    db.session.rollback()
                    outcome.append(f"fill refused: {exc}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=edit), threading.Thread(target=start_fill)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert outcome == [
        "edited",
        "fill refused: Only a verified order is compounded; this one is waiting for verification.",
    ]
    with app.app_context():
        assert _fills(order_id) == 0


def _document_of(app, order_id):
    with app.app_context():
        return dict(db.session.get(Order, order_id).document)


def _fills(order_id):
    return db.session.scalar(
        select(func.count())
        .select_from(CompoundingRecord)
        .where(CompoundingRecord.order_id == order_id)
    )
