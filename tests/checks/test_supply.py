"""Supply: quantity, dose, frequency and days supply agree; refills and dates plausible."""

import datetime as dt

import pytest

from pharmacy_app.checks import Severity
from tests.checks.conftest import family

LIQUID = {"dosage_form": "oral_liquid", "strength": "1 mg/mL", "excipients": ["purified water"]}


@pytest.mark.parametrize(
    ("quantity", "times", "days"), [(30, 1, 30), (90, 1, 90), (60, 2, 30), (28, 1, 30), (32, 1, 30)]
)
def test_quantities_that_agree_raise_nothing(check, quantity, times, days):
    result = check(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "times_per_day": times},
        quantity=quantity,
        days_supply=days,
    )
    assert family(result, "supply") == []


@pytest.mark.parametrize(
    ("quantity", "times", "code"),
    [
        (30, 2, "supply.quantity_short"),
        (15, 1, "supply.quantity_short"),
        (90, 1, "supply.quantity_excess"),
    ],
)
def test_quantities_that_disagree_warn(check, quantity, times, code):
    result = check(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "times_per_day": times},
        quantity=quantity,
    )
    findings = family(result, "supply")
    assert [(f.code, f.severity, f.field) for f in findings] == [(code, Severity.WARN, "quantity")]
    assert "30" in findings[0].message


def test_liquid_volume_needed_is_dose_times_days(check):
    fine = check(preparation=LIQUID, sig={"dose": "4.5 mL"}, quantity=135)
    short = check(preparation=LIQUID, sig={"dose": "4.5 mL"}, quantity=30)
    bottle = check(preparation=LIQUID, sig={"dose": "4.5 mL"}, quantity=150)
    assert family(fine, "supply") == [] and family(bottle, "supply") == []
    assert [f.code for f in family(short, "supply")] == ["supply.quantity_short"]


@pytest.mark.parametrize(
    ("refills", "days", "flagged"),
    [
        (11, 30, False),
        (3, 90, False),
        (12, 30, True),
        (24, 30, True),
        (99, 30, True),
        (4, 90, True),
    ],
)
def test_refills_beyond_a_year_warn(check, refills, days, flagged):
    result = check(refills=refills, days_supply=days, quantity=days)
    codes = [f.code for f in family(result, "supply")]
    assert codes == (["supply.refills_implausible"] if flagged else [])


def test_a_prescription_written_in_the_future_warns(check):
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    assert [f.code for f in family(check(date_written=future), "supply")] == [
        "supply.written_in_future"
    ]


def test_a_prescription_older_than_a_year_warns(check):
    result = check(date_written="2024-01-02", date_received="2025-03-01")
    assert [f.code for f in family(result, "supply")] == ["supply.prescription_expired"]
