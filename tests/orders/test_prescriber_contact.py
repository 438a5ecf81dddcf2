"""A prescriber's phone and fax: read as a US pharmacy writes them, kept in one form on the
prescriber's record (the latest order's numbers win), and printed on the renewal request."""

from __future__ import annotations

import pytest

from pharmacy_app.checks.document import Prescriber as WrittenPrescriber
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.phones import phone_number
from tests.orders.test_workflow import form_data


@pytest.mark.parametrize(
    "written, kept",
    [
        ("503-555-0142", "(503) 555-0142"),
        ("(503) 555 0142", "(503) 555-0142"),
        ("+1 503.555.0142", "(503) 555-0142"),
        ("5035550142 ext 12", "(503) 555-0142 ext. 12"),
        ("  ", ""),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_a_number_is_kept_in_one_form(written, kept):
    assert phone_number(written) == kept


@pytest.mark.parametrize("written", ["555-0142", "12", "call the office", "503-555-01421234"])
def test_a_number_that_cannot_be_dialled_is_refused_with_what_to_write(written):
    with pytest.raises(ValueError, match="write the 10 digits with the area code"):
        phone_number(written)


def test_the_document_keeps_the_normalised_number():
    written = WrittenPrescriber(name="Dana Ruiz", phone="503 555 0142", fax="503-555-0199")
    assert (written.phone, written.fax) == ("(503) 555-0142", "(503) 555-0199")


def test_the_api_refuses_a_bad_fax_at_its_field(api, make_document):
    answer = api.post("/api/v1/orders", json=make_document(prescriber={"fax": "555-01"}))
    assert answer.status_code == 422
    assert "prescriber.fax" in str(answer.get_json())


def test_the_latest_order_gives_the_prescribers_numbers(app, api, make_document):
    first = api.post(
        "/api/v1/orders", json=make_document(prescriber={"phone": "503-555-0142"})
    ).get_json()
    second = api.post(
        "/api/v1/orders", json=make_document(prescriber={"fax": "(503) 555-0199"})
    ).get_json()
    with app.app_context():
        a, b = db.session.get(Order, first["id"]), db.session.get(Order, second["id"])
        assert a.prescriber_id == b.prescriber_id
        # An order that gives no phone leaves the record's as it was.
        assert (b.prescriber.phone, b.prescriber.fax) == ("(503) 555-0142", "(503) 555-0199")


def test_the_order_form_shows_a_bad_number_at_its_field(signed_in, make_document):
    client = signed_in("technician")
    data = form_data(make_document()) | {"prescriber_phone": "call the office"}
    page = client.post("/orders/new", data=data).get_data(as_text=True)
    assert "is not a phone number" in page
    assert 'value="call the office"' in page  # as typed, to correct
