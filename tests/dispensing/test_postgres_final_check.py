"""Two pharmacists releasing one fill at once, on PostgreSQL: the order's row lock serves
them one after the other; one release is signed, the other is told who released it."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.dispensing.final_check import confirm_signature, release
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import OrderEvent
from tests.conftest import PASSWORD
from tests.races import at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_test_app: Flask) -> Flask:
    """The dispensing fixtures (labelled, signed_in) on PostgreSQL."""
    return pg_test_app


def test_two_final_checks_of_one_fill_at_once_release_it_once(app, make_user, labelled):
    fill = labelled()
    pharmacists = [make_user("pharmacist", username=name) for name in ("ana", "ben", "cy")]

    def attempt(pharmacist: User):
        def load():
            record = db.session.get(CompoundingRecord, fill.record_id)
            assert record is not None and record.released_at is None
            # Each pharmacist has typed their password (committed by the throttle) before
            # the two releases meet at the order's lock.
            return record, confirm_signature(
                db.session.get(User, pharmacist.id), PASSWORD, "127.0.0.1"
            )

        def act(loaded):
            record, signature = loaded
            release(record, signature, label_scan=fill.code, container_scan=fill.batch_number)
            return signature.user.username

        return load, act

    done, refused = at_once(app, [attempt(p) for p in pharmacists])
    assert len(done) == 1 and len(refused) == 2
    assert all(
        "was already released by Pharmacist User on" in message
        and "nothing was signed again" in message
        for message in refused
    )
    with app.app_context():
        record = db.session.get(CompoundingRecord, fill.record_id)
        assert record.released_by.username == done[0]
        events = db.session.scalars(
            select(OrderEvent).where(
                OrderEvent.order_id == fill.order_id, OrderEvent.kind == "released"
            )
        ).all()
        assert len(events) == 1 and done[0] in events[0].detail
