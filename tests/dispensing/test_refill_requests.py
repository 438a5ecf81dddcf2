"""A refill is made only on request: who asked, how and when are recorded; the order waits
for the request ("refills on file"), and the refill-too-soon rule judges the request and
the start of compounding."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from pharmacy_app.accounts.models import User
from pharmacy_app.barcodes import fill_code
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.refill_timing import RefillTooSoon
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import pharmacy_today, utcnow
from pharmacy_app.workflow import WorkflowError
from tests.conftest import seen
from tests.dispensing.conftest import (
    events_of,
    finish_fill,
    requests_for,
    start_refill,
    status_of,
)
from tests.fills import handover_form, release_in

EARLY = "Travelling abroad for six weeks"


def ask(client, order_id, **data):
    return client.post(
        f"/orders/{order_id}/refill-requests",
        data={"requested_by": "patient", "channel": "phone"} | data,
    )


def post_start(client, order_id, **data):
    """Post the start page's form as shown (its formula and one-time token); the answer."""
    page = client.get(f"/compounding/orders/{order_id}/start").get_data(as_text=True)
    token = re.search(r'name="once_token" type="hidden" value="([^"]+)"', page)[1]
    mfr = re.search(r'<option (?:selected )?value="(\d+)"', page)[1]
    answer = client.post(
        f"/compounding/orders/{order_id}/start", data={"mfr": mfr, "once_token": token} | data
    )
    return answer.get_data(as_text=True)


def flashed(client):
    return client.get("/").get_data(as_text=True)


def test_a_dispensed_fill_with_refills_left_waits_for_a_request(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    assert status_of(app, order_id) == "refillable"
    page = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Refills on file" in page and "Refills left: 2 of 2" in page
    assert "Request refill" in page and ">Compound</a>" not in page
    queue = signed_in("technician").get("/orders?status=verified").get_data(as_text=True)
    assert "RX-" not in queue.split("<tbody>")[1].split("</tbody>")[0]


@pytest.mark.parametrize(
    ("channel", "said"), [("counter", "at the counter"), ("phone", "by phone")]
)
def test_a_request_records_who_asked_how_when_and_who_took_it(
    app, signed_in, dispensed_order, staff, channel, said
):
    order_id = dispensed_order()
    technician = signed_in("technician")
    before = utcnow()
    answer = ask(technician, order_id, requested_by="Maria Lopez (daughter)", channel=channel)
    assert answer.status_code == 303
    [request] = requests_for(app, order_id)
    assert (request.channel, request.requested_by, request.state) == (
        channel,
        "Maria Lopez (daughter)",
        "open",
    )
    assert request.entered_by.username.startswith("technician")
    assert before <= request.requested_at.replace(tzinfo=dt.UTC) <= utcnow()
    assert request.due_on is None and status_of(app, order_id) == "verified"
    kind, detail = events_of(app, order_id)[-1]
    assert kind == "refill requested"
    assert detail.startswith(f"Refill 1 of 2 requested by Maria Lopez (daughter), {said}")
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Refill requested by Maria Lopez (daughter)" in page and ">Compound</a>" in page


def test_a_second_request_while_one_is_open_is_refused(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    technician = signed_in("technician")
    ask(technician, order_id)
    ask(technician, order_id, requested_by="patient again")
    assert "A refill was already requested by patient" in flashed(technician)
    assert len(requests_for(app, order_id)) == 1


def test_who_asked_is_required(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    technician = signed_in("technician")
    ask(technician, order_id, requested_by="  ")
    assert "Say who asked for the refill" in flashed(technician)
    assert requests_for(app, order_id) == [] and status_of(app, order_id) == "refillable"


def test_no_refill_is_started_without_a_request(app, dispensed_order, staff):
    order_id = dispensed_order()
    with pytest.raises(WorkflowError, match="No refill has been requested"):
        start_refill(app, order_id, staff[0])


def test_the_start_page_says_no_refill_was_requested(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    refused = post_start(signed_in("technician"), order_id)
    assert "No refill has been requested" in refused


def test_a_started_refill_is_linked_to_its_request(app, signed_in, dispensed_order, staff):
    order_id = dispensed_order(days_ago=25)
    ask(signed_in("technician"), order_id)
    record = start_refill(app, order_id, staff[0])
    [request] = requests_for(app, order_id)
    assert (request.state, request.record_id, record.fill_number) == ("started", record.id, 2)
    page = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Refills left: 1 of 2" in page


def test_a_refill_made_and_dispensed_waits_for_the_next_request(
    app, signed_in, dispensed_order, staff
):
    order_id = dispensed_order(days_ago=60, refills=1)
    technician = signed_in("technician")
    ask(technician, order_id)
    record = start_refill(app, order_id, staff[0])
    finish_fill(app, record.id, *staff)
    release_in(app, record.id, staff[1])
    with app.app_context():
        code = fill_code(db.session.get(Order, order_id).rx_number, record.fill_number)
    answer = technician.post(f"/compounding/records/{record.id}/dispense", data=handover_form(code))
    assert answer.status_code == 303
    assert status_of(app, order_id) == "dispensed"
    ask(technician, order_id)
    assert "No refills are left" in flashed(technician)


def test_a_discarded_refill_is_made_again_under_the_same_request(
    app, signed_in, dispensed_order, staff
):
    order_id = dispensed_order(days_ago=25)
    ask(signed_in("technician"), order_id)
    first = start_refill(app, order_id, staff[0])
    discarded = signed_in("pharmacist").post(
        f"/compounding/records/{first.id}/discard", data={"reason": "spilled on the bench"}
    )
    assert discarded.status_code in (302, 303)
    again = start_refill(app, order_id, staff[0])
    [request] = requests_for(app, order_id)
    assert (request.record_id, again.fill_number) == (again.id, 2)


def test_a_cancelled_request_leaves_the_order_waiting_again(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    technician = signed_in("technician")
    ask(technician, order_id)
    [request] = requests_for(app, order_id)
    technician.post(f"/refill-requests/{request.id}/cancel", data={"reason": "no"})
    assert requests_for(app, order_id)[0].state == "open"
    technician.post(
        f"/refill-requests/{request.id}/cancel", data={"reason": "Patient has enough left"}
    )
    [request] = requests_for(app, order_id)
    assert (request.state, request.cancelled_reason) == ("cancelled", "Patient has enough left")
    assert status_of(app, order_id) == "refillable"
    assert events_of(app, order_id)[-1][0] == "refill request cancelled"


def test_rejecting_the_order_cancels_its_open_request(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    ask(signed_in("technician"), order_id)
    pharmacist = signed_in("pharmacist")
    pharmacist.post(
        f"/orders/{order_id}/reject", data=seen(app, order_id, reason="Prescriber stopped LDN")
    )
    assert status_of(app, order_id) == "rejected"
    [request] = requests_for(app, order_id)
    assert request.state == "cancelled" and "Prescriber stopped LDN" in request.cancelled_reason


# The refill-too-soon rule at the request


def test_a_request_too_soon_is_kept_with_the_day_it_is_due(app, signed_in, dispensed_order):
    order_id = dispensed_order(days_ago=3)
    technician = signed_in("technician")
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "REFILL TOO SOON" in page and 'name="early_reason"' not in page
    ask(technician, order_id)
    [request] = requests_for(app, order_id)
    with app.app_context():
        first_day = pharmacy_today() + dt.timedelta(days=23 - 3)
    assert abs((request.due_on - first_day).days) <= 1 and request.early_reason is None
    assert "too soon: due" in events_of(app, order_id)[-1][1]


def test_only_a_pharmacist_accepts_a_request_too_soon(app, signed_in, dispensed_order):
    order_id = dispensed_order(days_ago=3)
    technician = signed_in("technician")
    ask(technician, order_id, early_reason=EARLY)
    assert "Only a pharmacist can accept a refill too soon" in flashed(technician)
    assert requests_for(app, order_id) == []

    pharmacist = signed_in("pharmacist")
    assert 'name="early_reason"' in pharmacist.get(f"/orders/{order_id}").get_data(as_text=True)
    ask(pharmacist, order_id, early_reason=EARLY)
    [request] = requests_for(app, order_id)
    assert (request.due_on, request.early_reason) == (None, EARLY)
    assert request.early_by.username.startswith("pharmacist")
    assert f"accepted: {EARLY}" in events_of(app, order_id)[-1][1]


# The refill-too-soon rule at the start of compounding


def test_a_refill_too_soon_is_not_started_without_a_pharmacists_reason(
    app, signed_in, dispensed_order, staff
):
    order_id = dispensed_order(days_ago=3)
    ask(signed_in("technician"), order_id)
    technician, pharmacist = staff
    with pytest.raises(RefillTooSoon, match="Refill too soon"):
        start_refill(app, order_id, technician, early_reason=EARLY)
    with pytest.raises(RefillTooSoon):
        start_refill(app, order_id, pharmacist, early_reason="ok")
    record = start_refill(app, order_id, pharmacist, early_reason=EARLY)
    [request] = requests_for(app, order_id)
    assert (request.state, request.record_id, request.early_reason) == ("started", record.id, EARLY)
    assert ("early refill accepted") in [kind for kind, _ in events_of(app, order_id)]


def test_the_start_page_asks_a_pharmacist_for_the_reason(app, signed_in, dispensed_order):
    order_id = dispensed_order(days_ago=3)
    ask(signed_in("technician"), order_id)
    for role, shown in (("technician", "Ask a pharmacist"), ("pharmacist", 'name="early_reason"')):
        refused = post_start(signed_in(role), order_id)
        assert "REFILL TOO SOON" in refused and shown in refused
    assert requests_for(app, order_id)[0].state == "open"


def test_a_request_accepted_early_needs_no_second_reason_at_the_start(
    app, signed_in, dispensed_order, staff
):
    order_id = dispensed_order(days_ago=3)
    ask(signed_in("pharmacist"), order_id, early_reason=EARLY)
    # The start page says nothing of it being early: the decision was made.
    page = signed_in("technician").get(f"/compounding/orders/{order_id}/start")
    assert "REFILL TOO SOON" not in page.get_data(as_text=True)
    record = start_refill(app, order_id, staff[0])
    assert record.fill_number == 2


def test_the_start_page_says_too_soon_before_anything_is_pressed(app, signed_in, dispensed_order):
    order_id = dispensed_order(days_ago=3)
    ask(signed_in("technician"), order_id)
    page = signed_in("pharmacist").get(f"/compounding/orders/{order_id}/start")
    text = page.get_data(as_text=True)
    assert "REFILL TOO SOON" in text and 'name="early_reason"' in text


def test_a_refill_due_is_started_by_a_technician(app, signed_in, dispensed_order, staff):
    order_id = dispensed_order(days_ago=23)
    ask(signed_in("technician"), order_id)
    assert start_refill(app, order_id, staff[0]).fill_number == 2


def test_an_early_refill_adds_to_the_supply_the_next_is_judged_against(
    app, signed_in, dispensed_order, staff
):
    """Fill 2 handed over 3 days after fill 1 (accepted early): the patient holds both
    supplies, so fill 3 is due from when fill 2's supply really starts, not from its
    hand-over."""
    from pharmacy_app.compounding.refill_timing import refill_too_soon_on
    from pharmacy_app.dispensing.services import dispense
    from tests.fills import handover, release_fill

    technician, pharmacist = staff
    order_id = dispensed_order(days_ago=3)  # 30 days' supply, 2 refills
    ask(signed_in("pharmacist"), order_id, early_reason=EARLY)
    refill = start_refill(app, order_id, technician)
    finish_fill(app, refill.id, technician, pharmacist)
    with app.app_context():
        record = db.session.get(CompoundingRecord, refill.id)
        release_fill(record, pharmacist)
        dispense(record, "picked_up", "", db.session.get(User, technician.id),
                 handover=handover(record))  # fmt: skip
        db.session.commit()
        today = pharmacy_today()
        order = db.session.get(Order, order_id)
        too_soon = refill_too_soon_on(order, 3, today)
        # Fill 2's supply starts when fill 1's runs out (day 30 from fill 1): due once 75%
        # of it is used (REFILL_TOO_SOON_PERCENT), day 23 of it.
        assert too_soon is not None
        assert too_soon.due == today - dt.timedelta(days=3) + dt.timedelta(days=30 + 23)
        assert too_soon.carried_days == 27
        assert "27 days of the fills before it were still on hand" in too_soon.message
        # The order page and the refill queue say when the patient really runs out.
        from pharmacy_app.dispensing.refills import runs_out_on

        assert runs_out_on(order) == today - dt.timedelta(days=3) + dt.timedelta(days=60)


def test_a_technician_is_offered_no_start_button_for_a_refill_too_soon(
    app, signed_in, dispensed_order
):
    order_id = dispensed_order(days_ago=3)
    ask(signed_in("technician"), order_id)
    page = signed_in("technician").get(f"/compounding/orders/{order_id}/start")
    text = page.get_data(as_text=True)
    assert "Ask a pharmacist" in text
    assert re.search(r'<input[^>]*disabled[^>]*value="Make worksheet"', text) or re.search(
        r'<input[^>]*value="Make worksheet"[^>]*disabled', text
    )


def test_the_api_answers_a_bad_requested_by_at_its_field(api, dispensed_order):
    order_id = dispensed_order(days_ago=28)
    for bad in ("x", "pat\u202eient"):
        answer = api.post(f"/api/v1/orders/{order_id}/refill-requests", json={"requested_by": bad})
        assert answer.status_code == 422, bad
        assert list(answer.get_json()["errors"]) == ["requested_by"]
