"""The order page shows when a fill was printed and dispensed in the pharmacy's own time zone,
as the label and the cost reports do (America/Los_Angeles by default)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelPrint
from tests.fills import handover, release_fill

# 06:50 UTC on 1 November 2026 is 23:50 on 31 October in Los Angeles (still PDT).
LATE_EVENING = dt.datetime(2026, 11, 1, 6, 50, tzinfo=dt.UTC)


def test_dispensing_and_print_times_are_the_pharmacys_local_ones(
    app, signed_in, make_user, ready_order
):
    order_id = ready_order()
    client = signed_in("technician")
    pharmacist = make_user("pharmacist")
    client.post(f"/orders/{order_id}/label")
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        printed = db.session.scalars(select(LabelPrint)).one()
        printed.printed_at = LATE_EVENING - dt.timedelta(minutes=20)
        release_fill(record, pharmacist)
        dispense(
            record,
            "picked_up",
            "",
            db.session.get(User, printed.printed_by_id),
            at=LATE_EVENING,
            handover=handover(record),
        )
        db.session.commit()
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "dispensed (picked up) 2026-10-31" in page
    assert "2026-11-01" not in page
    assert "Printed 2026-10-31 23:30 PDT" in page
    assert "UTC" not in page


@pytest.mark.app_config(PHARMACY_TIMEZONE="Europe/London")
def test_the_time_zone_follows_the_pharmacys_setting(app, signed_in, ready_order):
    order_id = ready_order()
    client = signed_in("technician")
    client.post(f"/orders/{order_id}/label")
    with app.app_context():
        printed = db.session.scalars(select(LabelPrint)).one()
        printed.printed_at = LATE_EVENING
        db.session.commit()
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Printed 2026-11-01 06:50 GMT" in page
