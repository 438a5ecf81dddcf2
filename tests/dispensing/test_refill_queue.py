"""The refill queue shows what is requested (first due first) and what comes due from each last
fill's days supply; the auto-refill run requests the opted-in ones, once; a request through the
API; the renewal request to the prescriber; the migration."""

from __future__ import annotations

import datetime as dt

from flask_migrate import downgrade, upgrade
from jsonschema import Draft202012Validator
from sqlalchemy import func, select, text

from pharmacy_app.dispensing.models import RefillRequest
from pharmacy_app.dispensing.refill_queue import coming_due, requested
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order, OrderEvent
from pharmacy_app.timeutil import pharmacy_today
from tests.dispensing.conftest import events_of, requests_for, status_of
from tests.labels.conftest import pdf_text

NOON = dt.time(12, tzinfo=dt.UTC)


def on(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, NOON)


def rx(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).rx_number


def test_coming_due_lists_orders_by_the_day_their_supply_runs_out(app, dispensed_order):
    today = dt.date(2026, 12, 1)
    # 30-day supplies dispensed so they run out on 12/3, 11/28 (already) and 12/12.
    soon = dispensed_order(at=on(today - dt.timedelta(days=28)))
    ran_out = dispensed_order(at=on(today - dt.timedelta(days=33)))
    later = dispensed_order(at=on(today - dt.timedelta(days=19)))
    with app.app_context():
        week = [(row.order.id, row.runs_out, row.refills_left) for row in coming_due(today, 7)]
        assert week == [
            (ran_out, dt.date(2026, 11, 28), 2),
            (soon, dt.date(2026, 12, 3), 2),
        ]
        fortnight = [row.order.id for row in coming_due(today, 14)]
        assert fortnight == [ran_out, soon, later]


def test_a_requested_refill_leaves_coming_due_and_is_listed_by_its_due_day(
    app, signed_in, dispensed_order
):
    due_now = dispensed_order(days_ago=26)
    too_soon = dispensed_order(days_ago=2)
    technician = signed_in("technician")
    for order_id in (too_soon, due_now):
        technician.post(
            f"/orders/{order_id}/refill-requests",
            data={"requested_by": "patient", "channel": "phone"},
        )
    with app.app_context():
        today = pharmacy_today()
        rows = [(row.request.order_id, row.due <= today) for row in requested(today)]
        assert rows == [(due_now, True), (too_soon, False)]
        assert coming_due(today, 30) == []
    page = technician.get("/dispensing/refills").get_data(as_text=True)
    assert page.index(rx(app, due_now)) < page.index(rx(app, too_soon))
    assert "due now" in page and "not before" in page


def test_the_queue_page_takes_the_days_ahead(app, signed_in, dispensed_order):
    order_id = dispensed_order(days_ago=20)  # runs out in 10 days
    client = signed_in("technician")
    assert rx(app, order_id) not in client.get("/dispensing/refills").get_data(as_text=True)
    shown = client.get("/dispensing/refills?days=14").get_data(as_text=True)
    assert rx(app, order_id) in shown and "within 14 days" in shown
    assert client.get("/dispensing/refills?days=abc").status_code == 200


def test_the_work_queue_shows_refills_left(app, signed_in, dispensed_order):
    order_id = dispensed_order(refills=3)
    page = signed_in("technician").get("/orders?status=refillable").get_data(as_text=True)
    row = page[page.index(rx(app, order_id)) :]
    assert '<td class="refills-left">3</td>' in row[: row.index("</tr>")]


def test_auto_refill_requests_each_opted_in_order_once(app, signed_in, runner, dispensed_order):
    opted = dispensed_order(days_ago=26)
    not_opted = dispensed_order(days_ago=26)
    technician = signed_in("technician")
    technician.post(f"/orders/{opted}/auto-refill", data={"enabled": "y"})
    kind, _ = events_of(app, opted)[-1]
    assert kind == "auto-refill on"
    with app.app_context():
        event = db.session.get(Order, opted).events[-1]
        assert event.user is not None and event.user.role == "technician"

    first = runner.invoke(args=["refills", "auto", "--days", "7"])
    assert first.exit_code == 0, first.output
    assert f"Requested the refill of {rx(app, opted)}" in first.output
    again = runner.invoke(args=["refills", "auto", "--days", "7"])
    assert "0 auto-refill request(s) made." in again.output
    [request] = requests_for(app, opted)
    assert (request.channel, request.entered_by, request.state) == ("auto", None, "open")
    assert requests_for(app, not_opted) == [] and status_of(app, opted) == "verified"


def test_auto_refill_waits_for_orders_not_coming_due(app, signed_in, runner, dispensed_order):
    order_id = dispensed_order(days_ago=5)
    signed_in("technician").post(f"/orders/{order_id}/auto-refill", data={"enabled": "y"})
    assert "0 auto-refill" in runner.invoke(args=["refills", "auto"]).output
    assert runner.invoke(args=["refills", "auto", "--days", "-1"]).exit_code == 2


def test_opting_out_is_recorded(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    technician = signed_in("technician")
    technician.post(f"/orders/{order_id}/auto-refill", data={"enabled": "y"})
    technician.post(f"/orders/{order_id}/auto-refill", data={})
    assert [k for k, _ in events_of(app, order_id)][-2:] == ["auto-refill on", "auto-refill off"]


# Through the API


def test_an_api_request_is_recorded_once_per_idempotency_key(app, api, dispensed_order):
    order_id = dispensed_order()
    headers = {"Idempotency-Key": "portal-refill-1"}
    body = {"requested_by": "patient (portal)", "note": "ships to her office"}
    made = api.post(f"/api/v1/orders/{order_id}/refill-requests", json=body, headers=headers)
    assert made.status_code == 201, made.get_json()
    answer = made.get_json()
    assert (answer["channel"], answer["requested_by"], answer["state"]) == (
        "api",
        "patient (portal)",
        "open",
    )
    assert answer["order_status"] == "verified" and answer["refills_left"] == 2
    spec = api.get("/api/v1/openapi.json").get_json()
    schema = {"$ref": "#/components/schemas/RefillRequest", "components": spec["components"]}
    Draft202012Validator(schema).validate(answer)
    replay = api.post(f"/api/v1/orders/{order_id}/refill-requests", json=body, headers=headers)
    assert replay.get_json() == answer and replay.headers["Idempotent-Replayed"] == "true"
    again = api.post(f"/api/v1/orders/{order_id}/refill-requests", json=body)
    assert again.status_code == 409 and "already requested" in again.get_json()["message"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RefillRequest)) == 1


def test_an_api_request_with_a_bad_body_is_refused_at_its_field(app, api, dispensed_order):
    order_id = dispensed_order()
    url = f"/api/v1/orders/{order_id}/refill-requests"
    assert "requested_by" in api.post(url, json={}).get_json()["errors"]
    auto = api.post(url, json={"requested_by": "patient", "channel": "auto"})
    assert auto.status_code == 422 and "channel" in auto.get_json()["errors"]
    assert api.post(url, json={"requested_by": 5}).status_code == 422
    assert api.post(url, data="not json").status_code == 422
    assert (
        api.post("/api/v1/orders/99999/refill-requests", json={"requested_by": "x"}).status_code
        == 404
    )
    assert requests_for(app, order_id) == []


def test_an_api_request_too_soon_says_when_it_is_due(app, api, dispensed_order):
    order_id = dispensed_order(days_ago=2)
    url = f"/api/v1/orders/{order_id}/refill-requests"
    early = api.post(url, json={"requested_by": "patient", "early_reason": "going abroad"})
    assert early.status_code == 409 and "Only a pharmacist" in early.get_json()["message"]
    made = api.post(url, json={"requested_by": "patient", "channel": "phone"})
    assert made.status_code == 201 and made.get_json()["due_on"] is not None


# The renewal request to the prescriber


def test_with_no_refills_left_the_order_offers_a_renewal_request(app, signed_in, dispensed_order):
    order_id = dispensed_order(refills=0)
    assert status_of(app, order_id) == "dispensed"
    client = signed_in("technician")
    assert "Renewal request to the prescriber" in client.get(f"/orders/{order_id}").get_data(
        as_text=True
    )
    answer = client.post(f"/orders/{order_id}/renewal-request")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    pages, sizes = pdf_text(answer.data)
    text = " ".join(pages)
    assert len(pages) == 1 and sizes[0] == (215.9, 279.4)
    with app.app_context():
        order = db.session.get(Order, order_id)
        for expected in (
            "Prescription renewal request",
            order.prescriber.name,
            order.patient.full_name,
            order.rx_number,
            order.strength_text,
            "0 of 0 used",
            f"{pharmacy_today():%m/%d/%Y}",
            "No refills are left",
            "Prescriber's signature",
            "New refills",
        ):
            assert expected in text, expected
        if order.prescriber.npi:
            assert order.prescriber.npi in text
    kind, detail = events_of(app, order_id)[-1]
    assert kind == "renewal requested" and "No refills are left" in detail


def test_an_order_with_refills_left_needs_no_renewal(app, signed_in, dispensed_order):
    order_id = dispensed_order(refills=2)
    client = signed_in("technician")
    assert "Renewal request" not in client.get(f"/orders/{order_id}").get_data(as_text=True)
    refused = client.post(f"/orders/{order_id}/renewal-request", follow_redirects=True)
    assert "no renewal is needed yet" in refused.get_data(as_text=True)
    assert events_of(app, order_id)[-1][0] != "renewal requested"


# The migration


def test_the_migration_moves_waiting_orders_to_refillable_and_back(app, dispensed_order):
    order_id = dispensed_order()
    with app.app_context():
        events = db.session.scalar(select(func.count()).select_from(OrderEvent))
        db.session.remove()
        downgrade(revision="0018_enums")
        # Read as a column: the models are newer than the schema at 0018.
        assert _stored_status(order_id) == "verified"
        upgrade()
        assert _stored_status(order_id) == "refillable"
        assert db.session.scalar(select(func.count()).select_from(OrderEvent)) == events


def _stored_status(order_id):
    return db.session.execute(
        text("SELECT status FROM orders WHERE id = :id"), {"id": order_id}
    ).scalar_one()
