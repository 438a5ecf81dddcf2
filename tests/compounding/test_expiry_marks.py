"""The home page marks a fill waiting for sign-off whose beyond-use date has passed (fixed
dates), and links to the "to discard" list."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.extensions import db
from tests.clock import Clock


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch, dt.date(2026, 3, 2))


def test_the_home_page_marks_an_expired_fill_and_links_to_discard(
    app, clock, signed_in, verified_order, compound, weigh_in
):
    record_id = compound(verified_order())
    weigh_in(record_id)  # weighed, waiting for a pharmacist's sign-off
    client = signed_in("pharmacist")
    page = client.get("/").get_data(as_text=True)
    assert 'data-mark="expired"' not in page and "no expired fills" in page
    with app.app_context():
        bud = db.session.get(CompoundingRecord, record_id).beyond_use_date
    clock.to(bud + dt.timedelta(days=1))
    page = client.get("/").get_data(as_text=True)
    assert f"Expired: discard after {bud:%m/%d/%Y}" in page
    assert "1 fill to discard" in page and "/compounding/to-discard" in page
