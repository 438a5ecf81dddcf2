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
