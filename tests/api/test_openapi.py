"""The OpenAPI description is valid, and real answers match it."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate


@pytest.fixture
def spec(api):
    return api.get("/api/v1/openapi.json").get_json()


def conforms(spec, schema_name, body):
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": spec["components"]}
    Draft202012Validator(schema).validate(body)


def test_the_description_is_valid_openapi(spec):
    validate(spec)
    assert {"/api/v1/checks", "/api/v1/orders", "/api/v1/orders/{order_id}"} <= set(spec["paths"])


def test_every_path_in_the_description_is_served(app, spec):
    served = {
        rule.rule.replace("<int:order_id>", "{order_id}") for rule in app.url_map.iter_rules()
    }
    assert set(spec["paths"]) <= served


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"preparation": {"release": "SR"}},
        {
            "preparation": {
                "dosage_form": "oral_liquid",
                "strength": "1 mg/mL",
                "excipients": ["purified water"],
            },
            "sig": {"dose": "4.5 mL"},
            "quantity": 135,
        },
    ],
)
def test_answers_match_their_schemas(api, spec, make_document, changes):
    document = make_document(**changes)
    conforms(spec, "OrderDocument", document)
    checked = api.post("/api/v1/checks", json=document)
    conforms(spec, "CheckResult", checked.get_json())
    created = api.post("/api/v1/orders", json=document)
    assert created.status_code == 201
    conforms(spec, "Order", created.get_json())
    read = api.get(f"/api/v1/orders/{created.get_json()['id']}")
    conforms(spec, "Order", read.get_json())


def test_errors_match_their_schemas(api, spec, make_document):
    conforms(
        spec,
        "ValidationErrors",
        api.post("/api/v1/checks", json=make_document(quantity="x")).get_json(),
    )
    conforms(spec, "Problem", api.get("/api/v1/orders/12345").get_json())


def test_the_document_schema_refuses_what_the_api_refuses(spec, make_document):
    schema = {"$ref": "#/components/schemas/OrderDocument", "components": spec["components"]}
    validator = Draft202012Validator(schema)
    assert not validator.is_valid(make_document(unknown=1))
    assert not validator.is_valid(make_document(sig={"times_per_day": 0}))


def test_the_decisions_and_every_status_are_described(spec):
    assert {
        "/api/v1/orders/{order_id}/overrides",
        "/api/v1/orders/{order_id}/verification",
        "/api/v1/orders/{order_id}/rejection",
    } <= set(spec["paths"])
    statuses = spec["components"]["schemas"]["Order"]["properties"]["status"]["enum"]
    assert {"verified", "rejected", "compounded", "dispensed"} <= set(statuses)


def test_a_verified_order_matches_its_schema(app, api, spec, make_user, token_for, make_document):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    pharmacist = app.test_client()
    pharmacist.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    verified = pharmacist.post(f"/api/v1/orders/{order['id']}/verification").get_json()
    conforms(spec, "Order", verified)
