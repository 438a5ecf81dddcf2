"""Supply: quantity, dose, frequency and days supply agree; refills and dates plausible."""

import datetime as dt

import pytest

from pharmacy_app.checks import DocumentError, Severity
from tests.checks.conftest import LIQUID_PREPARATION, TODAY, at_least, describe, family, in_family

LIQUID = {"dosage_form": "oral_liquid", "strength": "1 mg/mL", "excipients": ["purified water"]}


@pytest.mark.parametrize(
    ("quantity", "times", "days"), [(30, 1, 30), (90, 1, 90), (60, 2, 30), (28, 1, 30), (32, 1, 30)]
)
def test_quantities_that_agree_raise_nothing(check, quantity, times, days):
    result = check(
        preparation={"strength": "1.5 mg"},
        sig={"dose": "1 capsule", "times_per_day": times, "text": ""},
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
        sig={"dose": "1 capsule", "times_per_day": times, "text": ""},
        quantity=quantity,
    )
    findings = family(result, "supply")
    assert [(f.code, f.severity, f.field) for f in findings] == [(code, Severity.WARN, "quantity")]
    assert "30" in findings[0].message


def test_liquid_volume_needed_is_dose_times_days(check):
    fine = check(preparation=LIQUID, sig={"dose": "4.5 mL", "text": ""}, quantity=135)
    short = check(preparation=LIQUID, sig={"dose": "4.5 mL", "text": ""}, quantity=30)
    bottle = check(preparation=LIQUID, sig={"dose": "4.5 mL", "text": ""}, quantity=150)
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
    future = (TODAY + dt.timedelta(days=3)).isoformat()
    assert [f.code for f in family(check(date_written=future), "supply")] == [
        "supply.written_in_future"
    ]


def test_a_prescription_older_than_a_year_warns(check):
    result = check(date_written="2024-01-02", date_received="2025-03-01")
    assert [f.code for f in family(result, "supply")] == ["supply.prescription_expired"]


# ---------------------------------------------------------------------------------------------
# Contract tests: family prefix, severity and field path (built on make_doc / checked).
# ---------------------------------------------------------------------------------------------

SUPPLY_FIELDS = {"quantity", "days_supply"}


def supply_flags(result):
    return at_least(in_family(result, "supply"), Severity.WARN)


@pytest.mark.parametrize(
    ("quantity", "dose", "times", "days"),
    [
        (30, "1 capsule", 1, 30),
        (90, "1 capsule", 1, 90),
        (60, "1 capsule", 2, 30),
        (60, "2 capsules", 1, 30),
        (60, "3 mg", 1, 30),  # 3 mg of a 1.5 mg capsule is 2 capsules
        (7, "1 capsule", 1, 7),
    ],
    ids=["30-daily-30d", "90-daily-90d", "60-bid-30d", "2caps-30d", "mg-dose-2caps", "one-week"],
)
def test_capsule_quantities_that_agree_with_the_sig_raise_no_supply_warning(
    checked, quantity, dose, times, days
):
    result = checked(
        preparation={"strength": "1.5 mg"},
        sig={"dose": dose, "times_per_day": times, "text": ""},
        quantity=quantity,
        days_supply=days,
    )
    assert supply_flags(result) == [], describe(result)


@pytest.mark.parametrize(
    ("quantity", "dose", "times", "days"),
    [
        (30, "1 capsule", 2, 30),
        (30, "2 capsules", 1, 30),
        (30, "3 mg", 1, 30),
        (15, "1 capsule", 1, 30),
        (30, "1 capsule", 1, 90),
        (300, "1 capsule", 1, 30),
    ],
    ids=["bid-but-30", "2caps-but-30", "mg-dose-but-30", "half-short", "90d-but-30", "tenfold"],
)
def test_capsule_quantities_that_disagree_with_the_sig_are_at_least_a_warning(
    checked, quantity, dose, times, days
):
    result = checked(
        preparation={"strength": "1.5 mg"},
        sig={"dose": dose, "times_per_day": times, "text": ""},
        quantity=quantity,
        days_supply=days,
    )
    flagged = supply_flags(result)
    assert flagged, describe(result)
    assert {f.field for f in flagged} <= SUPPLY_FIELDS
    assert all(f.message.strip() for f in flagged)


@pytest.mark.parametrize(("dose", "quantity"), [("4.5 mL", 135), ("4.5 mg", 135), ("3 mL", 90)])
def test_a_liquid_quantity_of_dose_volume_times_days_is_fine(checked, dose, quantity):
    result = checked(
        preparation=LIQUID_PREPARATION, sig={"dose": dose, "text": ""}, quantity=quantity
    )
    assert supply_flags(result) == [], describe(result)


@pytest.mark.parametrize(("dose", "quantity"), [("4.5 mL", 30), ("4.5 mL", 60), ("4.5 mg", 30)])
def test_a_liquid_quantity_short_of_the_days_supply_warns(checked, dose, quantity):
    result = checked(
        preparation=LIQUID_PREPARATION, sig={"dose": dose, "text": ""}, quantity=quantity
    )
    flagged = supply_flags(result)
    assert flagged, describe(result)
    assert {f.field for f in flagged} <= SUPPLY_FIELDS


def test_a_twice_daily_liquid_needs_twice_the_volume(checked):
    sig = {"dose": "2.25 mL", "times_per_day": 2, "text": "Take 2.25 mL by mouth twice daily"}
    assert supply_flags(checked(preparation=LIQUID_PREPARATION, sig=sig, quantity=135)) == []
    assert supply_flags(checked(preparation=LIQUID_PREPARATION, sig=sig, quantity=67.5)) != []


@pytest.mark.parametrize(("refills", "days"), [(0, 30), (2, 30), (11, 30), (3, 90)])
def test_refills_within_a_year_are_fine(checked, refills, days):
    result = checked(refills=refills, days_supply=days, quantity=days)
    assert supply_flags(result) == [], describe(result)


@pytest.mark.parametrize(("refills", "days"), [(24, 30), (99, 30), (12, 90), (60, 7)])
def test_implausible_refills_warn_on_the_refills_field(checked, refills, days):
    result = checked(refills=refills, days_supply=days, quantity=days)
    flagged = supply_flags(result)
    assert [(f.severity, f.field) for f in flagged] == [(Severity.WARN, "refills")], describe(
        result
    )


def test_a_quantity_written_as_a_numeric_string_is_read_as_a_number(checked):
    assert supply_flags(checked(quantity="30")) == []
    assert supply_flags(checked(quantity="30.0")) == []


def test_a_received_date_still_to_come_warns(check):
    findings = family(check(date_written="2026-01-05", date_received="2062-11-25"), "supply")
    assert ("supply.received_in_future", "date_received") in [(f.code, f.field) for f in findings]


def test_capsules_are_counted_whole_and_messages_are_plain(order):
    with pytest.raises(DocumentError) as half:
        order(quantity="30.5")
    assert half.value.errors == {
        "quantity": ["Capsules are counted whole: write the number of capsules, such as 30."]
    }
    with pytest.raises(DocumentError) as huge:
        order(quantity=30000)
    assert huge.value.errors == {"quantity": ["Must be 10000 or less."]}
