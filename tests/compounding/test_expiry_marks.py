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


def test_an_acceptance_stored_with_older_advice_still_matches_its_figures():
    """Warnings stored before the advice was reworded ("or dispense it in parts", which the
    app does not do) still match the same shortfall counted today."""
    import datetime as dt
    from decimal import Decimal

    from pharmacy_app.compounding.bud import supply_beyond_bud
    from pharmacy_app.compounding.expiry import same_shortfall

    now = supply_beyond_bud(
        days_supply=90,
        quantity=Decimal(90),
        unit="capsules",
        compounded_on=dt.date(2026, 12, 1),
        bud=dt.date(2027, 1, 30),
    )
    assert now is not None and "in parts" not in now
    older = now.split(" would be past its BUD.")[0] + (
        " would be past its BUD. Shorten the supply (change the order to at most 60 days, "
        "with refills for the rest) or dispense it in parts; a pharmacist may accept it."
    )
    assert same_shortfall(older, now)
    other = now.replace("30 days' worth", "31 days' worth")
    assert not same_shortfall(other, now) and not same_shortfall(None, now)
