"""Two pharmacists returning one fill not collected at once, on PostgreSQL: the order's row
lock serves them one after the other; the fill is returned once, and the other is told what
the first did."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord, RecordStatus
from pharmacy_app.dispensing.will_call import return_uncollected
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import OrderEvent
from tests.fills import release_in
from tests.races import at_once

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(pg_test_app: Flask) -> Flask:
    """The dispensing fixtures (labelled, staff) on PostgreSQL."""
    return pg_test_app


def test_two_returns_of_one_fill_at_once_return_it_once(app, make_user, labelled, staff):
    fill = labelled()
    release_in(app, fill.record_id, staff[1])
    pharmacists = [make_user("pharmacist", username=name) for name in ("ana", "ben")]

    def attempt(pharmacist: User, disposition: str):
        def load():
            record = db.session.get(CompoundingRecord, fill.record_id)
            assert record is not None and record.status is RecordStatus.SIGNED_OFF
            return record, db.session.get(User, pharmacist.id)

        def act(loaded):
            record, user = loaded
            return_uncollected(record, disposition, "Not collected in 14 days", user)
            return disposition

        return load, act

    done, refused = at_once(
        app,
        [attempt(pharmacists[0], "returned_to_stock"), attempt(pharmacists[1], "discarded")],
    )
    assert len(done) == 1 and len(refused) == 1
    assert (
        f"{fill.batch_number} was already {done[0].replace('_', ' ')} as not collected"
        in (refused[0])
    )
    assert "nothing was recorded again" in refused[0]
    with app.app_context():
        record = db.session.get(CompoundingRecord, fill.record_id)
        assert record.status is RecordStatus.DISCARDED and record.uncollected == done[0]
        events = db.session.scalars(
            select(OrderEvent).where(
                OrderEvent.order_id == fill.order_id, OrderEvent.kind.like("uncollected:%")
            )
        ).all()
        assert [e.kind for e in events] == [f"uncollected: {done[0].replace('_', ' ')}"]
