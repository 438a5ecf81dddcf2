"""The monthly report gives the same numbers on PostgreSQL as on SQLite."""

from __future__ import annotations

import datetime as dt

import pytest

from pharmacy_app.costs.report import monthly_report
from tests.costs.conftest import build_months

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
            "best": [c.margin for c in report["best"]],
        }


def test_the_report_is_the_same_on_postgresql_and_sqlite(app, pg_app):
    build_months(app)
    build_months(pg_app)
    assert numbers(pg_app) == numbers(app)
