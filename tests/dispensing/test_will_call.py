"""Will-call on fixed dates: the day's lists (waiting for the final check, ready for pick-up,
shipped and picked up today, not collected after WILL_CALL_UNCOLLECTED_DAYS), and a
pharmacist's return of a fill not collected, to stock or discarded: the fill ends, its
charge is voided, its refill restored, and the order waits for the patient to ask again."""

from __future__ import annotations

import datetime as dt
import html
import re
from contextlib import contextmanager
from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord, RecordStatus
from pharmacy_app.costs.models import CostRecord
from pharmacy_app.costs.services import freeze_cost
from pharmacy_app.dispensing.models import RequestState
from pharmacy_app.dispensing.refills import (
    can_request,
    cancel_request,
    refills_left,
    request_refill,
)
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.dispensing.will_call import return_uncollected, will_call
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import pharmacy_today, utcnow
from pharmacy_app.workflow import WorkflowError
from tests.clock import Clock
from tests.dispensing.conftest import events_of, finish_fill, requests_for, start_refill
from tests.fills import handover, release_fill, release_in
from tests.labels.test_dispensing import at_field

START = dt.date(2026, 3, 2)  # the pharmacy's today when the fills are made and released
REASON = "Patient did not come in; phoned twice"


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Fixed dates from START (set before the catalogue's lots are dated from it)."""
    return Clock(monkeypatch, START)


@pytest.fixture
def released(app, labelled, staff):
    """released(**changes) -> a labelled fill of a new order, released today by a pharmacist."""

    def make(**changes):
        fill = labelled(**changes)
        release_in(app, fill.record_id, staff[1])
        return fill

    return make


def lists(app):
    """Each will-call list as the batch numbers it holds, with the days each has waited."""
    with app.app_context():
        view = will_call(pharmacy_today())
        return {
            "to_check": [w.record.batch_number for w in view.to_check],
            "ready": {w.record.batch_number: w.days for w in view.ready},
            "uncollected": {w.record.batch_number: w.days for w in view.uncollected},
            "shipped": [r.batch_number for r in view.shipped],
            "picked_up": [r.batch_number for r in view.picked_up],
        }


def give_back(app, fill, user, disposition="returned_to_stock", reason=REASON):
    """return_uncollected as `user`, committed; the voided charge's price, if any."""
    with app.app_context():
        record = db.session.get(CompoundingRecord, fill.record_id)
        voided = return_uncollected(record, disposition, reason, db.session.get(User, user.id))
        db.session.commit()
        return voided.price if voided else None


def hand_over(app, fill, user, method):
    with app.app_context():
        record = db.session.get(CompoundingRecord, fill.record_id)
        dispense(
            record, method, "", db.session.get(User, user.id), handover=handover(record, method)
        )
        db.session.commit()


def fill_state(app, record_id):
    with app.app_context():
        record = db.session.get(CompoundingRecord, record_id)
        return record.status, record.uncollected, record.notes


def return_post(client, record_id, **data):
    return client.post(
        f"/dispensing/will-call/{record_id}/return",
        data={"disposition": "discarded", "reason": REASON} | data,
    )


# The lists


def test_each_list_holds_its_fills(app, clock, labelled, released, staff):
    to_check = labelled(patient={"first_name": "Checking"})
    ready = released(patient={"first_name": "Ready"})
    shipped = released(patient={"first_name": "Shipping"})
    picked_up = released(patient={"first_name": "Collecting"})
    hand_over(app, shipped, staff[0], "shipped")
    hand_over(app, picked_up, staff[0], "picked_up")
    assert lists(app) == {
        "to_check": [to_check.batch_number],
        "ready": {ready.batch_number: 0},
        "uncollected": {},
        "shipped": [shipped.batch_number],
        "picked_up": [picked_up.batch_number],
    }
    clock.on(1)  # handed over yesterday: no longer today's
    found = lists(app)
    assert found["shipped"] == found["picked_up"] == []
    assert found["ready"] == {ready.batch_number: 1}


def test_a_fill_waiting_one_day_less_than_the_setting_is_ready_and_on_the_day_not_collected(
    app, clock, released
):
    fill = released()
    clock.on(13)
    assert lists(app)["ready"] == {fill.batch_number: 13} and lists(app)["uncollected"] == {}
    clock.on(1)
    assert lists(app)["ready"] == {} and lists(app)["uncollected"] == {fill.batch_number: 14}


@pytest.mark.app_config(WILL_CALL_UNCOLLECTED_DAYS=3)
def test_the_days_before_a_fill_is_not_collected_are_a_setting(app, clock, released):
    fill = released()
    clock.on(2)
    assert lists(app)["uncollected"] == {}
    clock.on(1)
    assert lists(app)["uncollected"] == {fill.batch_number: 3}


def test_the_days_are_the_pharmacys_dates_not_hours(app, clock, released, staff):
    # Released at 23:30 in Portland (07:30 UTC the next day): a day waiting from midnight.
    late = dt.datetime(2026, 3, 3, 7, 30, tzinfo=dt.UTC)
    clock.now = late
    fill = released()
    clock.now = late + dt.timedelta(hours=1)  # 00:30 on 03/03 in Portland
    assert lists(app)["ready"] == {fill.batch_number: 1}


def test_the_page_lists_each_fill_with_its_links_and_an_expired_mark(
    app, clock, signed_in, labelled, released
):
    to_check = labelled()
    ready = released(patient={"first_name": "Ready"})
    clock.to(START + dt.timedelta(days=20))
    technician = signed_in("technician")
    page = technician.get("/dispensing/will-call")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Not collected after 14 days (1)" in text
    assert "Waiting for the final check (1)" in text  # never released: it waits there
    assert f'href="/compounding/records/{to_check.record_id}/final-check">Final check…' in text
    assert f'href="/compounding/records/{ready.record_id}/dispense">Dispense…' in text
    assert f'href="/orders/{ready.order_id}"' in text
    assert f'href="/compounding/records/{ready.record_id}"' in text
    assert "released 03/02/2026" in text and "20 days" in text
    assert 'action="/dispensing/will-call/' not in text  # a technician gets no return form
    assert 'href="/dispensing/will-call">Will-call</a>' in text  # in the nav
    with app.app_context():
        bud = db.session.get(CompoundingRecord, ready.record_id).beyond_use_date
    clock.to(bud + dt.timedelta(days=1))
    expired = technician.get("/dispensing/will-call").get_data(as_text=True)
    assert f"Expired: discard after {bud:%m/%d/%Y}" in expired
    # A pharmacist is offered only the discard for it: back to stock would be refused.
    offered = signed_in("pharmacist").get("/dispensing/will-call").get_data(as_text=True)
    row = offered[offered.index(f'action="/dispensing/will-call/{ready.record_id}/return"') :]
    row = row[: row.index("</form>")]
    assert "Returned to stock" not in row and "Discarded (past its beyond-use date)" in row


def test_a_pharmacist_sees_the_return_form_with_its_choices(app, signed_in, released):
    fill = released()
    text = signed_in("pharmacist").get("/dispensing/will-call").get_data(as_text=True)
    assert f'action="/dispensing/will-call/{fill.record_id}/return"' in text
    assert 'name="csrf_token"' in text
    assert ">Returned to stock</option>" in text and ">Discarded</option>" in text
    assert f'id="reason-{fill.record_id}"' in text


@contextmanager
def counted(app):
    """The statements sent to the database inside the block."""
    sent: list[str] = []

    def count(_conn, _cursor, statement, *_):
        sent.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_lists_take_three_queries_however_many_fills(app, labelled, released, staff):
    def every_list():
        labelled()
        released()
        hand_over(app, released(), staff[0], "shipped")
        hand_over(app, released(), staff[0], "picked_up")

    every_list()
    with app.app_context(), counted(app) as once:
        view = will_call(pharmacy_today())
        _ = [(w.record.order.patient, w.record.released_by) for w in view.ready]
    every_list()
    every_list()
    with app.app_context(), counted(app) as thrice:
        view = will_call(pharmacy_today())
        assert len(view.ready) == 3
        _ = [(w.record.order.patient, w.record.released_by) for w in view.ready]
    assert len(once) == len(thrice) == 3


def test_the_page_costs_the_same_queries_however_many_fills(app, signed_in, labelled, released):
    pharmacist = signed_in("pharmacist")
    labelled()
    released()
    with counted(app) as few:
        assert pharmacist.get("/dispensing/will-call").status_code == 200
    for _ in range(3):
        labelled()
        released()
    with counted(app) as many:
        assert pharmacist.get("/dispensing/will-call").status_code == 200
    assert len(few) == len(many)


# Returning a fill not collected


@pytest.mark.parametrize(
    ("disposition", "kind"),
    [
        ("returned_to_stock", "uncollected: returned to stock"),
        ("discarded", "uncollected: discarded"),
    ],
)
def test_a_first_fill_not_collected_ends_and_the_patient_can_ask_again(
    app, clock, released, staff, disposition, kind
):
    fill = released()
    clock.on(14)
    assert give_back(app, fill, staff[1], disposition) is None  # no charge was taken
    status, how, notes = fill_state(app, fill.record_id)
    assert status is RecordStatus.DISCARDED and how == disposition
    assert REASON in notes
    last_kind, detail = events_of(app, fill.order_id)[-1]
    assert last_kind == kind
    assert detail == (
        f"{fill.batch_number} (fill 1) not collected: waited 14 days since it was released on "
        f"03/02/2026; {kind.removeprefix('uncollected: ')}: {REASON}"
    )
    assert lists(app)["uncollected"] == {}
    with app.app_context():
        order = db.session.get(Order, fill.order_id)
        assert order.status == "refillable" and refills_left(order) == 2 and can_request(order)
        request_refill(order, "patient", "phone", db.session.get(User, staff[0].id))
        db.session.commit()
    assert events_of(app, fill.order_id)[-1][1].startswith("First fill requested by patient")
    made = start_refill(app, fill.order_id, staff[0])
    assert made.fill_number == 1
    [request] = requests_for(app, fill.order_id)
    assert request.state == RequestState.STARTED and request.record_id == made.id


def test_a_refill_not_collected_restores_the_refill_and_keeps_its_request(
    app, clock, dispensed_order, staff
):
    technician, pharmacist = staff
    order_id = dispensed_order(at=clock.now - dt.timedelta(days=25))
    with app.app_context():
        order = db.session.get(Order, order_id)
        request_refill(order, "patient", "phone", db.session.get(User, technician.id))
        db.session.commit()
    refill = start_refill(app, order_id, technician)
    finish_fill(app, refill.id, technician, pharmacist)
    with app.app_context():
        release_fill(db.session.get(CompoundingRecord, refill.id), pharmacist)
        db.session.commit()
        assert refills_left(db.session.get(Order, order_id)) == 1
    clock.on(14)
    give_back(app, SimpleNamespace(record_id=refill.id), pharmacist, "discarded")
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert order.status == "refillable" and refills_left(order) == 2
    [first] = requests_for(app, order_id)
    assert first.state == RequestState.STARTED and first.record_id == refill.id  # as history
    with app.app_context():
        request_refill(
            db.session.get(Order, order_id),
            "patient",
            "counter",
            db.session.get(User, technician.id),
        )
        db.session.commit()
    assert events_of(app, order_id)[-1][1].startswith("Refill 1 of 2 requested by patient")
    again = start_refill(app, order_id, technician)
    assert again.fill_number == 2 and again.id != refill.id
    first, second = requests_for(app, order_id)
    assert (first.record_id, second.record_id) == (refill.id, again.id)


def test_a_charge_of_the_fill_is_voided(app, clock, released, staff):
    fill = released()
    with app.app_context():  # a fill paid for before it was collected
        cost = freeze_cost(db.session.get(CompoundingRecord, fill.record_id), utcnow())
        db.session.commit()
        price, currency = cost.price, cost.currency
    clock.on(14)
    assert give_back(app, fill, staff[1], "discarded") == price
    with app.app_context():
        cost = db.session.scalars(
            select(CostRecord).where(CostRecord.record_id == fill.record_id)
        ).one()
        assert cost.voided and f"Voided: not collected: {REASON}" in cost.override_reason
    assert events_of(app, fill.order_id)[-1][1].endswith(f"; charge {price} {currency} voided")


def test_a_fill_never_released_may_be_returned_before_it_is_listed_as_not_collected(
    app, clock, labelled, staff
):
    fill = labelled()
    clock.on(3)
    give_back(app, fill, staff[1], "discarded")
    assert fill_state(app, fill.record_id)[0] is RecordStatus.DISCARDED
    assert (
        "waited 3 days since it was signed off on 03/02/2026"
        in (events_of(app, fill.order_id)[-1][1])
    )


def test_a_technician_may_not_return_a_fill(app, clock, signed_in, released, staff):
    fill = released()
    with pytest.raises(WorkflowError, match="Only a pharmacist can return a fill not collected"):
        give_back(app, fill, staff[0])
    assert return_post(signed_in("technician"), fill.record_id).status_code == 403
    assert fill_state(app, fill.record_id)[0] is RecordStatus.SIGNED_OFF


def test_a_missing_reason_is_refused_at_its_field_and_nothing_is_saved(
    app, clock, signed_in, released
):
    fill = released()
    before = events_of(app, fill.order_id)
    answer = return_post(signed_in("pharmacist"), fill.record_id, reason="  ")
    assert answer.status_code == 422
    text = html.unescape(answer.get_data(as_text=True))
    row = text[text.index(f'action="/dispensing/will-call/{fill.record_id}/return"') :]
    assert "Give the reason the fill was not collected." in at_field(row, "reason")
    assert re.search(r'<option selected value="discarded">', row)  # what was chosen is kept
    assert fill_state(app, fill.record_id)[:2] == (RecordStatus.SIGNED_OFF, None)
    assert events_of(app, fill.order_id) == before


def test_a_reason_too_short_is_refused_by_the_service_at_its_field(app, released, staff):
    fill = released()
    with pytest.raises(WorkflowError, match="Give the reason") as refused:
        give_back(app, fill, staff[1], reason="no")
    assert refused.value.field == "reason"


def test_no_disposition_chosen_is_refused_at_its_field(app, signed_in, released):
    fill = released()
    answer = return_post(signed_in("pharmacist"), fill.record_id, disposition="")
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    row = text[text.index(f'action="/dispensing/will-call/{fill.record_id}/return"') :]
    assert "Choose returned to stock or discarded." in at_field(row, "disposition")
    assert fill_state(app, fill.record_id)[0] is RecordStatus.SIGNED_OFF


def test_a_dispensed_fill_is_refused(app, clock, signed_in, released, staff):
    fill = released()
    hand_over(app, fill, staff[0], "picked_up")
    with pytest.raises(WorkflowError, match="is dispensed: it was collected"):
        give_back(app, fill, staff[1])
    answer = return_post(signed_in("pharmacist"), fill.record_id)
    assert answer.status_code == 409
    assert "is dispensed: it was collected" in html.unescape(answer.get_data(as_text=True))
    assert fill_state(app, fill.record_id)[:2] == (RecordStatus.SIGNED_OFF, None)


def test_the_same_fill_returned_twice_is_refused_with_what_the_first_did(
    app, clock, signed_in, released
):
    fill = released()
    clock.on(14)
    pharmacist = signed_in("pharmacist")
    first = return_post(pharmacist, fill.record_id, disposition="returned_to_stock")
    assert first.status_code == 303
    second = return_post(pharmacist, fill.record_id)
    assert second.status_code == 409
    assert (
        f"{fill.batch_number} was already returned to stock as not collected by Pharmacist User "
        "on 03/16/2026: nothing was recorded again."
    ) in html.unescape(second.get_data(as_text=True))
    kinds = [kind for kind, _ in events_of(app, fill.order_id)]
    assert kinds.count("uncollected: returned to stock") == 1
    assert "uncollected: discarded" not in kinds
    assert fill_state(app, fill.record_id)[1] == "returned_to_stock"


def test_an_expired_fill_is_discarded_not_returned_to_stock(app, clock, released, staff):
    fill = released()
    with app.app_context():
        bud = db.session.get(CompoundingRecord, fill.record_id).beyond_use_date
    clock.to(bud + dt.timedelta(days=1))
    with pytest.raises(WorkflowError, match="cannot go back to stock") as refused:
        give_back(app, fill, staff[1], "returned_to_stock")
    assert refused.value.field == "disposition"
    give_back(app, fill, staff[1], "discarded")
    assert fill_state(app, fill.record_id)[1] == "discarded"


def test_the_page_says_what_was_done(app, clock, signed_in, released):
    fill = released()
    pharmacist = signed_in("pharmacist")
    answer = return_post(pharmacist, fill.record_id)
    assert answer.status_code == 303 and answer.location.endswith("/dispensing/will-call")
    page = pharmacist.get("/dispensing/will-call").get_data(as_text=True)
    assert f"{fill.batch_number} discarded: its order waits for the patient" in page


def test_a_request_after_a_first_fill_not_collected_cancelled_leaves_the_order_waiting(
    app, clock, released, staff
):
    fill = released()
    give_back(app, fill, staff[1], "discarded")
    with app.app_context():
        order = db.session.get(Order, fill.order_id)
        request = request_refill(order, "patient", "phone", db.session.get(User, staff[0].id))
        cancel_request(request, "Patient changed their mind", db.session.get(User, staff[0].id))
        db.session.commit()
        assert db.session.get(Order, fill.order_id).status == "refillable"
    with pytest.raises(WorkflowError, match="No refill has been requested"):
        start_refill(app, fill.order_id, staff[0])
