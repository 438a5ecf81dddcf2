"""Cost fixtures: fills ready to dispense (from the label fixtures), and hand-built months."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_app.costs.models import CostRecord
from pharmacy_app.extensions import db
from pharmacy_app.orders.prescribers import Prescriber
from tests.labels.conftest import ready_order  # noqa: F401 - fixture

# (local date, prescriber, preparation, days, ingredients, labour, fees, price)
MONTHS = [
    ("2026-07-01", "A", "4.5 mg capsule", 30, "7.10", "20.00", "0.75", "45.00"),
    ("2026-07-15", "A", "4.5 mg capsule", 30, "7.30", "20.00", "0.75", "45.00"),
    ("2026-07-31", "B", "1 mg/mL oral liquid", 30, "3.05", "15.00", "0.75", "38.50"),
    ("2026-06-30", "B", "3 mg capsule", 90, "15.20", "20.00", "0.75", "99.00"),
    ("2025-07-10", "A", "4.5 mg capsule", 30, "6.90", "18.00", "0.75", "40.00"),
]


def add_prescriber(name: str) -> Prescriber:
    prescriber = Prescriber(
        name=f"Prescriber {name}", credential="MD", license_number=f"L-{name}", state="OR", npi=""
    )
    db.session.add(prescriber)
    db.session.flush()
    return prescriber


def cost_record(prescriber: Prescriber, n: int, day: str, **fields) -> CostRecord:
    """A stored cost record on a local day; money as text ("7.10"), the rest as given."""
    local = dt.date.fromisoformat(day)
    money = {
        key: Decimal(fields.pop(key, default))
        for key, default in (
            ("ingredient_cost", "7.00"),
            ("labour_cost", "20.00"),
            ("fees", "0.75"),
            ("price", "45.00"),
        )
    }
    cost = money["ingredient_cost"] + money["labour_cost"] + money["fees"]
    record = CostRecord(
        record_id=None,
        order_id=None,
        prescriber_id=prescriber.id,
        rx_number=fields.pop("rx_number", f"RX-{n}"),
        batch_number=f"B-{n}",
        preparation=fields.pop("preparation", "4.5 mg capsule"),
        dispensed_at=dt.datetime.combine(local, dt.time(18), tzinfo=dt.UTC),
        local_date=local,
        week_start=local - dt.timedelta(days=local.weekday()),
        month_start=local.replace(day=1),
        units=Decimal(fields.pop("units", 30)),
        days_supply=fields.pop("days_supply", 30),
        total_cost=cost,
        margin=money["price"] - cost,
        currency="USD",
        computed_price=money["price"],
        **money,
        **fields,
    )
    db.session.add(record)
    return record


def build_months(app) -> None:
    """Cost records whose totals are worked out by hand in the tests."""
    with app.app_context():
        prescribers = {name: add_prescriber(name) for name in ("A", "B")}
        for n, (day, who, preparation, days, ingredients, labour, fees, price) in enumerate(MONTHS):
            cost_record(
                prescribers[who],
                n,
                day,
                preparation=preparation,
                days_supply=days,
                ingredient_cost=ingredients,
                labour_cost=labour,
                fees=fees,
                price=price,
            )
        db.session.commit()


@pytest.fixture
def months(app):
    build_months(app)
