"""Security headers and caching on every kind of response: pages, JSON, PDFs, CSV, errors,
redirects and static files."""

from __future__ import annotations

import pytest
from werkzeug.exceptions import InternalServerError

from tests.labels.conftest import record_for


def assert_secured(response, cached=False):
    """The headers every response carries; `no-store` unless it is a static file."""
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    # No inline script or style and no eval, anywhere.
    assert "unsafe" not in csp
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    if cached:
        assert "no-store" not in headers.get("Cache-Control", "")
    else:
        assert headers["Cache-Control"] == "no-store"
        assert "Expires" not in headers


def test_an_html_page_carries_the_security_headers_and_is_not_stored(signed_in):
    response = signed_in("technician").get("/orders")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert_secured(response)


def test_the_sign_in_page_and_a_redirect_to_it_are_secured(client):
    redirect = client.get("/orders")
    assert redirect.status_code == 302 and "/login" in redirect.headers["Location"]
    assert_secured(redirect)
    assert_secured(client.get("/login"))


def test_a_static_file_carries_the_security_headers_and_may_be_cached(client):
    with client.get("/static/app.css") as response:
        assert response.status_code == 200 and response.mimetype == "text/css"
        assert_secured(response, cached=True)


def test_json_from_the_api_is_secured_including_its_errors(app, api, make_document):
    created = api.post("/api/v1/orders", json=make_document())
    assert created.status_code == 201
    assert_secured(created)
    read = api.get(f"/api/v1/orders/{created.get_json()['id']}")
    assert read.is_json
    assert_secured(read)
    unauthenticated = app.test_client().get("/api/v1/orders/1")
    assert unauthenticated.status_code == 401 and unauthenticated.is_json
    assert_secured(unauthenticated)
    assert_secured(api.get("/api/v1/orders/999999"))


@pytest.mark.slow
def test_a_label_pdf_and_a_worksheet_pdf_are_secured(app, signed_in, ready_order):
    order_id = ready_order()
    technician = signed_in("technician")
    label = technician.post(f"/orders/{order_id}/label")
    assert label.status_code == 200 and label.mimetype == "application/pdf"
    assert_secured(label)
    worksheet = technician.get(
        f"/compounding/records/{record_for(app, order_id)[0].id}/worksheet.pdf"
    )
    assert worksheet.mimetype == "application/pdf"
    assert_secured(worksheet)


def test_the_cost_report_csv_and_pdf_are_secured(signed_in):
    pharmacist = signed_in("pharmacist")
    csv = pharmacist.get("/reports/monthly.csv?month=2026-01")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    csv.get_data()  # a streamed answer: its headers are set before the first row is sent
    assert_secured(csv)
    pdf = pharmacist.get("/reports/monthly.pdf?month=2026-01")
    assert pdf.mimetype == "application/pdf"
    assert_secured(pdf)


@pytest.mark.parametrize("path", ["/no-such-page", "/orders/999999", "/static/missing.css"])
def test_not_found_pages_are_secured(signed_in, path):
    response = signed_in("technician").get(path)
    assert response.status_code == 404
    assert_secured(response)


def test_forbidden_and_server_error_pages_are_secured(app, signed_in):
    def fail():
        raise RuntimeError("a bug")

    app.add_url_rule("/test-only/fail", "test_fail", fail)
    technician = signed_in("technician")
    forbidden = technician.get("/reports/monthly")
    assert forbidden.status_code == 403
    assert_secured(forbidden)
    failed = technician.get("/test-only/fail")
    assert failed.status_code == InternalServerError.code
    assert_secured(failed)
