"""The JSON API: checks, orders, malformed input and errors as JSON."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order, OrderCheck
from pharmacy_app.orders.patients import Patient
from pharmacy_app.orders.prescribers import Prescriber


def row_counts(app):
    with app.app_context():
        return [
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Order, OrderCheck, Patient, Prescriber)
        ]


def test_check_answers_verdict_and_findings_and_stores_nothing(app, api, make_document):
    response = api.post("/api/v1/checks", json=make_document(preparation={"release": "SR"}))
    assert response.status_code == 200
    body = response.get_json()
    assert body["verdict"] == "block"
    assert body["findings"][0]["code"] == "release.modified"
    assert body["findings"][0]["field"] == "preparation.release"
    assert row_counts(app) == [0, 0, 0, 0]


def test_a_clean_order_passes(api, make_document):
    body = api.post("/api/v1/checks", json=make_document()).get_json()
    assert body == {
        "verdict": "pass",
        "findings": [],
        "dose": {"mg_per_dose": "4.5", "mg_per_day": "4.5", "ml_per_dose": None},
    }


def test_creating_an_order_stores_it_with_its_check(app, api, make_document):
    response = api.post(
        "/api/v1/orders", json=make_document(sig={"dose": "6 mg"}, preparation={"strength": "6 mg"})
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["rx_number"] == "RX-100001"
    assert body["verdict"] == "warn"
    assert [f["code"] for f in body["findings"]] == ["dose.above_usual"]
    assert response.headers["Location"].endswith(f"/api/v1/orders/{body['id']}")
    again = api.get(f"/api/v1/orders/{body['id']}").get_json()
    assert again["rx_number"] == "RX-100001"
    assert again["status"] == "checked"
    assert again["document"]["sig"]["dose"] == "6 mg"
    assert row_counts(app) == [1, 1, 1, 1]


def test_rx_numbers_follow_on_and_patients_are_reused(app, api, make_document):
    first = api.post("/api/v1/orders", json=make_document()).get_json()
    second = api.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "ANN", "last_name": "lee", "medications": ["Norco 5/325"]}
        ),
    ).get_json()
    assert (first["rx_number"], second["rx_number"]) == ("RX-100001", "RX-100002")
    assert first["patient_id"] == second["patient_id"]
    assert first["prescriber_id"] == second["prescriber_id"]
    assert second["verdict"] == "block"
    with app.app_context():
        patient = db.session.get(Patient, first["patient_id"])
        assert patient.medications == ["Norco 5/325"]


def test_unknown_order_is_a_json_404(api):
    response = api.get("/api/v1/orders/999")
    assert response.status_code == 404
    assert response.get_json()["error"] == "Not Found"


def test_unknown_api_path_and_wrong_method_are_json(api):
    assert api.get("/api/v1/nothing").get_json()["error"] == "Not Found"
    response = api.get("/api/v1/checks")
    assert response.status_code == 405
    assert response.is_json


MALFORMED = [
    ("not json at all", "application/json", ""),
    ('{"patient": ', "application/json", ""),
    ("[1, 2]", "application/json", ""),
    ("null", "application/json", ""),
    ("[" * 100_000, "application/json", ""),
    ('{"a": 1}', "text/plain", ""),
]


@pytest.mark.parametrize(("body", "content_type", "path"), MALFORMED)
@pytest.mark.parametrize("endpoint", ["/api/v1/checks", "/api/v1/orders"])
def test_bodies_that_are_not_a_json_object_get_422(app, api, endpoint, body, content_type, path):
    response = api.post(endpoint, data=body, content_type=content_type)
    assert response.status_code == 422
    assert path in response.get_json()["errors"]
    assert row_counts(app) == [0, 0, 0, 0]


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"patient": {"date_of_birth": "1970-13-01"}}, "patient.date_of_birth"),
        ({"preparation": {"strength": "some mg"}}, "preparation.strength"),
        ({"preparation": {"excipients": ["MCC", {"name": "x"}]}}, "preparation.excipients[1]"),
        ({"sig": {"dose": "4.5 mgg"}}, "sig.dose"),
        ({"quantity": "thirty"}, "quantity"),
        ({"quantity": 10**12}, "quantity"),
        ({"refills": 2.5}, "refills"),
        ({"extra": "field"}, "extra"),
    ],
)
def test_malformed_documents_get_422_with_the_field_and_store_nothing(
    app, api, make_document, overrides, path
):
    response = api.post("/api/v1/orders", json=make_document(**overrides))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == [path]
    assert row_counts(app) == [0, 0, 0, 0]


def test_a_missing_field_gets_422(api, make_document):
    document = make_document()
    del document["prescriber"]["name"]
    response = api.post("/api/v1/checks", json=document)
    assert response.get_json() == {"errors": {"prescriber.name": ["This field is required."]}}


def test_a_body_over_the_size_limit_is_a_json_413(api, make_document):
    document = make_document(sig={"text": "x" * 300_000})
    response = api.post(
        "/api/v1/checks", data=json.dumps(document), content_type="application/json"
    )
    assert response.status_code == 413
    assert response.is_json


def test_a_failure_while_storing_leaves_nothing_half_saved(app, api, make_document, monkeypatch):
    from pharmacy_app.orders import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_record_check", broken)
    response = api.post("/api/v1/orders", json=make_document())
    assert response.status_code == 500
    assert response.get_json()["error"] == "Internal Server Error"
    assert "disk full" not in response.get_data(as_text=True)
    assert row_counts(app) == [0, 0, 0, 0]
    monkeypatch.undo()
    assert api.post("/api/v1/orders", json=make_document()).get_json()["rx_number"] == ("RX-100001")


def test_a_second_open_order_for_the_same_patient_warns_of_a_duplicate(api, make_document):
    first = api.post("/api/v1/orders", json=make_document()).get_json()
    assert "duplicate.open_order" not in [f["code"] for f in first["findings"]]
    second = api.post("/api/v1/orders", json=make_document()).get_json()
    duplicates = [f for f in second["findings"] if f["code"] == "duplicate.open_order"]
    assert [(f["severity"], f["field"]) for f in duplicates] == [("warn", "patient")]
    assert first["rx_number"] in duplicates[0]["message"]
    # Checking without storing sees the open orders too, and names both.
    checked = api.post("/api/v1/checks", json=make_document()).get_json()
    message = next(f["message"] for f in checked["findings"] if f["code"] == "duplicate.open_order")
    assert first["rx_number"] in message and second["rx_number"] in message


def test_another_patient_s_orders_are_no_duplicate(api, make_document):
    api.post("/api/v1/orders", json=make_document())
    other = make_document(patient={"first_name": "Pat", "date_of_birth": "1955-05-05"})
    codes = [f["code"] for f in api.post("/api/v1/orders", json=other).get_json()["findings"]]
    assert "duplicate.open_order" not in codes


def test_decision_bodies_take_text_only_and_of_a_sane_length(
    app, api, make_user, token_for, make_document
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    url = f"/api/v1/orders/{order['id']}/rejection"
    for reason in (["a b c d e"], 12345, "x" * 501):
        answer = pharmacist.post(url, json={"reason": reason})
        assert answer.status_code == 422, reason
        assert "reason" in answer.get_json()["errors"]


def test_a_verification_sent_with_an_older_check_id_is_refused(
    app, api, make_user, token_for, make_document
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    url = f"/api/v1/orders/{order['id']}/verification"
    stale = pharmacist.post(url, json={"check_id": order["check_id"] + 1000})
    assert stale.status_code == 409
    assert "changed since" in stale.get_json()["message"]
    assert pharmacist.post(url, json={"check_id": order["check_id"]}).status_code == 200


def test_an_open_order_for_another_form_is_information_only(api, make_document):
    api.post("/api/v1/orders", json=make_document())
    cream = make_document(
        preparation={
            "dosage_form": "topical_cream",
            "strength": "0.5 mg/mL",
            "excipients": ["Lipoderm"],
            "release": "",
        },
        sig={"dose": "1 mL", "text": ""},
    )
    findings = api.post("/api/v1/checks", json=cream).get_json()["findings"]
    codes = {f["code"]: f["severity"] for f in findings}
    assert codes.get("duplicate.other_open_order") == "info"
    assert "duplicate.open_order" not in codes
