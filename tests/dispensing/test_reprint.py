"""A label for a dispensed fill is a reprint: printed only when confirmed (on the order's
page, in the API; never in a batch), recorded as a reprint with its reason. The label an
order offers is always its current fill's, never an older one's silently."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.dispensing.refills import request_refill
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelPrint
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import pharmacy_today
from tests.dispensing.conftest import events_of, finish_fill, start_refill
from tests.labels.conftest import pdf_text


def prints_of(app, order_id):
    with app.app_context():
        return db.session.execute(
            select(CompoundingRecord.fill_number, LabelPrint.reprint)
            .join(LabelPrint.record)
            .where(CompoundingRecord.order_id == order_id)
            .order_by(LabelPrint.id)
        ).all()


def test_a_dispensed_fills_label_needs_the_reprints_confirmation(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    client = signed_in("technician")
    before = prints_of(app, order_id)
    refused = client.post(f"/orders/{order_id}/label", follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html"
    assert "was dispensed on" in page and "its label would be a reprint" in page
    assert prints_of(app, order_id) == before  # nothing recorded

    made = client.post(
        f"/orders/{order_id}/label",
        data={"confirm_reprint": "y", "reprint_reason": "label torn in the bag"},
    )
    assert made.mimetype == "application/pdf"
    # The reprint says the day the patient got the fill, not today.
    with app.app_context():
        dispensed_on = pharmacy_today() - dt.timedelta(days=30)
    assert f"Filled {dispensed_on:%m/%d/%Y}" in pdf_text(made.data)[0][0]
    assert prints_of(app, order_id) == [*before, (1, True)]
    kind, detail = events_of(app, order_id)[-1]
    assert kind == "label reprinted"
    assert "fill 1, dispensed" in detail and "reprint confirmed" in detail
    assert detail.endswith("reason: label torn in the bag")


def test_the_api_asks_for_the_reprints_confirmation_too(app, api, dispensed_order):
    order_id = dispensed_order()
    refused = api.post(f"/api/v1/orders/{order_id}/label")
    assert refused.status_code == 409
    assert "its label would be a reprint" in refused.get_json()["message"]
    too_long = api.post(f"/api/v1/orders/{order_id}/label?reprint=confirm&reason={'x' * 301}")
    assert too_long.status_code == 422 and "reason" in too_long.get_json()["errors"]
    made = api.post(f"/api/v1/orders/{order_id}/label?reprint=confirm&reason=smudged")
    assert made.status_code == 200 and made.mimetype == "application/pdf"
    assert prints_of(app, order_id)[-1] == (1, True)


def test_a_batch_never_reprints_a_dispensed_fill(app, signed_in, dispensed_order):
    order_id = dispensed_order()
    client = signed_in("technician")
    with app.app_context():
        rx = db.session.get(Order, order_id).rx_number
    before = prints_of(app, order_id)
    answer = client.post("/labels/batch", data={"order_id": str(order_id)}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert f"Not printed: {rx}: Fill 1" in page and "its label would be a reprint" in page
    assert prints_of(app, order_id) == before


def test_the_label_is_the_current_fills_once_the_refill_is_made(
    app, signed_in, dispensed_order, staff
):
    technician, pharmacist = staff
    order_id = dispensed_order(days_ago=28)
    with app.app_context():
        request_refill(db.session.get(Order, order_id), "patient", "counter", None)
        db.session.commit()
    refill = start_refill(app, order_id, technician)
    client = signed_in("technician")
    # While the refill is being made there is no label to print: not fill 1's in its place.
    refused = client.post(f"/orders/{order_id}/label", follow_redirects=True)
    assert "only a fill signed off by a pharmacist gets a label" in refused.get_data(as_text=True)
    finish_fill(app, refill.id, technician, pharmacist)  # weighed, signed off, printed
    assert prints_of(app, order_id)[-1] == (2, False)
    again = client.post(f"/orders/{order_id}/label")
    assert again.mimetype == "application/pdf"
    texts, _ = pdf_text(again.data)
    assert refill.batch_number in texts[0] and "Refills: 1" in " ".join(texts[0].split())
    # The refill's second label is a reprint (recorded so), needing no confirmation: the
    # fill has not left the pharmacy.
    assert prints_of(app, order_id)[-1] == (2, True)
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count()).select_from(LabelPrint).where(LabelPrint.reprint)
            )
            == 1
        )


def test_a_reprint_reason_with_a_hidden_character_is_refused(app, api, dispensed_order):
    order_id = dispensed_order()
    before = prints_of(app, order_id)
    refused = api.post(f"/api/v1/orders/{order_id}/label?reprint=confirm&reason=lost%E2%80%AE")
    assert refused.status_code == 422
    assert "type it again" in refused.get_json()["errors"]["reprint_reason"][0]
    assert prints_of(app, order_id) == before
