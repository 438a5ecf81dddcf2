"""Entering an order in the browser form: defaults, checks at the field, nothing lost."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from tests.orders.test_workflow import form_data


def count_orders(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


def test_the_form_starts_with_the_usual_ldn_defaults(signed_in):
    page = signed_in("technician").get("/orders/new").get_data(as_text=True)
    assert '<option selected value="capsule">' in page
    assert 'value="IR"' in page
    assert "microcrystalline cellulose</textarea>" in page
    assert '<option selected value="bedtime">' in page
    assert 'name="days_supply" required type="number" value="30"' in page


def test_check_shows_findings_beside_their_fields_without_saving(app, signed_in, make_document):
    data = form_data(make_document(preparation={"release": "SR", "excipients": ["MCC", "CaCO3"]}))
    page = signed_in("technician").post("/orders/new", data=data | {"check": "1"})
    text = page.get_data(as_text=True)
    release_field = text.split('data-field="release"')[1].split('data-field="excipients"')[0]
    assert "release.modified" in release_field and "finding-block" in release_field
    excipients_field = text.split('data-field="excipients"')[1].split("</fieldset>")[0]
    assert "Line 2:" not in excipients_field  # server side shows the finding itself
    assert "Calcium carbonate filler" in excipients_field
    assert count_orders(app) == 0


def test_bad_input_is_shown_at_its_field_and_nothing_typed_is_lost(app, signed_in, make_document):
    data = form_data(make_document()) | {
        "strength": "4,5 mg",
        "medications": "tramadol 50 mg",
        "save": "1",
    }
    page = signed_in("technician").post("/orders/new", data=data)
    text = page.get_data(as_text=True)
    strength_field = text.split('data-field="strength"')[1].split('data-field="dosage_form"')[0]
    assert "write decimals with a point" in strength_field
    assert 'value="4,5 mg"' in text and "tramadol 50 mg</textarea>" in text
    assert count_orders(app) == 0


def test_saving_stores_the_order_with_its_findings_and_who_entered_it(
    app, signed_in, api, make_document
):
    client = signed_in("technician")
    data = form_data(make_document(patient={"medications": ["Norco 5/325"]}))
    response = client.post("/orders/new", data=data | {"save": "1"})
    assert response.status_code == 302
    order_id = int(response.headers["Location"].rsplit("/", 1)[1])
    body = api.get(f"/api/v1/orders/{order_id}").get_json()
    assert body["verdict"] == "block" and body["status"] == "checked"
    assert body["entered_by"] == client.user.username
    assert body["findings"][0]["field"] == "patient.medications[0]"


def test_save_as_draft_keeps_the_order_out_of_verification(signed_in, api, make_document):
    client = signed_in("technician")
    response = client.post("/orders/new", data=form_data(make_document()) | {"save_draft": "1"})
    order_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert api.get(f"/api/v1/orders/{order_id}").get_json()["status"] == "draft"


def test_live_check_answers_by_form_field(signed_in, make_document):
    data = form_data(make_document(patient={"medications": ["levothyroxine", "Percocet"]}))
    answer = signed_in("technician").post("/orders/check", data=data).get_json()
    assert answer["verdict"] == "block"
    assert answer["verdict_label"] == "Blocked"  # the badge's words, defined once
    assert answer["findings"]["medications"][0]["line"] == 2
    broken = signed_in("technician").post("/orders/check", data=data | {"dose": "lots"}).get_json()
    assert broken["verdict"] is None and "dose" in broken["errors"]


def test_patients_and_prescribers_are_found_by_a_few_letters(api, signed_in, make_document):
    api.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "Zoë", "last_name": "O'Brien", "date_of_birth": "1981-04-05"}
        ),
    )
    client = signed_in("technician")
    # Apostrophes and accents are folded away: "obr", "o'bri" and "O’Bri" all find O'Brien.
    for typed in ("obr", "o'bri", "O’Bri", "zoe obrien"):
        found = client.get(f"/patients/search?q={typed}").get_json()
        assert [p["first_name"] for p in found] == ["Zoë"], typed
    assert client.get("/patients/search?q=zo").get_json()[0]["last_name"] == "O'Brien"
    assert client.get("/patients/search?q=1981-04-05").get_json()[0]["first_name"] == "Zoë"
    assert client.get("/patients/search?q=04/05/1981").get_json()[0]["first_name"] == "Zoë"
    assert client.get("/prescribers/search?q=ruiz").get_json()[0]["license_number"] == "MD154210"
    assert client.get("/prescribers/search?q=md1542").get_json()[0]["name"] == "Dana Ruiz"
    assert client.get("/patients/search?q=%25").get_json() == []


def test_a_rejected_order_cannot_be_edited(
    api, app, make_user, token_for, signed_in, make_document
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    pharmacist.post(f"/api/v1/orders/{order['id']}/rejection", json={"reason": "Duplicate order"})
    client = signed_in("technician")
    response = client.post(
        f"/orders/{order['id']}/edit", data=form_data(make_document()) | {"save": "1"}
    )
    assert response.status_code == 302
    assert api.get(f"/api/v1/orders/{order['id']}").get_json()["status"] == "rejected"


def test_a_name_typed_with_other_apostrophes_or_accents_is_the_same_patient(api, make_document):
    ids = {
        api.post(
            "/api/v1/orders",
            json=make_document(
                patient={"first_name": first, "last_name": last, "date_of_birth": "1975-08-09"}
            ),
        ).get_json()["patient_id"]
        for first, last in [
            ("Siobhán", "O'Brien"),
            ("Siobhan", "O’Brien"),
            ("SIOBHAN", "OBrien"),
            ("Siobhán", "O'Brien "),
        ]
    }
    assert len(ids) == 1


def test_the_queue_finds_a_patient_without_their_accents(api, signed_in, make_document):
    api.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "Lucía", "last_name": "Fernández", "date_of_birth": "1990-01-02"}
        ),
    )
    page = signed_in("technician").get("/orders?patient=fernandez").get_data(as_text=True)
    assert "Fernández" in page


def test_a_two_digit_birth_year_is_the_latest_past_one(app, signed_in, api, make_document):
    data = form_data(make_document()) | {"date_of_birth": "03/14/68", "save": "1"}
    response = signed_in("technician").post("/orders/new", data=data)
    order_id = int(response.headers["Location"].rsplit("/", 1)[1])
    body = api.get(f"/api/v1/orders/{order_id}").get_json()
    assert body["document"]["patient"]["date_of_birth"] == "1968-03-14"


def test_the_live_check_reports_a_date_it_cannot_read_instead_of_passing(signed_in, make_document):
    data = form_data(make_document()) | {"date_written": "11/20/20026"}
    answer = signed_in("technician").post("/orders/check", data=data).get_json()
    assert answer["verdict"] is None
    assert answer["errors"]["date_written"] == [
        "Write the date as MM/DD/YYYY (for example 03/14/1968)."
    ]


def test_half_a_capsule_in_the_quantity_is_refused_at_the_field(app, signed_in, make_document):
    data = form_data(make_document()) | {"quantity": "30.5", "save": "1"}
    text = signed_in("technician").post("/orders/new", data=data).get_data(as_text=True)
    quantity_field = text.split('data-field="quantity"')[1].split("</div>")[0]
    assert "Capsules are counted whole" in quantity_field
    assert count_orders(app) == 0


def test_the_received_date_defaults_to_the_pharmacy_s_own_date(app, signed_in):
    from pharmacy_app.timeutil import pharmacy_today

    with app.app_context():
        today = pharmacy_today()
    page = signed_in("technician").get("/orders/new").get_data(as_text=True)
    assert f'value="{today.strftime("%m/%d/%Y")}"' in page or f'value="{today}"' in page


def test_an_order_sent_without_a_received_date_edits_with_the_date_it_was_stored(
    api, signed_in, make_document
):
    document = make_document()
    document.pop("date_received", None)
    order = api.post("/api/v1/orders", json=document).get_json()
    page = signed_in("technician").get(f"/orders/{order['id']}/edit").get_data(as_text=True)
    stored = api.get(f"/api/v1/orders/{order['id']}").get_json()
    assert stored["document"].get("date_received") is None
    received = re.search(r'name="date_received"[^>]*value="([^"]+)"', page)
    assert received and received[1]
