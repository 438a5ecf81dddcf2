"""The API's Idempotency-Key: a retried call answers as the first did and stores nothing new."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update

from pharmacy_app.extensions import db
from pharmacy_app.idempotency.models import IdempotentRequest
from pharmacy_app.orders.models import Order


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def pharmacist(app, make_user, token_for):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('pharmacist'))}"
    return client


def test_a_retried_order_with_the_same_key_is_stored_once_and_answered_the_same(
    app, api, make_document
):
    headers = {"Idempotency-Key": "2f1c7a7e-order-1"}
    first = api.post("/api/v1/orders", json=make_document(), headers=headers)
    again = api.post("/api/v1/orders", json=make_document(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(app, Order) == 1


def test_the_same_key_in_the_draft_s_quoted_form_is_the_same_key(app, api, make_document):
    api.post("/api/v1/orders", json=make_document(), headers={"Idempotency-Key": "abc-1"})
    quoted = api.post(
        "/api/v1/orders", json=make_document(), headers={"Idempotency-Key": '"abc-1"'}
    )
    assert quoted.status_code == 201
    assert quoted.headers["Idempotent-Replayed"] == "true"
    assert count(app, Order) == 1


def test_json_with_its_keys_in_another_order_is_the_same_request(app, api, make_document):
    document = make_document()
    reordered = dict(reversed(list(document.items())))
    headers = {"Idempotency-Key": "reordered"}
    api.post("/api/v1/orders", json=document, headers=headers)
    assert api.post("/api/v1/orders", json=reordered, headers=headers).status_code == 201
    assert count(app, Order) == 1


def test_the_same_key_with_another_body_is_refused_with_422(app, api, make_document):
    headers = {"Idempotency-Key": "k-1"}
    api.post("/api/v1/orders", json=make_document(), headers=headers)
    other = api.post("/api/v1/orders", json=make_document(quantity=60), headers=headers)
    assert other.status_code == 422
    assert "different request" in other.get_json()["errors"]["Idempotency-Key"][0]
    assert count(app, Order) == 1


def test_the_same_key_on_another_path_is_another_request(app, api, pharmacist, make_document):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    headers = {"Idempotency-Key": "shared"}
    assert pharmacist.post("/api/v1/orders", json=make_document(), headers=headers).status_code
    refused = pharmacist.post(
        f"/api/v1/orders/{order['id']}/verification", json={}, headers=headers
    )
    assert refused.status_code == 422


def test_keys_belong_to_their_user(app, api, pharmacist, make_document):
    headers = {"Idempotency-Key": "same-key"}
    api.post("/api/v1/orders", json=make_document(), headers=headers)
    other_user = pharmacist.post("/api/v1/orders", json=make_document(), headers=headers)
    assert other_user.status_code == 201
    assert "Idempotent-Replayed" not in other_user.headers
    assert count(app, Order) == 2


def test_without_a_key_every_post_stores_an_order(app, api, make_document):
    api.post("/api/v1/orders", json=make_document())
    api.post("/api/v1/orders", json=make_document())
    assert count(app, Order) == 2
    assert count(app, IdempotentRequest) == 0


@pytest.mark.parametrize(
    "key", ["", " ", "a" * 256, "with space", "tab\tkey", "ключ", '"unterminated', '"a"b"']
)
def test_a_malformed_key_is_refused_with_400_and_nothing_stored(app, api, make_document, key):
    answer = api.post("/api/v1/orders", json=make_document(), headers={"Idempotency-Key": key})
    assert answer.status_code == 400
    assert "Idempotency-Key" in answer.get_json()["message"]
    assert count(app, Order) == 0


def test_a_key_of_255_characters_is_accepted(app, api, make_document):
    headers = {"Idempotency-Key": "k" * 255}
    assert api.post("/api/v1/orders", json=make_document(), headers=headers).status_code == 201


def test_a_refused_request_keeps_no_answer_and_may_be_retried_with_its_key(app, api, make_document):
    headers = {"Idempotency-Key": "fix-and-retry"}
    bad = api.post("/api/v1/orders", json=make_document(quantity="x"), headers=headers)
    assert bad.status_code == 422
    assert count(app, IdempotentRequest) == 0
    good = api.post("/api/v1/orders", json=make_document(), headers=headers)
    assert good.status_code == 201
    assert count(app, Order) == 1


def test_a_retried_verification_answers_200_again_and_verifies_once(
    app, api, pharmacist, make_document
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    url = f"/api/v1/orders/{order['id']}/verification"
    headers = {"Idempotency-Key": "verify-1"}
    first = pharmacist.post(url, json={"check_id": order["check_id"]}, headers=headers)
    again = pharmacist.post(url, json={"check_id": order["check_id"]}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert again.get_data() == first.get_data()
    # Without the key the same retry is refused: the order is no longer waiting.
    assert pharmacist.post(url, json={"check_id": order["check_id"]}).status_code == 409
    with app.app_context():
        kinds = [e.kind for e in db.session.get(Order, order["id"]).events]
    assert kinds.count("verified") == 1


def test_a_retried_rejection_and_override_answer_as_the_first_did(
    app, api, pharmacist, make_document
):
    warned = api.post(
        "/api/v1/orders", json=make_document(sig={"dose": "6 mg"}, preparation={"strength": "6 mg"})
    ).get_json()
    override = {"code": "dose.above_usual", "field": "sig.dose", "reason": "Titrated to 6 mg"}
    url = f"/api/v1/orders/{warned['id']}/overrides"
    headers = {"Idempotency-Key": "override-1"}
    first = pharmacist.post(url, json=override, headers=headers)
    assert first.status_code == 200, first.get_json()
    assert pharmacist.post(url, json=override, headers=headers).get_data() == first.get_data()

    order = api.post("/api/v1/orders", json=make_document()).get_json()
    url = f"/api/v1/orders/{order['id']}/rejection"
    headers = {"Idempotency-Key": "reject-1"}
    rejected = pharmacist.post(url, json={"reason": "Wrong patient"}, headers=headers)
    assert rejected.status_code == 200
    again = pharmacist.post(url, json={"reason": "Wrong patient"}, headers=headers)
    assert (again.status_code, again.get_data()) == (200, rejected.get_data())
    with app.app_context():
        kinds = [e.kind for e in db.session.get(Order, order["id"]).events]
    assert kinds.count("rejected") == 1


def test_answers_older_than_the_retention_are_deleted_when_a_new_one_is_stored(
    app, api, make_document
):
    api.post("/api/v1/orders", json=make_document(), headers={"Idempotency-Key": "old"})
    with app.app_context():
        db.session.execute(
            update(IdempotentRequest).values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
            )
        )
        db.session.commit()
    api.post("/api/v1/orders", json=make_document(), headers={"Idempotency-Key": "new"})
    with app.app_context():
        assert db.session.scalars(select(IdempotentRequest.key)).all() == ["new"]


def test_the_openapi_description_documents_the_header_where_it_is_honoured(api):
    from openapi_spec_validator import validate

    spec = api.get("/api/v1/openapi.json").get_json()
    validate(spec)
    honoured = {
        operation["operationId"]
        for path in spec["paths"].values()
        for operation in path.values()
        if {"$ref": "#/components/parameters/IdempotencyKey"} in operation.get("parameters", [])
    }
    assert honoured == {
        "createOrder",
        "overrideWarning",
        "verifyOrder",
        "rejectOrder",
        "requestRefill",
    }
    assert spec["components"]["parameters"]["IdempotencyKey"]["in"] == "header"
    create = spec["paths"]["/api/v1/orders"]["post"]["responses"]
    assert {"400", "409", "422"} <= set(create)
    assert "Idempotent-Replayed" in create["201"]["headers"]
    check = spec["paths"]["/api/v1/checks"]["post"]["responses"]
    assert "Idempotency-Key" not in check["422"]["description"]


def test_the_key_s_answers_match_their_documented_schemas(api, make_document):
    from jsonschema import Draft202012Validator

    spec = api.get("/api/v1/openapi.json").get_json()

    def conforms(name, body):
        schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
        Draft202012Validator(schema).validate(body)

    headers = {"Idempotency-Key": "schema-1"}
    api.post("/api/v1/orders", json=make_document(), headers=headers)
    conforms("Order", api.post("/api/v1/orders", json=make_document(), headers=headers).get_json())
    other = api.post("/api/v1/orders", json=make_document(refills=0), headers=headers)
    conforms("ValidationErrors", other.get_json())
    bad = api.post("/api/v1/orders", json=make_document(), headers={"Idempotency-Key": ""})
    conforms("Problem", bad.get_json())
