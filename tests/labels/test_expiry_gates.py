"""Expiry gates on fixed dates: a fill past its beyond-use date is not labelled (order page,
API, batch) or dispensed; one whose BUD comes before the patient could use the supply is
refused until a pharmacist accepts the shorter supply with a reason; expired fills are marked
where fills are listed and discarded from the "to discard" list."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.expiry import accept_short_supply, fill_expired
from pharmacy_app.compounding.models import CompoundingRecord, RecordStatus
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelPrint
from pharmacy_app.orders.models import Order
from pharmacy_app.workflow import WorkflowError
from tests.clock import Clock
from tests.fills import dispense_through_page, release_in
from tests.labels.conftest import flashes, latest_fill, pdf_text

START = dt.date(2026, 3, 2)  # the pharmacy's today when the fills are made


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Fixed dates from START (set before the catalogue's lots are dated from it)."""
    return Clock(monkeypatch, START)


def label_prints(app, order_id):
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(LabelPrint)
            .join(LabelPrint.record)
            .where(CompoundingRecord.order_id == order_id)
        )


def history(app, order_id):
    with app.app_context():
        return [(e.kind, e.detail) for e in db.session.get(Order, order_id).events]


def test_a_fill_is_in_date_on_its_discard_after_day_and_expired_the_day_after():
    fill = SimpleNamespace(batch_number="B260302-0001", beyond_use_date=dt.date(2026, 8, 29))
    assert fill_expired(fill, dt.date(2026, 8, 29)) is None
    assert "discard after 08/29/2026" in (fill_expired(fill, dt.date(2026, 8, 30)) or "")


def test_an_expired_fill_gets_no_label_from_the_order_page(app, clock, signed_in, ready_order):
    order_id = ready_order()
    clock.to(latest_fill(app, order_id).beyond_use_date + dt.timedelta(days=1))
    technician = signed_in("technician")
    answer = technician.post(f"/orders/{order_id}/label")
    assert answer.status_code == 303
    assert "has expired" in flashes(technician)
    assert label_prints(app, order_id) == 0


def test_the_api_refuses_an_expired_fills_label_with_409(app, clock, api, ready_order):
    order_id = ready_order()
    clock.to(latest_fill(app, order_id).beyond_use_date + dt.timedelta(days=1))
    answer = api.post(f"/api/v1/orders/{order_id}/label")
    assert answer.status_code == 409
    assert "has expired" in answer.get_json()["message"]
    assert label_prints(app, order_id) == 0


def test_print_all_ready_skips_an_expired_fill_and_names_it(app, clock, signed_in, ready_order):
    old = ready_order(patient={"first_name": "Expired"})
    clock.on(170)
    # A 15-day supply: its BUD (the filler lot's expiry) still covers it on day 181.
    fresh = ready_order(patient={"first_name": "Fresh"}, quantity=15, days_supply=15)
    clock.to(latest_fill(app, old).beyond_use_date + dt.timedelta(days=1))
    technician = signed_in("technician")

    answer = technician.post("/labels/batch", data={"all_ready": "1"})
    pages, _ = pdf_text(answer.data)
    assert len(pages) == 1 and "Fresh" in pages[0] and "Expired" not in pages[0]
    said = flashes(technician)
    assert "Not printed" in said and latest_fill(app, old).batch_number in said
    assert (label_prints(app, old), label_prints(app, fresh)) == (0, 1)


def test_a_batch_of_only_expired_fills_prints_nothing(app, clock, signed_in, ready_order):
    order_id = ready_order()
    clock.to(latest_fill(app, order_id).beyond_use_date + dt.timedelta(days=1))
    technician = signed_in("technician")
    answer = technician.post("/labels/batch", data={"all_ready": "1"})
    assert answer.status_code == 303
    assert "has expired" in flashes(technician)
    assert label_prints(app, order_id) == 0


def test_an_expired_fill_cannot_be_dispensed(app, clock, signed_in, ready_order):
    order_id = ready_order()
    technician = signed_in("technician")
    technician.post(f"/orders/{order_id}/label")  # labelled and released while in date
    fill = latest_fill(app, order_id)
    release_in(app, fill.id, signed_in("pharmacist").user)
    clock.to(fill.beyond_use_date + dt.timedelta(days=1))
    dispense_through_page(app, technician, fill.id)
    assert "has expired" in flashes(technician)
    assert latest_fill(app, order_id).dispensed_at is None


def test_a_bud_shorter_than_the_supply_is_refused_until_a_pharmacist_accepts(
    app, clock, signed_in, ready_order
):
    order_id = ready_order()
    fill = latest_fill(app, order_id)
    clock.to(fill.beyond_use_date - dt.timedelta(days=20))  # 20 usable days of a 30-day supply
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")

    technician.post(f"/orders/{order_id}/label")
    assert "a pharmacist accepts the shorter supply" in flashes(technician)
    assert label_prints(app, order_id) == 0

    refused = technician.post(
        f"/compounding/records/{fill.id}/short-supply", data={"reason": "patient told"}
    )
    assert refused.status_code == 403
    pharmacist.post(
        f"/compounding/records/{fill.id}/short-supply",
        data={"reason": "Patient will discard the rest on the BUD; next fill due early"},
    )
    accepted = latest_fill(app, order_id)
    assert accepted.handover_supply_reason.startswith("Patient will discard")
    assert accepted.handover_supply_accepted_by_id == pharmacist.user.id
    assert any(
        kind == "short supply accepted" and "Patient will discard" in detail
        for kind, detail in history(app, order_id)
    )

    assert technician.post(f"/orders/{order_id}/label").mimetype == "application/pdf"
    dispense_through_page(app, technician, fill.id, release_by=pharmacist.user)
    assert latest_fill(app, order_id).dispensed_at is not None


def test_an_acceptance_holds_for_the_day_it_was_given(app, clock, signed_in, ready_order):
    order_id = ready_order()
    fill = latest_fill(app, order_id)
    clock.to(fill.beyond_use_date - dt.timedelta(days=20))
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    pharmacist.post(
        f"/compounding/records/{fill.id}/short-supply", data={"reason": "Patient agreed"}
    )
    technician.post(f"/orders/{order_id}/label")
    release_in(app, fill.id, pharmacist.user)
    clock.on(3)  # collected three days later: three more days past the BUD
    dispense_through_page(app, technician, fill.id)
    assert "a pharmacist accepts the shorter supply" in flashes(technician)
    assert latest_fill(app, order_id).dispensed_at is None


@pytest.mark.parametrize(
    ("role", "days_from_bud", "refusal"),
    [
        ("technician", -20, "A pharmacist must accept"),  # a shortfall: not a technician's call
        ("pharmacist", 1, "has expired"),  # an expired fill is discarded, never accepted
    ],
)
def test_who_may_accept_a_shorter_supply_and_when(
    app, clock, make_user, ready_order, role, days_from_bud, refusal
):
    fill = latest_fill(app, ready_order())
    clock.to(fill.beyond_use_date + dt.timedelta(days=days_from_bud))
    user = make_user(role)
    with app.app_context():
        record = db.session.get(CompoundingRecord, fill.id)
        with pytest.raises(WorkflowError, match=refusal):
            accept_short_supply(
                record, "patient agreed", db.session.get(User, user.id), clock.today
            )
    assert latest_fill(app, fill.order_id).handover_supply_reason is None


def test_the_queue_marks_an_order_whose_fill_expired(app, clock, signed_in, ready_order):
    order_id = ready_order()
    fill = latest_fill(app, order_id)
    client = signed_in("technician")
    assert 'data-mark="expired"' not in client.get("/orders").get_data(as_text=True)
    clock.to(fill.beyond_use_date + dt.timedelta(days=1))
    page = client.get("/orders").get_data(as_text=True)
    assert f"Fill {fill.batch_number} expired" in page


def test_the_order_page_marks_an_expired_fill_and_offers_no_dispensing(
    app, clock, signed_in, ready_order
):
    order_id = ready_order()
    technician = signed_in("technician")
    technician.post(f"/orders/{order_id}/label")
    assert "Final check…" in technician.get(f"/orders/{order_id}").get_data(as_text=True)
    fill = latest_fill(app, order_id)
    clock.to(fill.beyond_use_date + dt.timedelta(days=1))
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    assert f"Expired: discard after {fill.beyond_use_date:%m/%d/%Y}" in page
    assert "Final check…" not in page and "Dispense…" not in page


def test_the_record_marks_an_expired_fill(app, clock, signed_in, ready_order):
    fill = latest_fill(app, ready_order())
    client = signed_in("pharmacist")
    assert "EXPIRED" not in client.get(f"/compounding/records/{fill.id}").get_data(as_text=True)
    clock.to(fill.beyond_use_date + dt.timedelta(days=1))
    page = client.get(f"/compounding/records/{fill.id}").get_data(as_text=True)
    assert 'data-code="fill-expired"' in page and 'data-mark="expired"' in page


def test_the_record_offers_a_pharmacist_the_shorter_supply_to_accept(
    app, clock, signed_in, ready_order
):
    fill = latest_fill(app, ready_order())
    clock.to(fill.beyond_use_date - dt.timedelta(days=20))
    url = f"/compounding/records/{fill.id}"
    assert "Accept shorter supply" in signed_in("pharmacist").get(url).get_data(as_text=True)
    technician_page = signed_in("technician").get(url).get_data(as_text=True)
    assert "Accept shorter supply" not in technician_page
    assert "A pharmacist must accept the shorter supply" in technician_page


def test_the_to_discard_list_shows_expired_fills_still_in_the_pharmacy(
    app, clock, signed_in, ready_order
):
    expired = ready_order(patient={"first_name": "Expired"})
    dispensed = ready_order(patient={"first_name": "Dispensed"})
    technician = signed_in("technician")
    technician.post(f"/orders/{dispensed}/label")
    dispense_through_page(
        app, technician, latest_fill(app, dispensed).id, release_by=signed_in("pharmacist").user
    )
    clock.on(170)
    in_date = ready_order(patient={"first_name": "InDate"}, quantity=15, days_supply=15)
    clock.to(latest_fill(app, expired).beyond_use_date + dt.timedelta(days=1))

    page = technician.get("/compounding/to-discard").get_data(as_text=True)
    assert f'data-batch="{latest_fill(app, expired).batch_number}"' in page
    for order_id in (dispensed, in_date):
        assert f'data-batch="{latest_fill(app, order_id).batch_number}"' not in page
    assert "A pharmacist discards it" in page and "Discard</button>" not in page


def test_a_pharmacist_discards_an_expired_fill_from_the_list(app, clock, signed_in, ready_order):
    order_id = ready_order()
    fill = latest_fill(app, order_id)
    clock.to(fill.beyond_use_date + dt.timedelta(days=1))
    technician, pharmacist = signed_in("technician"), signed_in("pharmacist")
    url = f"/compounding/to-discard/{fill.id}"
    assert technician.post(url, data={"reason": "Beyond-use date passed"}).status_code == 403

    assert pharmacist.post(url, data={"reason": "ok"}).status_code == 302
    assert latest_fill(app, order_id).status == RecordStatus.SIGNED_OFF.value  # no reason given

    answer = pharmacist.post(url, data={"reason": "Beyond-use date passed, not collected"})
    assert answer.headers["Location"].endswith("/compounding/to-discard")
    assert latest_fill(app, order_id).status == RecordStatus.DISCARDED.value
    assert ("discarded", f"{fill.batch_number}: Beyond-use date passed, not collected") in (
        history(app, order_id)
    )
    with app.app_context():
        assert db.session.get(Order, order_id).status == "verified"  # to be compounded again
    page = pharmacist.get("/compounding/to-discard").get_data(as_text=True)
    assert f'data-batch="{fill.batch_number}"' not in page and "nothing to discard" in page
