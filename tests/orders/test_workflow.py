"""Overrides, verification and rejection, through the pages and the API."""

from __future__ import annotations

import pytest

from pharmacy_app.accounts.services import pharmacy_settings
from pharmacy_app.extensions import db
from tests.conftest import seen

HIGH_DOSE = {"preparation": {"strength": "6 mg"}, "sig": {"dose": "6 mg"}}


@pytest.fixture
def pharmacist_api(app, make_user, token_for):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    return client


def create(api, make_document, **changes):
    return api.post("/api/v1/orders", json=make_document(**changes)).get_json()


def test_a_clean_order_is_verified_by_a_pharmacist(api, pharmacist_api, make_document):
    order = create(api, make_document)
    answer = pharmacist_api.post(f"/api/v1/orders/{order['id']}/verification")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "verified" and body["verified_by"].startswith("pharmacist")


def test_a_warning_must_be_overridden_with_a_reason_before_verifying(
    api, pharmacist_api, make_document
):
    order = create(api, make_document, **HIGH_DOSE)
    url = f"/api/v1/orders/{order['id']}"
    refused = pharmacist_api.post(f"{url}/verification")
    assert refused.status_code == 409
    assert "dose.above_usual" in refused.get_json()["message"]
    no_reason = pharmacist_api.post(
        f"{url}/overrides", json={"code": "dose.above_usual", "field": "sig.dose", "reason": ""}
    )
    assert no_reason.status_code == 409
    pharmacist_api.post(
        f"{url}/overrides",
        json={
            "code": "dose.above_usual",
            "field": "sig.dose",
            "reason": "Prescriber confirmed 6 mg",
        },
    )
    assert pharmacist_api.post(f"{url}/verification").get_json()["status"] == "verified"


def test_a_block_cannot_be_overridden_or_verified_but_can_be_rejected(
    api, pharmacist_api, make_document
):
    order = create(api, make_document, preparation={"release": "SR"})
    url = f"/api/v1/orders/{order['id']}"
    override = pharmacist_api.post(
        f"{url}/overrides",
        json={
            "code": "release.modified",
            "field": "preparation.release",
            "reason": "I insist, really",
        },
    )
    assert override.status_code == 409
    assert "cannot be overridden" in override.get_json()["message"]
    assert pharmacist_api.post(f"{url}/verification").status_code == 409
    rejected = pharmacist_api.post(f"{url}/rejection", json={"reason": "SR requested; called"})
    assert rejected.get_json()["status"] == "rejected"


def test_a_pharmacist_may_not_verify_their_own_entry_unless_allowed(
    app, make_user, token_for, make_document
):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    order = create(client, make_document)
    refused = client.post(f"/api/v1/orders/{order['id']}/verification")
    assert refused.status_code == 409
    assert "another pharmacist" in refused.get_json()["message"]
    with app.app_context():
        pharmacy_settings().allow_self_verification = True
        db.session.commit()
    assert client.post(f"/api/v1/orders/{order['id']}/verification").status_code == 200


def test_a_pharmacist_who_changed_an_order_may_not_verify_it_alone(
    app, api, make_user, token_for, signed_in, make_document
):
    order = create(api, make_document)  # entered by a technician
    pharmacist = signed_in("pharmacist")
    data = form_data(make_document(preparation={"strength": "3 mg"}, sig={"text": ""}))
    assert (
        pharmacist.post(f"/orders/{order['id']}/edit", data=data | {"save": "1"}).status_code == 302
    )
    same = app.test_client()
    same.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(pharmacist.user)}"
    refused = same.post(f"/api/v1/orders/{order['id']}/verification")
    assert refused.status_code == 409
    assert "entered or changed this order" in refused.get_json()["message"]
    other = app.test_client()
    other.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    assert other.post(f"/api/v1/orders/{order['id']}/verification").status_code == 200


def test_an_edit_after_verification_sends_the_order_back(
    app, api, pharmacist_api, signed_in, make_document
):
    order = create(api, make_document)
    pharmacist_api.post(f"/api/v1/orders/{order['id']}/verification")
    technician = signed_in("technician")
    form = technician.get(f"/orders/{order['id']}/edit").get_data(as_text=True)
    assert 'value="Lee"' in form
    data = form_data(make_document(sig={"text": "Take 1 capsule at bedtime with water"}))
    response = technician.post(f"/orders/{order['id']}/edit", data=data | {"save": "1"})
    assert response.status_code == 302
    body = api.get(f"/api/v1/orders/{order['id']}").get_json()
    assert body["status"] == "checked" and body["verified_by"] is None
    page = technician.get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "Edited after verification" in page


def test_overrides_carry_over_an_edit_only_while_the_finding_is_unchanged(
    api, pharmacist_api, signed_in, make_document
):
    order = create(api, make_document, **HIGH_DOSE)
    url = f"/api/v1/orders/{order['id']}"
    pharmacist_api.post(
        f"{url}/overrides",
        json={"code": "dose.above_usual", "field": "sig.dose", "reason": "Prescriber confirmed"},
    )
    technician = signed_in("technician")
    same = form_data(make_document(**HIGH_DOSE, refills=3))
    technician.post(f"/orders/{order['id']}/edit", data=same | {"save": "1"})
    assert pharmacist_api.post(f"{url}/verification").status_code == 200
    higher = form_data(make_document(preparation={"strength": "5.5 mg"}, sig={"dose": "5.5 mg"}))
    technician.post(f"/orders/{order['id']}/edit", data=higher | {"save": "1"})
    assert pharmacist_api.post(f"{url}/verification").status_code == 409


def test_the_detail_page_shows_who_did_what(app, api, pharmacist_api, signed_in, make_document):
    order = create(api, make_document, **HIGH_DOSE)
    client = signed_in("pharmacist")
    client.post(
        f"/orders/{order['id']}/overrides",
        data=seen(
            app,
            order["id"],
            code="dose.above_usual",
            field="sig.dose",
            reason="Titration plan on file",
        ),
    )
    client.post(f"/orders/{order['id']}/verify", data=seen(app, order["id"]))
    page = client.get(f"/orders/{order['id']}").get_data(as_text=True)
    assert "Titration plan on file" in page
    assert "verified" in page and "overridden" in page and "created" in page


def test_a_technician_cannot_decide_even_by_posting_directly(api, signed_in, make_document):
    order = create(api, make_document)
    technician = signed_in("technician")
    assert technician.post(f"/orders/{order['id']}/verify").status_code == 403
    assert api.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "checked"


def form_data(document):
    """The order form's fields for an order document."""
    patient, prescriber = document["patient"], document["prescriber"]
    preparation, sig = document["preparation"], document["sig"]
    return {
        "first_name": patient["first_name"],
        "last_name": patient["last_name"],
        "date_of_birth": patient["date_of_birth"],
        "medications": "\n".join(patient["medications"]),
        "allergies": "\n".join(patient["allergies"]),
        "conditions": "\n".join(patient["conditions"]),
        "prescriber_name": prescriber["name"],
        "credential": prescriber["credential"],
        "license_number": prescriber["license_number"],
        "state": prescriber["state"],
        "npi": prescriber.get("npi", ""),
        "prescriber_phone": prescriber.get("phone", ""),
        "prescriber_fax": prescriber.get("fax", ""),
        "strength": preparation["strength"],
        "dosage_form": preparation["dosage_form"],
        "release": preparation["release"],
        "excipients": "\n".join(preparation["excipients"]),
        "dose": sig["dose"],
        "times_per_day": str(sig["times_per_day"]),
        "time_of_day": sig["time_of_day"],
        "sig_text": sig["text"],
        "quantity": str(document["quantity"]),
        "days_supply": str(document["days_supply"]),
        "refills": str(document["refills"]),
        "date_written": document.get("date_written") or "",
        "date_received": document.get("date_received") or "2026-11-20",
    }


@pytest.mark.parametrize("check_id", [None, "", "abc", "1e309", "-1"])
def test_a_web_decision_must_say_which_check_it_was_made_on(
    app, api, signed_in, make_document, check_id
):
    """Every decision form carries the check the page showed; one without it (or with
    something else) is refused, since nobody can say what the pharmacist saw."""
    order = create(api, make_document)
    client = signed_in("pharmacist")
    data = {} if check_id is None else {"check_id": check_id}
    page = client.post(f"/orders/{order['id']}/verify", data=data, follow_redirects=True)
    assert "does not say which check of the order you saw" in page.get_data(as_text=True)
    assert api.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "checked"
    client.post(f"/orders/{order['id']}/verify", data=seen(app, order["id"]))
    assert api.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "verified"


@pytest.mark.parametrize("check_id", ["²", "١٧٩", "𝟏"])
def test_a_check_id_in_other_digits_is_refused_not_a_500(
    app, api, signed_in, make_document, check_id
):
    order = create(api, make_document)
    client = signed_in("pharmacist")
    for action in ("verify", "reject"):
        page = client.post(
            f"/orders/{order['id']}/{action}", data={"check_id": check_id, "reason": "not needed"}
        )
        assert page.status_code == 302
    assert api.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "checked"
