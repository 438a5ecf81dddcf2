"""A titration in the preparation's units: each step's capsules (or mL) and mg, what the
schedule needs for the days supply, and the label's sentence (USP <17>: explicit, numerals)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmacy_app.checks import Amount, DosageForm
from pharmacy_app.checks.titration import directions_for, needs, schedule, time_of_day_in

ISSUE = "1.5 mg x 2 weeks then 3 mg x 2 weeks then 4.5 mg"
CAPSULE_1_5 = Amount(Decimal("1.5"), "mg", "mg")
LIQUID_1 = Amount(Decimal(1), "mg", "mg", per="mL")


def capsules(text: str, times: int = 1, strength: Amount = CAPSULE_1_5):
    return schedule(text, DosageForm.CAPSULE, strength, times)


def sentence(steps, when: str = "bedtime", verb: str = "Take", route: str = "by mouth"):
    return directions_for(steps, verb=verb, route=route, time_of_day=when)


def test_the_issues_titration_is_told_in_capsules_mg_route_and_time():
    assert sentence(capsules(ISSUE)) == (
        "Take 1 capsule (1.5 mg) by mouth at bedtime for 2 weeks, then 2 capsules (3 mg) at "
        "bedtime for 2 weeks, then 3 capsules (4.5 mg) at bedtime"
    )


def test_a_liquid_titration_is_told_in_ml_and_mg():
    steps = schedule("1.5 mg qhs x 14 days, then 3 mg qhs", DosageForm.ORAL_LIQUID, LIQUID_1, 1)
    assert sentence(steps) == (
        "Take 1.5 mL (1.5 mg) by mouth at bedtime for 14 days, then 3 mL (3 mg) at bedtime"
    )


def test_drops_are_placed_under_the_tongue():
    steps = schedule("0.5 mL x 7 days then 1 mL", DosageForm.SUBLINGUAL_DROPS, LIQUID_1, 1)
    assert sentence(steps, "morning", "Place", "under the tongue") == (
        "Place 0.5 mL (0.5 mg) under the tongue in the morning for 7 days, then 1 mL (1 mg) "
        "in the morning"
    )


@pytest.mark.parametrize(
    ("when", "said"),
    [("bedtime", "at bedtime"), ("morning", "in the morning"), ("evening", "in the evening"),
     ("", "once a day")],
)  # fmt: skip
def test_each_once_a_day_step_says_its_time_of_day(when, said):
    told = sentence(capsules(ISSUE), when)
    assert told is not None and told.count(said) == 3


def test_twice_daily_steps_say_twice_a_day_never_a_single_time():
    steps = capsules("1.5 mg twice daily x 1 week, then 3 mg twice daily")
    assert sentence(steps) == (
        "Take 1 capsule (1.5 mg) by mouth twice a day for 1 week, then 2 capsules (3 mg) "
        "twice a day"
    )


def test_a_step_without_a_frequency_takes_the_orders():
    told = sentence(capsules("1.5 mg x 1 week then 3 mg", times=2))
    assert told == (
        "Take 1 capsule (1.5 mg) by mouth twice a day for 1 week, then 2 capsules (3 mg) "
        "twice a day"
    )


def test_a_closed_last_step_keeps_its_length():
    told = sentence(capsules("1 cap qhs x 14d then 2 caps qhs x 14d"))
    assert told is not None and told.endswith("2 capsules (3 mg) at bedtime for 14 days")


def test_a_step_that_is_not_whole_capsules_gets_no_sentence():
    steps = capsules("1.5 mg x 2 weeks then 3 mg", strength=Amount(Decimal(3), "mg", "mg"))
    assert steps and not steps[0].whole
    assert sentence(steps) is None


@pytest.mark.parametrize(
    "text",
    ["Take 1 capsule at bedtime", "1.5 mg x 2 weeks", "5 drops x 1 week then 10 drops", ""],
)
def test_directions_that_are_not_a_readable_titration_have_no_schedule(text):
    assert capsules(text) == ()
    assert sentence(()) is None


def test_the_open_ended_last_step_runs_to_the_end_of_the_days_supply():
    # 14 x 1 + 14 x 2 + (42 - 28) x 3 capsules.
    found = needs(capsules(ISSUE), 42)
    assert found is not None
    assert (found.units, found.unit, found.days) == (Decimal(84), "capsules", 42)


def test_twice_daily_steps_need_twice_the_units():
    found = needs(capsules("1.5 mg twice daily x 1 week, then 3 mg twice daily"), 14)
    assert found is not None and found.units == 7 * 2 + 7 * 4


def test_steps_that_outlast_the_days_supply_need_no_count():
    assert needs(capsules(ISSUE), 28) is None
    assert needs((), 30) is None


@pytest.mark.parametrize(
    ("text", "when"),
    [("1.5 mg qhs x 2 weeks then 3 mg qhs", "bedtime"), ("1 cap nightly", "bedtime"),
     ("1 cap every morning", "morning"), ("1 cap qam and 1 cap qhs", ""), ("1 cap daily", "")],
)  # fmt: skip
def test_the_time_of_day_is_read_from_the_directions_only_when_they_name_one(text, when):
    assert time_of_day_in(text) == when
