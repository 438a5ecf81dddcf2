"""Frozen cost records at dispensing, prices, and the monthly report's numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import delete, select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.costs.models import CostRecord, PriceSchedule
from pharmacy_app.costs.report import monthly_report
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.workflow import WorkflowError
from tests.fills import a_pharmacist, handover, release_fill


def dispense_fill(app, order_id, user_id, at=None, price=None, reason=""):
    with app.app_context():
        record = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.order_id == order_id)
        ).one()
        user = db.session.get(User, user_id)
        record_print(record, default_stock(), user)
        release_fill(record, a_pharmacist())
        cost = dispense(
            record,
            "picked_up",
            "",
            user,
            price_override=price,
            reason=reason,
            at=at,
            handover=handover(record),
        )
        db.session.commit()
        return cost.id


def cost_of(app, cost_id):
    with app.app_context():
        cost = db.session.get(CostRecord, cost_id)
        lines = [(line.kind, line.amount) for line in cost.lines]
        return cost, lines


def test_dispensing_freezes_a_cost_record_whose_total_is_the_sum_of_its_lines(
    app, make_user, ready_order
):
    pharmacist = make_user("pharmacist")
    with app.app_context():  # no price schedule: the default pricing applies
        db.session.execute(delete(PriceSchedule))
        db.session.commit()
    cost_id = dispense_fill(app, ready_order(), pharmacist.id)
    cost, lines = cost_of(app, cost_id)
    ingredient = sum(a for kind, a in lines if kind == "ingredient")

    assert cost.ingredient_cost == ingredient
    assert cost.labour_cost == Decimal("20.00")  # 20 minutes at 60.00 an hour
    assert cost.fees == Decimal("0.75")
    assert cost.total_cost == sum(a for _, a in lines)
    # No schedule: cost plus 100% markup on ingredients, plus labour, plus a 10.00 fee.
    assert cost.price == (ingredient * 2 + Decimal("20.00") + Decimal("10.00")).quantize(
        Decimal("0.01")
    )
    assert cost.margin == cost.price - cost.total_cost
    assert Decimal(35) <= cost.price <= Decimal(50)  # the typical LDN month


def test_a_later_price_change_never_rewrites_an_old_record(app, make_user, ready_order):
    pharmacist = make_user("pharmacist")
    cost_id = dispense_fill(app, ready_order(), pharmacist.id)
    before, _ = cost_of(app, cost_id)
    with app.app_context():
        db.session.add(
            PriceSchedule(
                family="naltrexone-4.5-mg-capsules,-mcc,-size-1",
                method="base",
                base_price=Decimal("55.00"),
                base_quantity=Decimal(30),
                dispensing_fee=Decimal(0),
                effective_from=dt.date(2020, 1, 1),
            )
        )
        db.session.commit()
    after, _ = cost_of(app, cost_id)
    assert after.price == before.price


def test_a_price_schedule_applies_from_its_effective_date(app, make_user, ready_order):
    pharmacist = make_user("pharmacist")
    with app.app_context():
        db.session.add(
            PriceSchedule(
                family="naltrexone-4.5-mg-capsules,-mcc,-size-1",
                method="base",
                base_price=Decimal("42.00"),
                base_quantity=Decimal(30),
                dispensing_fee=Decimal("3.00"),
                effective_from=dt.date(2026, 7, 15),
            )
        )
        db.session.commit()
    early = dispense_fill(
        app, ready_order(), pharmacist.id, at=dt.datetime(2026, 7, 14, 18, tzinfo=dt.UTC)
    )
    late = dispense_fill(
        app, ready_order(), pharmacist.id, at=dt.datetime(2026, 7, 16, 18, tzinfo=dt.UTC)
    )
    assert cost_of(app, early)[0].price != Decimal("45.00")
    assert cost_of(app, late)[0].price == Decimal("45.00")


def test_the_pharmacys_time_zone_decides_the_month(app, make_user, ready_order):
    pharmacist = make_user("pharmacist")
    # 05:30 UTC on 1 August is 22:30 on 31 July in Los Angeles.
    cost_id = dispense_fill(
        app, ready_order(), pharmacist.id, at=dt.datetime(2026, 8, 1, 5, 30, tzinfo=dt.UTC)
    )
    cost, _ = cost_of(app, cost_id)
    assert (cost.local_date, cost.month_start) == (dt.date(2026, 7, 31), dt.date(2026, 7, 1))
    assert cost.week_start == dt.date(2026, 7, 27)


def test_a_pharmacist_may_set_the_price_with_a_reason(app, make_user, ready_order):
    pharmacist, technician = make_user("pharmacist"), make_user("technician")
    order_id = ready_order()
    try:
        dispense_fill(app, order_id, pharmacist.id, price=Decimal("30"), reason="")
        raise AssertionError("a price change without a reason")
    except WorkflowError as exc:
        assert "reason" in str(exc)
    try:
        dispense_fill(app, ready_order(), technician.id, price=Decimal("30"), reason="hardship")
        raise AssertionError("a technician changed the price")
    except WorkflowError as exc:
        assert "pharmacist" in str(exc)
    cost_id = dispense_fill(
        app,
        ready_order(),
        pharmacist.id,
        price=Decimal("30"),
        reason="Financial hardship programme",
    )
    cost, _ = cost_of(app, cost_id)
    assert (cost.price, cost.price_overridden) == (Decimal("30.00"), True)
    assert cost.computed_price != cost.price


def test_the_month_totals_match_the_hand_built_month(app, months):
    with app.app_context():
        report = monthly_report(dt.date(2026, 7, 1))
    t = report["totals"]
    # July: 7.10+7.30+3.05 = 17.45 ingredients; 55.00 labour; 2.25 fees; cost 74.70;
    # revenue 128.50; margin 53.80 = 41.87%; 90 days: 42.83 a 30-day supply.
    assert (t["fills"], t["ingredient_cost"], t["labour_cost"], t["fees"]) == (
        3,
        Decimal("17.45"),
        Decimal("55.00"),
        Decimal("2.25"),
    )
    assert (t["total_cost"], t["revenue"], t["margin"]) == (
        Decimal("74.70"),
        Decimal("128.50"),
        Decimal("53.80"),
    )
    assert t["margin_percent"] == Decimal("41.87")
    assert t["price_per_30_days"] == Decimal("42.83")
    assert report["previous"]["fills"] == 1 and report["previous"]["revenue"] == Decimal("99.00")
    assert report["year_ago"]["revenue"] == Decimal("40.00")
    for breakdown in ("by_preparation", "by_prescriber", "by_week"):
        rows = report[breakdown]
        assert sum(r["revenue"] for r in rows) == t["revenue"]
        assert sum(r["total_cost"] for r in rows) == t["total_cost"]
    assert [r["label"] for r in report["by_week"]] == ["2026-06-29", "2026-07-13", "2026-07-27"]
    assert len(report["trend"]) == 12 and report["trend"][-1][1]["revenue"] == t["revenue"]
    assert report["best"][0].margin == Decimal("19.70")  # 38.50 - (3.05 + 15.00 + 0.75)
    assert report["worst"][0].margin == Decimal("16.95")  # 45.00 - (7.30 + 20.00 + 0.75)


def test_an_empty_month_is_zeros_not_an_error(app, months, signed_in):
    with app.app_context():
        totals = monthly_report(dt.date(2024, 2, 1))["totals"]
    assert (totals["fills"], totals["revenue"], totals["margin_percent"]) == (0, 0, None)
    page = signed_in("pharmacist").get("/reports/monthly?month=2024-02")
    assert page.status_code == 200 and "No fills." in page.get_data(as_text=True)


def test_the_month_exports_as_csv_and_pdf(app, months, signed_in):
    client = signed_in("pharmacist")
    csv_text = client.get("/reports/monthly.csv?month=2026-07").get_data(as_text=True)
    rows = csv_text.strip().splitlines()
    assert rows[0].startswith("date,rx_number") and len(rows) == 4
    fills = list(csv.DictReader(io.StringIO(csv_text)))
    assert sum(Decimal(r["price"]) for r in fills) == Decimal("128.50")
    pdf = client.get("/reports/monthly.pdf?month=2026-07")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "July 2026" in text and "produced" in text and "128.50" in text


def test_cost_reports_are_for_pharmacists_and_admins(signed_in):
    assert signed_in("technician").get("/reports/monthly").status_code == 403
    assert signed_in("admin").get("/reports/monthly").status_code == 200


def test_a_price_schedule_is_added_from_the_page(app, signed_in, catalogue):
    client = signed_in("pharmacist")
    page = client.get("/costs/prices").get_data(as_text=True)
    family = re.search(r'<option value="([^"]+)">Naltrexone 4.5 mg capsules, MCC', page)[1]
    missing = client.post(
        "/costs/prices",
        data={
            "family": family,
            "method": "base",
            "dispensing_fee": "0",
            "effective_from": "2026-12-01",
        },
    )
    assert "Give the base price" in missing.get_data(as_text=True)
    saved = client.post(
        "/costs/prices",
        data={
            "family": family,
            "method": "base",
            "base_price": "44.00",
            "base_quantity": "30",
            "dispensing_fee": "0",
            "effective_from": "2026-12-01",
        },
    )
    assert saved.status_code == 302


def test_a_voided_fill_leaves_the_month_and_says_why(app, make_user, ready_order, signed_in):
    pharmacist = make_user("pharmacist")
    order_id = ready_order()
    cost_id = dispense_fill(
        app, order_id, pharmacist.id, at=dt.datetime(2026, 7, 20, 18, tzinfo=dt.UTC)
    )
    with app.app_context():
        before = monthly_report(dt.date(2026, 7, 1))["totals"]["fills"]
    technician = signed_in("technician")
    assert technician.post(f"/costs/{cost_id}/void", data={"reason": "Refunded"}).status_code == 403
    client = signed_in("pharmacist")
    client.post(f"/costs/{cost_id}/void", data={"reason": ""})
    assert cost_of(app, cost_id)[0].voided is False
    client.post(f"/costs/{cost_id}/void", data={"reason": "Refunded: capsules damaged in post"})
    assert cost_of(app, cost_id)[0].voided is True
    with app.app_context():
        assert monthly_report(dt.date(2026, 7, 1))["totals"]["fills"] == before - 1
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "capsules damaged in post" in page


@pytest.mark.app_config(
    LABOUR_RATE_PER_HOUR="90.00",
    FEES_PER_FILL="1.25",
    DEFAULT_MARKUP_PERCENT="50",
    DEFAULT_DISPENSING_FEE="12.00",
    CURRENCY="CAD",
)
def test_the_configured_rates_price_a_fill_and_show_on_the_prices_page(
    app, make_user, ready_order, signed_in
):
    pharmacist = make_user("pharmacist")
    with app.app_context():
        db.session.execute(delete(PriceSchedule))
        db.session.commit()
    cost, lines = cost_of(app, dispense_fill(app, ready_order(), pharmacist.id))
    ingredient = sum(a for kind, a in lines if kind == "ingredient")
    assert cost.labour_cost == Decimal("30.00")  # 20 minutes at 90.00 an hour
    assert cost.fees == Decimal("1.25")
    assert cost.currency == "CAD"
    # Ingredients plus 50%, rounded half up to cents, plus 30.00 labour and a 12.00 fee.
    assert cost.price == (ingredient * Decimal("1.5") + Decimal("42.00")).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )
    page = signed_in("pharmacist").get("/costs/prices").get_data(as_text=True)
    assert "ingredient cost plus 50% plus labour plus a 12.00 dispensing fee" in page
