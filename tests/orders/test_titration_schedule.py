"""The order page shows a titration's schedule (each step in units and mg, when, how long)
and what it needs over the days supply, counted as the checker counts it."""

from __future__ import annotations

import html
import re

SCHEDULE = "1.5 mg x 2 weeks then 3 mg x 2 weeks then 4.5 mg"


def page_of(signed_in, api, make_document, **changes) -> str:
    order_id = api.post("/api/v1/orders", json=make_document(**changes)).get_json()["id"]
    body = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def titration(**changes):
    return {
        "preparation": {"strength": "1.5 mg"},
        "sig": {"dose": "1 capsule", "text": SCHEDULE, "time_of_day": "bedtime"},
        "quantity": 84,
        "days_supply": 42,
    } | changes


def test_each_step_is_shown_in_capsules_and_mg_with_its_time_and_length(
    signed_in, api, make_document
):
    text = page_of(signed_in, api, make_document, **titration())
    assert "1 capsule (1.5 mg) at bedtime for 2 weeks" in text
    assert "2 capsules (3 mg) at bedtime for 2 weeks" in text
    assert "3 capsules (4.5 mg) at bedtime for the rest of the supply (14 days)" in text
    assert "1.5 mg a day" not in text


def test_the_quantity_the_schedule_needs_is_shown_beside_the_quantity(
    signed_in, api, make_document
):
    text = page_of(signed_in, api, make_document, **titration())
    assert "84 capsules over 42 days; the quantity is 84 capsules" in text
    assert "the checker warns of it" not in text


def test_a_quantity_short_of_the_schedule_is_pointed_to_the_checkers_warning(
    signed_in, api, make_document
):
    text = page_of(signed_in, api, make_document, **titration(quantity=42))
    assert "84 capsules over 42 days; the quantity is 42 capsules" in text
    assert "the checker warns of it" in text
    assert "needs 84 capsules over 42 days" in text  # the checker's own count agrees


def test_twice_daily_steps_count_twice_the_capsules(signed_in, api, make_document):
    sig = {"dose": "1 capsule", "text": "1.5 mg twice daily x 1 week, then 3 mg twice daily"}
    text = page_of(
        signed_in, api, make_document, **titration(sig=sig | {"times_per_day": 2}, quantity=42,
                                                    days_supply=14)
    )  # fmt: skip
    assert "1 capsule (1.5 mg) twice a day for 1 week" in text
    assert "42 capsules over 14 days; the quantity is 42 capsules" in text


def test_directions_that_are_no_titration_show_the_daily_dose(signed_in, api, make_document):
    text = page_of(signed_in, api, make_document)
    assert "4.5 mg a dose, 4.5 mg a day" in text
    assert "Schedule needs" not in text
