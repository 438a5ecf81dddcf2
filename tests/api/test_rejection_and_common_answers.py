"""A rejection takes check_id as a verification does; every operation documents 400, 401 and
503; a 405 names the methods allowed."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order

REASON = "prescriber asked to cancel"


@pytest.fixture
def pharmacist(app, make_user, token_for):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    return client


def status_of(app, order_id):
    with app.app_context():
        return db.session.get(Order, order_id).status


@pytest.mark.parametrize("decision", ["verification", "rejection"])
def test_a_decision_sent_with_an_older_check_id_is_refused_with_409(
    app, api, pharmacist, make_document, decision
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    url = f"/api/v1/orders/{order['id']}/{decision}"
    reason = {"reason": REASON} if decision == "rejection" else {}
    stale = pharmacist.post(url, json=reason | {"check_id": order["check_id"] + 1000})
    assert stale.status_code == 409
    assert "changed since" in stale.get_json()["message"]
    assert status_of(app, order["id"]) == "checked"
    fresh = pharmacist.post(url, json=reason | {"check_id": order["check_id"]})
    assert fresh.status_code == 200


def test_a_field_the_request_does_not_know_is_refused_not_dropped(api, make_document):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    answer = api.post(
        f"/api/v1/orders/{order['id']}/refill-requests",
        json={"requested_by": "patient", "early_reasn": "travel"},
    )
    assert answer.status_code == 422
    assert "early_reasn" in answer.get_json()["errors"]


@pytest.mark.parametrize("decision", ["verification", "rejection"])
@pytest.mark.parametrize("raw", ["1e309", "[]", '"7"', "true", "1.5", "{}"])
def test_a_check_id_that_is_not_an_integer_is_refused_with_422(
    app, api, pharmacist, make_document, decision, raw
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    reason = f'"reason": "{REASON}", ' if decision == "rejection" else ""
    body = f'{{{reason}"check_id": {raw}}}'
    answer = pharmacist.post(
        f"/api/v1/orders/{order['id']}/{decision}",
        data=body,
        content_type="application/json",
    )
    assert answer.status_code == 422
    assert "check_id" in answer.get_json()["errors"]
    assert status_of(app, order["id"]) == "checked"


def test_a_rejection_from_a_page_showing_an_older_check_is_refused(
    app, api, signed_in, make_document
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    client = signed_in("pharmacist")
    page = client.get(f"/orders/{order['id']}").get_data(as_text=True)
    reject_form = page[page.index(f'action="/orders/{order["id"]}/reject"') :]
    assert f'name="check_id" type="hidden" value="{order["check_id"]}"' in reject_form
    answer = client.post(
        f"/orders/{order['id']}/reject",
        data={"reason": REASON, "check_id": str(order["check_id"] + 1000)},
        follow_redirects=True,
    )
    assert "changed since" in answer.get_data(as_text=True)
    assert status_of(app, order["id"]) == "checked"
    client.post(
        f"/orders/{order['id']}/reject", data={"reason": REASON, "check_id": order["check_id"]}
    )
    assert status_of(app, order["id"]) == "rejected"


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(spec):
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_400_401_and_503(spec):
    for path, method, operation in operations(spec):
        responses = operation["responses"]
        assert {"400", "401", "503"} <= set(responses), (method, path)
        assert "NUL" in responses["400"]["description"]
        assert "WWW-Authenticate" in responses["401"]["headers"]
        assert "Retry-After" in responses["503"]["headers"]
        if "requestBody" in operation:
            assert "413" in responses, (method, path)


def conforms(spec, body):
    schema = {"$ref": "#/components/schemas/Problem", "components": spec["components"]}
    Draft202012Validator(schema).validate(body)


def concrete(path):
    return path.replace("{order_id}", "1")


def test_every_operation_answers_401_without_a_token_as_documented(client, spec):
    for path, method, _ in operations(spec):
        answer = client.open(concrete(path), method=method, json={})
        assert answer.status_code == 401, (method, path)
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        conforms(spec, answer.get_json())


def test_every_operation_answers_400_for_a_nul_character_as_documented(api, spec):
    for path, method, _ in operations(spec):
        answer = api.open(concrete(path), method=method, query_string={"q": "a\x00b"}, json={})
        assert answer.status_code == 400, (method, path)
        conforms(spec, answer.get_json())
        assert "NUL" in answer.get_json()["message"]


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/api/v1/orders/1", {"GET", "HEAD", "OPTIONS"}),
        ("GET", "/api/v1/orders", {"POST", "OPTIONS"}),
        ("PUT", "/api/v1/checks", {"POST", "OPTIONS"}),
    ],
)
def test_a_405_from_the_api_names_the_methods_allowed(api, method, path, allowed):
    answer = api.open(path, method=method)
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) == allowed
    assert answer.get_json()["error"] == "Method Not Allowed"


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("GET", "/orders/1/verify", {"POST", "OPTIONS"}),
        ("DELETE", "/orders/new", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("PUT", "/login", {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_a_405_page_names_the_methods_allowed(signed_in, method, path, allowed):
    answer = signed_in("pharmacist").open(path, method=method)
    assert answer.status_code == 405
    assert set(answer.headers["Allow"].replace(" ", "").split(",")) == allowed
    assert answer.mimetype == "text/html"
    assert "Method Not Allowed" in answer.get_data(as_text=True)
