"""The monthly report gives the same numbers on PostgreSQL as on SQLite."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_app.costs.report import monthly_report
from pharmacy_app.extensions import db
from tests.costs.conftest import add_prescriber, build_months, cost_record

pytestmark = pytest.mark.postgres


def numbers(app):
    with app.app_context():
        report = monthly_report(dt.date(2026, 7, 1))
        return {
            "totals": report["totals"],
            "previous": report["previous"],
            "year_ago": report["year_ago"],
            "by": [
                [(r["label"], r["revenue"], r["total_cost"], r["fills"]) for r in report[k]]
                for k in ("by_preparation", "by_prescriber", "by_week")
            ],
            "trend": [(m, f and f["revenue"]) for m, f in report["trend"]],
            "best": [(c.rx_number, c.margin) for c in report["best"]],
            "worst": [(c.rx_number, c.margin) for c in report["worst"]],
            "units": [report[k]["units"] for k in ("totals", "previous", "year_ago")]
            + [r["units"] for r in report["by_preparation"]],
        }


def test_the_report_is_the_same_on_postgresql_and_sqlite(app, pg_app):
    build_months(app)
    build_months(pg_app)
    assert numbers(pg_app) == numbers(app)


PREPARATIONS = [
    "4.5 mg capsule",
    "1 mg/mL oral liquid",
    "1 mg per mL sublingual drops",
    "0.5 mg/mL topical cream",
    "0.5 mg/g topical cream",
    "0.5mg/gm topical cream",
    "0.5 mg per gram topical cream",
    "0.5 MG/G Topical Cream",
    "3 mg Capsule",
]


def units_by_preparation(app):
    with app.app_context():
        prescriber = add_prescriber("U")
        for n, preparation in enumerate(PREPARATIONS):
            cost_record(prescriber, n, "2026-07-10", preparation=preparation)
        db.session.commit()
        rows = monthly_report(dt.date(2026, 7, 1))["by_preparation"]
        return {r["label"]: r["units"] for r in rows}


def test_units_are_read_by_kind_the_same_on_postgresql_and_sqlite(app, pg_app):
    on_sqlite = units_by_preparation(app)
    assert on_sqlite["0.5 mg/g topical cream"]["g"] == 30
    assert on_sqlite["0.5 mg/mL topical cream"]["mL"] == 30
    assert units_by_preparation(pg_app) == on_sqlite
