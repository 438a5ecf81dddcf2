"""Cost fixtures: fills ready to dispense (from the label fixtures), and hand-built months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_app.costs.models import CostRecord
from pharmacy_app.extensions import db
from pharmacy_app.orders.prescribers import Prescriber
from tests.labels.conftest import catalogue, ready_order  # noqa: F401 - fixtures

# (local date, prescriber, preparation, days, ingredients, labour, fees, price)
MONTHS = [
    ("2026-07-01", "A", "4.5 mg capsule", 30, "7.10", "20.00", "0.75", "45.00"),
    ("2026-07-15", "A", "4.5 mg capsule", 30, "7.30", "20.00", "0.75", "45.00"),
    ("2026-07-31", "B", "1 mg/mL oral liquid", 30, "3.05", "15.00", "0.75", "38.50"),
    ("2026-06-30", "B", "3 mg capsule", 90, "15.20", "20.00", "0.75", "99.00"),
    ("2025-07-10", "A", "4.5 mg capsule", 30, "6.90", "18.00", "0.75", "40.00"),
]


def build_months(app) -> None:
    """Cost records whose totals are worked out by hand in the tests."""
    with app.app_context():
        prescribers = {}
        for name in ("A", "B"):
            prescriber = Prescriber(
                name=f"Prescriber {name}",
                credential="MD",
                license_number=f"L-{name}",
                state="OR",
                npi="",
            )
            db.session.add(prescriber)
            prescribers[name] = prescriber
        db.session.flush()
        for n, (day, who, preparation, days, ingredients, labour, fees, price) in enumerate(MONTHS):
            local = dt.date.fromisoformat(day)
            cost = Decimal(ingredients) + Decimal(labour) + Decimal(fees)
            db.session.add(
                CostRecord(
                    record_id=None,
                    order_id=None,
                    prescriber_id=prescribers[who].id,
                    rx_number=f"RX-{n}",
                    batch_number=f"B-{n}",
                    preparation=preparation,
                    dispensed_at=dt.datetime.combine(local, dt.time(18), tzinfo=dt.UTC),
                    local_date=local,
                    week_start=local - dt.timedelta(days=local.weekday()),
                    month_start=local.replace(day=1),
                    units=Decimal(30),
                    days_supply=days,
                    ingredient_cost=Decimal(ingredients),
                    labour_cost=Decimal(labour),
                    fees=Decimal(fees),
                    total_cost=cost,
                    price=Decimal(price),
                    margin=Decimal(price) - cost,
                    currency="USD",
                    computed_price=Decimal(price),
                )
            )
        db.session.commit()


@pytest.fixture
def months(app):
    build_months(app)
