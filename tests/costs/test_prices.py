"""Price schedules: bounded at their fields, listed by preparation name, and no stored price
can break an order page or dispensing."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.costs.forms import latest_effective
from pharmacy_app.costs.models import WHAT_LENGTH, CostRecord, PriceSchedule
from pharmacy_app.costs.services import _component_line, money
from pharmacy_app.extensions import db
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.timeutil import pharmacy_today
from tests.fills import code_of, handover_form, release_fill

FAMILY = "naltrexone-4.5-mg-capsules,-mcc,-size-1"


def schedule_form(**changes):
    return {
        "family": FAMILY,
        "method": "base",
        "base_price": "44.00",
        "base_quantity": "30",
        "dispensing_fee": "0",
        "effective_from": "2026-12-01",
        **changes,
    }


def saved_schedules(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PriceSchedule))


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("base_price", "1e25", "Enter a base price from 0 to 100,000.00."),
        ("base_price", "100000.01", "Enter a base price from 0 to 100,000.00."),
        ("base_price", "-1", "Enter a base price from 0 to 100,000.00."),
        ("base_quantity", "1e12", "Enter a quantity from 0.001 to 10,000"),
        ("base_quantity", "0.0009", "Enter a quantity from 0.001 to 10,000"),
        ("dispensing_fee", "1e25", "Enter a dispensing fee from 0 to 1,000.00."),
        ("base_price", "44.001", "Enter at most 2 decimals."),
        ("base_quantity", "30.0001", "Enter at most 3 decimals."),
    ],
)
def test_a_price_schedule_out_of_bounds_is_refused_at_its_field(
    app, signed_in, catalogue, field, value, message
):
    before = saved_schedules(app)
    page = signed_in("pharmacist").post("/costs/prices", data=schedule_form(**{field: value}))
    assert page.status_code == 200
    assert message in page.get_data(as_text=True)
    assert saved_schedules(app) == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("base_quantity", "0.001"),
        ("base_quantity", "10000"),
        ("base_price", "100000"),
        ("base_price", "0"),
        ("dispensing_fee", "1000"),
    ],
)
def test_a_price_schedule_at_its_limits_is_saved(app, signed_in, catalogue, field, value):
    before = saved_schedules(app)
    response = signed_in("pharmacist").post("/costs/prices", data=schedule_form(**{field: value}))
    assert response.status_code == 302
    assert saved_schedules(app) == before + 1


def test_price_schedules_are_listed_by_preparation_name(app, signed_in, catalogue):
    client = signed_in("pharmacist")
    client.post("/costs/prices", data=schedule_form())
    page = client.get("/costs/prices").get_data(as_text=True)
    listed = re.search(r"<tbody>(.*?)</tbody>", page, re.DOTALL)[1]
    assert "Naltrexone 4.5 mg capsules, MCC" in listed
    assert FAMILY not in listed


def test_money_never_raises_on_an_amount_beyond_28_digits():
    assert money(Decimal("1.005")) == Decimal("1.01")
    assert money(Decimal("3E+28")) == Decimal("3E+28")
    assert not money(Decimal("NaN")).is_finite()


def test_a_stored_absurd_price_neither_breaks_the_order_page_nor_is_recorded(
    app, make_user, ready_order, signed_in
):
    order_id = ready_order()
    with app.app_context():  # a schedule saved before the form had a maximum
        db.session.add(
            PriceSchedule(
                family=FAMILY,
                method="base",
                base_price=Decimal("1E+25"),
                base_quantity=Decimal("0.01"),
                dispensing_fee=Decimal(0),
                # The newest schedule in effect (yesterday: the pharmacy's date may be behind).
                effective_from=dt.date.today() - dt.timedelta(days=1),
            )
        )
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        record_print(record, default_stock(), record.signed_off_by)
        release_fill(record, record.signed_off_by)
        db.session.commit()
        record_id, code = record.id, code_of(record)
    client = signed_in("pharmacist")
    assert client.get(f"/orders/{order_id}").status_code == 200
    response = client.post(f"/compounding/records/{record_id}/dispense", data=handover_form(code))
    assert response.status_code == 303
    page = client.get(response.location).get_data(as_text=True)
    assert "more than a cost record can hold" in page
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).dispensed_at is None
        assert db.session.scalar(select(func.count()).select_from(CostRecord)) == 0


def test_a_cost_line_keeps_within_its_column_and_keeps_the_lot_number():
    line = _component_line("Microcrystalline cellulose " * 10, "L" * 100)
    assert len(line) == WHAT_LENGTH and line.endswith(f"(lot {'L' * 100})")
    assert _component_line("Naltrexone HCl", "L-1") == "Naltrexone HCl (lot L-1)"


@pytest.mark.parametrize(
    "effective_from", ["0001-01-01", "1999-12-31", f"{dt.date.today().year + 3}-01-01"]
)
def test_a_price_schedule_dated_outside_its_years_is_refused_at_the_date(
    app, signed_in, catalogue, effective_from
):
    before = saved_schedules(app)
    answer = signed_in("pharmacist").post(
        "/costs/prices", data=schedule_form(effective_from=effective_from)
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    at_the_date = page.split('data-field="effective_from"')[1].split('<div class="field')[0]
    assert "Enter a date from 2000-01-01 to " in at_the_date
    assert f"{effective_from} looks like a mistyped year" in at_the_date
    assert saved_schedules(app) == before


def test_a_price_schedule_may_start_from_2000_to_two_years_ahead(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    with app.app_context():
        latest = latest_effective(pharmacy_today())
    for effective_from in ("2000-01-01", latest.isoformat()):
        answer = pharmacist.post("/costs/prices", data=schedule_form(effective_from=effective_from))
        assert answer.status_code == 302, answer.get_data(as_text=True)
    later = pharmacist.post(
        "/costs/prices",
        data=schedule_form(effective_from=(latest + dt.timedelta(days=1)).isoformat()),
    )
    assert f"Enter a date from 2000-01-01 to {latest.isoformat()}" in later.get_data(as_text=True)


def test_two_years_ahead_of_a_29_february_is_28_february():
    assert latest_effective(dt.date(2028, 2, 29)) == dt.date(2030, 2, 28)
    assert latest_effective(dt.date(2026, 12, 4)) == dt.date(2028, 12, 4)
