"""A post with a missing or stale form token: checked after sign-in, so a signed-out visitor
learns nothing about an order, and an unknown order is a 404, not a 500."""

from __future__ import annotations

import re
import shutil

import pytest

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Role
from pharmacy_app.accounts.services import create_user
from pharmacy_app.extensions import db
from tests.conftest import CLEAN_ORDER

PASSWORD = "a long enough password"


@pytest.fixture
def csrf_app(tmp_path, migrated_sqlite):
    """The app with form tokens checked (the shared fixture switches them off)."""
    database = tmp_path / "csrf.sqlite3"
    shutil.copy(migrated_sqlite, database)
    app = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "TESTING": True}
    )
    with app.app_context():
        create_user("tina", "Tina T", Role.TECHNICIAN, PASSWORD)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def order(csrf_app):
    """An order stored through the API: (id, Rx number)."""
    from pharmacy_app.accounts.services import issue_token

    with csrf_app.app_context():
        from pharmacy_app.accounts.models import User

        token = issue_token(db.session.scalars(db.select(User)).one(), "tests")
        db.session.commit()
    answer = csrf_app.test_client().post(
        "/api/v1/orders", json=CLEAN_ORDER, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()["id"], answer.get_json()["rx_number"]


def signed_in(app):
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    answer = client.post(
        "/login", data={"csrf_token": token, "username": "tina", "password": PASSWORD}
    )
    assert answer.status_code == 302
    return client


@pytest.mark.parametrize("token", [None, "stale"])
def test_signed_out_a_post_to_an_order_is_sent_to_sign_in_and_names_nothing(csrf_app, order, token):
    order_id, rx_number = order
    data = {"last_name": "Okafor", "save": "1"} | ({"csrf_token": token} if token else {})
    answer = csrf_app.test_client().post(f"/orders/{order_id}/edit", data=data)
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
    assert rx_number not in answer.get_data(as_text=True)


@pytest.mark.parametrize("token", [None, "stale"])
def test_signed_out_an_unknown_order_looks_like_a_known_one(csrf_app, order, token):
    data = {"save": "1"} | ({"csrf_token": token} if token else {})
    known = csrf_app.test_client().post(f"/orders/{order[0]}/edit", data=data)
    unknown = csrf_app.test_client().post("/orders/999999/edit", data=data)
    assert (unknown.status_code, unknown.headers["Location"].split("?")[0]) == (
        known.status_code,
        known.headers["Location"].split("?")[0],
    )


@pytest.mark.parametrize("token", [None, "stale"])
def test_signed_in_a_post_to_an_unknown_order_without_a_good_token_is_a_404(csrf_app, token):
    data = {"save": "1"} | ({"csrf_token": token} if token else {})
    answer = signed_in(csrf_app).post("/orders/999999/edit", data=data)
    assert answer.status_code == 404


def test_signed_in_a_stale_token_on_an_order_brings_the_form_back_as_typed(csrf_app, order):
    order_id, rx_number = order
    answer = signed_in(csrf_app).post(
        f"/orders/{order_id}/edit",
        data={"csrf_token": "stale", "last_name": "Okafor", "save": "1"},
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Nothing was saved" in text and 'value="Okafor"' in text and rx_number in text


@pytest.mark.parametrize(
    "path", ["/orders/1/verify", "/compounding/formulas/new", "/costs/prices", "/account"]
)
def test_signed_out_no_form_without_its_token_answers_before_sign_in(csrf_app, path):
    answer = csrf_app.test_client().post(path, data={"csrf_token": "stale"})
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith("/login")
