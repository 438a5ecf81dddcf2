"""A titration is not refilled: a refill would start the patient at its first step again,
weeks after reaching the last. The checker warns at entry; after the first fill the order
asks the prescriber for the maintenance dose instead of taking a refill request."""

from __future__ import annotations

import pytest

from pharmacy_app.dispensing.refills import request_refill
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.workflow import WorkflowError
from tests.dispensing.conftest import status_of
from tests.labels.conftest import pdf_text

TITRATION = {
    "preparation": {"strength": "1.5 mg"},
    "sig": {
        "dose": "1 capsule",
        "text": "1.5 mg x 2 weeks then 3 mg x 2 weeks then 4.5 mg",
    },
    "quantity": 84,
    "days_supply": 42,
    "refills": 2,
}


def test_a_titrations_refill_is_not_requested_and_a_renewal_is_offered(
    app, api, signed_in, dispensed_order
):
    order_id = dispensed_order(days_ago=40, **TITRATION)
    assert status_of(app, order_id) == "refillable"
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert "supply.titration_refills" in [f["code"] for f in order.latest_check.findings]
        with pytest.raises(WorkflowError, match="start the patient at its first step again"):
            request_refill(order, "patient", "phone", None)
        db.session.rollback()
    refused = api.post(
        f"/api/v1/orders/{order_id}/refill-requests", json={"requested_by": "patient"}
    )
    assert refused.status_code == 409
    client = signed_in("technician")
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert 'data-step="renew"' in page and 'id="refill-request"' not in page
    renewal = client.post(f"/orders/{order_id}/renewal-request")
    text = " ".join(" ".join(pdf_text(renewal.data)[0]).split())
    assert "maintenance dose as a new prescription" in text


def test_a_titrations_label_promises_no_refills_and_auto_refill_is_refused(
    app, signed_in, ready_order, staff
):
    from pharmacy_app.accounts.models import User
    from pharmacy_app.dispensing.refills import set_auto_refill
    from pharmacy_app.labels.services import label_values, latest_fill

    order_id = ready_order(**TITRATION)
    with app.app_context():
        order = db.session.get(Order, order_id)
        assert label_values(latest_fill(order))["refills"] == 0
        with pytest.raises(WorkflowError, match="titration"):
            set_auto_refill(order, True, db.session.get(User, staff[0].id))
    page = signed_in("technician").get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Auto-refill" not in page
