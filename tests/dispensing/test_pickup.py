"""At pick-up the bag label is scanned and the app records who collected the fill (or the
shipment's carrier and tracking number) and the counselling offer, required for a new
prescription (COUNSEL_OFFER_REQUIRED); all of it, with the note, goes into the history."""

from __future__ import annotations

import html

import pytest

from pharmacy_app import create_app
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.config import ConfigurationError
from pharmacy_app.extensions import db
from tests.fills import handover_form, release_in
from tests.labels.test_dispensing import at_field, fill_of, history


@pytest.fixture
def released(app, labelled, make_user):
    """released(**changes) -> a labelled fill, released at its final check."""

    def make(**changes):
        fill = labelled(**changes)
        release_in(app, fill.record_id, make_user("pharmacist"))
        return fill

    return make


def dispense_post(client, fill, method="picked_up", **changes):
    return client.post(
        f"/compounding/records/{fill.record_id}/dispense",
        data=handover_form(fill.code, method, **changes),
    )


def refused_at(answer, name):
    assert answer.status_code == 422
    return html.unescape(at_field(answer.get_data(as_text=True), name))


def test_a_pick_up_is_recorded_in_the_history_with_who_collected_it(app, signed_in, released):
    fill = released()
    technician = signed_in("technician")
    answer = dispense_post(
        technician,
        fill,
        collected_by="Sam Okafor",
        relation="spouse",
        id_checked="yes",
        counselling="declined",
        note="Paid at the counter",
    )
    assert answer.status_code == 303
    kind, detail = history(app, fill.order_id)[-1]
    assert kind == "dispensed"
    assert f"bag label {fill.code} scanned" in detail
    assert "collected by Sam Okafor (spouse or partner), ID checked" in detail
    assert "counselling declined" in detail and "note: Paid at the counter" in detail
    with app.app_context():
        stored = db.session.get(CompoundingRecord, fill.record_id).handover
    assert stored == {
        "bag_scan": fill.code,
        "collected_by": "Sam Okafor",
        "relation": "spouse",
        "id_checked": True,
        "counselling": "declined",
    }
    page = technician.get(f"/compounding/records/{fill.record_id}/dispense")
    assert "collected by Sam Okafor" in page.get_data(as_text=True)


def test_a_shipment_is_recorded_with_its_carrier_and_tracking_number(app, signed_in, released):
    fill = released()
    answer = dispense_post(
        signed_in("technician"), fill, "shipped", carrier="USPS", tracking_number="9400 1118"
    )
    assert answer.status_code == 303
    _, detail = history(app, fill.order_id)[-1]
    assert "shipped with USPS, tracking 9400 1118" in detail and "counselling accepted" in detail
    assert "collected by" not in detail


def test_a_wrong_bag_label_is_refused_at_its_field(app, signed_in, released):
    fill, other = released(), released(patient={"first_name": "Ingrid"})
    answer = dispense_post(signed_in("technician"), fill, bag_scan=other.code)
    assert f"Wrong label: it is for {other.rx_number}, not {fill.rx_number}" in refused_at(
        answer, "bag_scan"
    )
    assert fill_of(app, fill.order_id).dispensed_at is None


@pytest.mark.parametrize(
    ("changes", "name", "message"),
    [
        ({"collected_by": ""}, "collected_by", "Say who collected the fill"),
        ({"relation": ""}, "relation", "Say who the person collecting is to the patient"),
        ({"id_checked": ""}, "id_checked", "Say whether their ID was checked"),
    ],
)
def test_a_pick_up_says_who_collected_it(app, signed_in, released, changes, name, message):
    fill = released()
    answer = dispense_post(signed_in("technician"), fill, **changes)
    assert message in refused_at(answer, name)
    assert fill_of(app, fill.order_id).dispensed_at is None


@pytest.mark.parametrize(
    ("changes", "name", "message"),
    [
        ({"tracking_number": ""}, "tracking_number", "Enter the shipment's tracking number"),
        ({"carrier": " "}, "carrier", "Name the carrier"),
    ],
)
def test_a_shipment_without_its_tracking_is_refused(
    app, signed_in, released, changes, name, message
):
    fill = released()
    answer = dispense_post(signed_in("technician"), fill, "shipped", **changes)
    assert message in refused_at(answer, name)
    text = answer.get_data(as_text=True)
    assert f'value="{fill.code}"' in text  # what was scanned and typed is kept
    assert fill_of(app, fill.order_id).dispensed_at is None


def test_a_new_prescription_needs_the_counselling_answer(app, signed_in, released):
    fill = released()
    technician = signed_in("technician")
    page = technician.get(f"/compounding/records/{fill.record_id}/dispense")
    assert "The offer to counsel is required for this fill (OBRA '90" in html.unescape(
        page.get_data(as_text=True)
    )
    answer = dispense_post(technician, fill, counselling="")
    assert "Offer counselling and record the answer: required for a new prescription" in (
        refused_at(answer, "counselling")
    )
    assert fill_of(app, fill.order_id).dispensed_at is None


@pytest.mark.app_config(COUNSEL_OFFER_REQUIRED="none")
def test_a_state_without_the_offer_rule_may_leave_it_unrecorded(app, signed_in, released):
    fill = released()
    assert dispense_post(signed_in("technician"), fill, counselling="").status_code == 303
    assert "counselling not offered" in history(app, fill.order_id)[-1][1]


def test_the_counselling_setting_takes_only_its_three_values():
    base = {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    app = create_app(base | {"COUNSEL_OFFER_REQUIRED": "Every"})
    assert app.extensions["settings"].counsel_offer_required == "every"
    with pytest.raises(ConfigurationError, match="COUNSEL_OFFER_REQUIRED must be one of"):
        create_app(base | {"COUNSEL_OFFER_REQUIRED": "sometimes"})
