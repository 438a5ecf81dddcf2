"""The compounding date is the pharmacy's own (America/Los_Angeles by default): at 17:30 PST
on 30 November it is already 1 December in UTC, and the batch number, the BUD and the
lot-expiry check must still say the 30th."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_app import timeutil
from pharmacy_app.compounding.bud import BudRule
from pharmacy_app.compounding.models import (
    CompoundingRecord,
    Ingredient,
    IngredientKind,
    Lot,
    MasterFormulation,
)
from pharmacy_app.extensions import db
from pharmacy_app.timeutil import pharmacy_today

# 2026-11-30 17:30 PST (UTC-8) is 2026-12-01 01:30 UTC.
PST_1730 = dt.datetime(2026, 12, 1, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def half_past_five_pst(monkeypatch):
    monkeypatch.setattr(timeutil, "utcnow", lambda: PST_1730)


def record(app, record_id):
    with app.app_context():
        found = db.session.get(CompoundingRecord, record_id)
        db.session.expunge(found)
        return found


def test_the_pharmacys_date_at_17_30_pst_is_still_the_30th(app, half_past_five_pst):
    with app.app_context():
        assert pharmacy_today() == dt.date(2026, 11, 30)


@pytest.mark.app_config(PHARMACY_TIMEZONE="Europe/Berlin")  # 02:30 on 1 December there
def test_the_pharmacys_date_follows_its_configured_zone(app, half_past_five_pst):
    with app.app_context():
        assert pharmacy_today() == dt.date(2026, 12, 1)


def test_a_capsule_worksheet_at_17_30_pst_carries_the_pharmacys_date(
    app, verified_order, compound, half_past_five_pst
):
    found = record(app, compound(verified_order()))
    assert found.batch_number.startswith("B261130-")
    # 2026-11-30 + 180 days: to 31 Dec 31, Jan 62, Feb 90, Mar 121, Apr 151, + 29 = 2027-05-29
    # (the UTC date would have given 2027-05-30).
    assert found.beyond_use_date == dt.date(2027, 5, 29)


def test_a_lot_expiring_on_the_pharmacys_date_is_still_in_date_at_17_30_pst(
    app, verified_order, compound, half_past_five_pst
):
    with app.app_context():
        lot = db.session.scalars(select(Lot).where(Lot.lot_number == "P-883120")).one()
        lot.expiry_date = dt.date(2026, 11, 30)  # expires today, the pharmacy's today
        db.session.commit()
    found = record(app, compound(verified_order()))
    with app.app_context():
        active = db.session.get(CompoundingRecord, found.id).components[0]
        assert active.lot.lot_number == "P-883120"
    assert found.beyond_use_date == dt.date(2026, 11, 30)  # capped by that lot


def test_an_unpreserved_aqueous_liquid_at_17_30_pst_gets_14_days_refrigerated(
    app, verified_order, compound, half_past_five_pst
):
    with app.app_context():
        water = Ingredient(name="Purified water", kind=IngredientKind.VEHICLE, stock_unit="mL")
        db.session.add_all(
            [
                water,
                Lot(
                    ingredient=water,
                    supplier="In house",
                    lot_number="PW-1",
                    expiry_date=dt.date(2027, 6, 1),
                    quantity_received=Decimal(1000),
                    on_hand=Decimal(1000),
                    unit_cost=Decimal("0.001"),
                ),
                MasterFormulation(
                    family="water",
                    version=1,
                    name="Naltrexone 1 mg/mL in water, unpreserved",
                    dosage_form="oral_liquid",
                    strength_mg=Decimal(1),
                    strength_per="mL",
                    active_ingredient=db.session.scalars(
                        select(Ingredient).where(Ingredient.name == "Naltrexone HCl USP powder")
                    ).one(),
                    base_ingredient=water,
                    overage_percent=Decimal(0),
                    method="Dissolve, make up to volume.",
                    storage="",
                    aqueous=True,
                    bud_rule=BudRule.AQUEOUS_UNPRESERVED.value,
                ),
            ]
        )
        db.session.commit()
    order_id = verified_order(
        preparation={"dosage_form": "oral_liquid", "strength": "1 mg/mL", "excipients": []},
        sig={"dose": "1 mL", "text": "Take 1 mL by mouth at bedtime"},
        quantity=14,
        days_supply=14,
    )
    found = record(app, compound(order_id, "Naltrexone 1 mg/mL in water, unpreserved"))
    assert found.batch_number.startswith("B261130-")
    assert found.beyond_use_date == dt.date(2026, 12, 14)  # 30 Nov + 14 days, not 15 Dec
    assert found.storage == "Store in a refrigerator, 2-8 °C"
    assert found.supply_warning is None  # 14 days of medicine, 14 days of BUD
