"""Bad input anywhere gets an answer (422, a page with the error), never a 500."""

import pytest

from tests.orders.test_workflow import form_data


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-0", "1e5", "0.0001", " 30 "])
def test_odd_quantities_in_the_api_are_checked_or_refused(api, make_document, value):
    r = api.post("/api/v1/checks", json=make_document(quantity=value))
    assert r.status_code in (200, 422), (value, r.status_code)


@pytest.mark.parametrize(
    "path",
    [
        "/orders?page=-1",
        "/orders?page=abc",
        "/orders?received_from=x",
        "/orders?status=bogus",
        "/patients/search?q=%00",
        "/orders/0",
        "/compounding/formulas/999",
        "/compounding/records/999",
        "/reports/monthly?month=9999-99",
        "/orders/1/patient-sheet.pdf?page=zz",
    ],
)
def test_odd_urls_never_break_a_page(signed_in, path):
    r = signed_in("pharmacist").get(path)
    assert r.status_code < 500, (path, r.status_code)


@pytest.mark.parametrize(
    "field,value",
    [
        ("times_per_day", "999999999999999999999"),
        ("quantity", "NaN"),
        ("refills", "-1"),
        ("date_of_birth", "13/45/2000"),
        ("strength", "x" * 500),
        ("dose", "1e999 mg"),
    ],
)
def test_odd_values_in_the_order_form_are_shown_not_crashed_on(
    signed_in, make_document, field, value
):
    data = form_data(make_document()) | {field: value, "save": "1"}
    r = signed_in("technician").post("/orders/new", data=data)
    assert r.status_code < 500, (field, value, r.status_code)


HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    "path",
    [
        f"/orders/{HUGE}",
        f"/orders/{HUGE}/edit",
        f"/orders/{HUGE}/patient-sheet.pdf",
        f"/compounding/formulas/{HUGE}",
        f"/compounding/orders/{HUGE}/start",
        f"/compounding/records/{HUGE}",
        f"/compounding/records/{HUGE}/worksheet.pdf",
        f"/labels/stocks/{HUGE}/calibration.pdf",
        f"/orders?page={HUGE}",
    ],
)
def test_an_id_too_large_for_the_database_is_not_found(signed_in, path):
    r = signed_in("pharmacist").get(path)
    assert r.status_code in (200, 404), (path, r.status_code)


@pytest.mark.parametrize(
    "path",
    [
        f"/orders/{HUGE}/verify",
        f"/orders/{HUGE}/reject",
        f"/compounding/records/{HUGE}/sign-off",
        f"/costs/{HUGE}/void",
        f"/account/tokens/{HUGE}/revoke",
    ],
)
def test_a_post_to_an_id_too_large_is_not_found(signed_in, path):
    assert signed_in("pharmacist").post(path, data={"reason": "a good reason"}).status_code == 404


def test_the_api_answers_404_for_an_id_too_large(api):
    assert api.get(f"/api/v1/orders/{HUGE}").status_code == 404
    assert api.post(f"/api/v1/orders/{HUGE}/verification").status_code == 404


def test_nul_characters_are_refused_at_the_door(api, signed_in, make_document):
    assert signed_in("technician").get("/patients/search?q=ab%00cd").status_code == 400
    document = make_document(patient={"last_name": "Lee\u0000"})
    answer = api.post("/api/v1/orders", json=document)
    assert answer.status_code == 400
    assert "NUL" in answer.get_json()["message"]


@pytest.mark.postgres
def test_on_postgresql_huge_ids_and_nul_characters_are_refused_not_crashed_on(pg_app):
    from pharmacy_app.accounts.models import Role
    from pharmacy_app.accounts.services import create_user, issue_token
    from pharmacy_app.extensions import db
    from tests.conftest import CLEAN_ORDER

    with pg_app.app_context():
        user = create_user("pgtech", "PG Tech", Role.TECHNICIAN, "a long enough password")
        token = issue_token(user, "tests")
        db.session.commit()
    client = pg_app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert client.get("/api/v1/orders/3000000000").status_code == 404
    nul = dict(CLEAN_ORDER, patient=dict(CLEAN_ORDER["patient"], first_name="A\u0000"))
    assert client.post("/api/v1/orders", json=nul).status_code == 400
    assert pg_app.test_client().post("/login", data={"username": "a\u0000b"}).status_code == 400
