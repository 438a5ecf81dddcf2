"""An order is attached to the prescriber record of the person it names, and a licence on
file for someone else is flagged (issue 9, item 2): the page and the label name the
prescriber whose credential the checker judged."""

from __future__ import annotations

from sqlalchemy import func, select

from pharmacy_app.extensions import db
from pharmacy_app.orders.prescribers import Prescriber
from tests.orders.test_workflow import form_data


def _codes(answer):
    return {(f["code"], f["severity"]) for f in answer["findings"]}


def test_someone_else_with_a_licence_on_file_is_blocked_and_not_attached(
    app, api, signed_in, make_document
):
    dana = api.post("/api/v1/orders", json=make_document()).get_json()
    other = api.post(
        "/api/v1/orders",
        json=make_document(prescriber={"name": "Someone Else", "credential": "ND"}),
    )
    assert other.status_code == 201
    answer = other.get_json()
    assert ("prescriber.licence_on_file_credential", "block") in _codes(answer)
    assert answer["verdict"] == "block"
    assert answer["prescriber_id"] != dana["prescriber_id"]
    page = signed_in("technician").get(f"/orders/{answer['id']}").get_data(as_text=True)
    assert "Someone Else, ND" in page
    with app.app_context():
        assert db.session.get(Prescriber, dana["prescriber_id"]).name == "Dana Ruiz"


def test_the_same_prescriber_written_otherwise_is_one_record(app, api, make_document):
    first = api.post("/api/v1/orders", json=make_document()).get_json()
    again = api.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "Bea"},
            prescriber={"name": "Dr. Dana M. Ruiz", "credential": "M.D.", "state": "or"},
        ),
    ).get_json()
    assert again["prescriber_id"] == first["prescriber_id"]
    assert not any(".licence_on_file" in f["code"] for f in again["findings"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Prescriber)) == 1


def test_a_changed_name_warns_for_the_pharmacist_to_confirm(app, api, make_document):
    first = api.post("/api/v1/orders", json=make_document()).get_json()
    renamed = api.post(
        "/api/v1/orders",
        json=make_document(patient={"first_name": "Bea"}, prescriber={"name": "Dana Smith"}),
    ).get_json()
    assert ("prescriber.licence_on_file_name", "warn") in _codes(renamed)
    assert renamed["prescriber_id"] != first["prescriber_id"]
    # The live check of the order form says the same before anything is saved.
    checked = api.post(
        "/api/v1/checks",
        json=make_document(prescriber={"name": "Someone Else", "credential": "ND"}),
    ).get_json()
    assert ("prescriber.licence_on_file_credential", "block") in _codes(checked)


def _on_file_codes(answer):
    return [f["code"] for f in answer["findings"] if ".licence_on_file" in f["code"]]


def test_a_typo_rejected_or_corrected_no_longer_counts_against_the_prescriber(
    app, api, make_user, token_for, make_document
):
    """A credential typed wrongly makes a record of its own; once its order is rejected (or
    edited to the right credential) that record stands for nobody and flags no one."""
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    api.post("/api/v1/orders", json=make_document())
    typo = api.post(
        "/api/v1/orders",
        json=make_document(patient={"first_name": "Bea"}, prescriber={"credential": "DO"}),
    ).get_json()
    assert _on_file_codes(typo) == ["prescriber.licence_on_file_credential"]
    # While the typo's order is open, the licence is on file for two: both are told.
    assert _on_file_codes(api.post("/api/v1/checks", json=make_document()).get_json()) == [
        "prescriber.licence_on_file_credential"
    ]
    rejected = pharmacist.post(
        f"/api/v1/orders/{typo['id']}/rejection",
        json={"reason": "credential typed wrongly", "check_id": typo["check_id"]},
    )
    assert rejected.status_code == 200, rejected.get_json()
    assert _on_file_codes(api.post("/api/v1/checks", json=make_document()).get_json()) == []


def test_an_order_edited_to_the_right_credential_is_judged_without_its_old_record(
    app, signed_in, api, make_document
):
    api.post("/api/v1/orders", json=make_document())
    typo = api.post(
        "/api/v1/orders",
        json=make_document(patient={"first_name": "Bea"}, prescriber={"credential": "DO"}),
    ).get_json()
    technician = signed_in("technician")
    fixed = technician.post(
        f"/orders/{typo['id']}/edit",
        data=form_data(make_document(patient={"first_name": "Bea"})) | {"save": "1"},
    )
    assert fixed.status_code == 302, fixed.get_data(as_text=True)[:500]
    again = api.get(f"/api/v1/orders/{typo['id']}").get_json()
    assert _on_file_codes(again) == []
    assert _on_file_codes(api.post("/api/v1/checks", json=make_document()).get_json()) == []


def test_a_licence_written_otherwise_finds_its_records(app, api, make_document):
    """The licence and state are compared as records keep them: "QA-56622" is QA56622, and
    "California" is CA."""
    maria = {"name": "Maria Lopez", "credential": "MD", "license_number": "QA56622", "state": "CA"}
    first = api.post("/api/v1/orders", json=make_document(prescriber=maria)).get_json()
    for licence, state in (("QA-56622", "CA"), ("qa 56622", "California"), ("QA56622", "Calif.")):
        same = make_document(
            patient={"first_name": "Bea"},
            prescriber=maria | {"license_number": licence, "state": state},
        )
        assert (
            api.post("/api/v1/orders", json=same).get_json()["prescriber_id"]
            == (first["prescriber_id"])
        )
        typo = make_document(
            prescriber=maria | {"license_number": licence, "state": state, "credential": "DO"}
        )
        assert _on_file_codes(api.post("/api/v1/checks", json=typo).get_json()) == [
            "prescriber.licence_on_file_credential"
        ]
    with app.app_context():
        record = db.session.get(Prescriber, first["prescriber_id"])
        assert (record.license_number, record.state) == ("QA56622", "CA")


def test_prescribers_are_found_and_filtered_by_licence_however_written(
    api, signed_in, make_document
):
    api.post("/api/v1/orders", json=make_document(prescriber={"license_number": "MD-154210"}))
    technician = signed_in("technician")
    found = technician.get("/prescribers/search?q=md-1542").get_json()
    assert [p["name"] for p in found] == ["Dana Ruiz"]
    queue = technician.get("/orders?prescriber=md%20154210").get_data(as_text=True)
    assert "Dana Ruiz" in queue and "RX-" in queue
