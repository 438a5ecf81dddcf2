"""One-time form tokens: the same order form posted twice stores one order."""

from __future__ import annotations

import re
import shutil
import time

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.extensions import db
from pharmacy_app.idempotency import forms as once
from pharmacy_app.idempotency.models import FormSubmission
from pharmacy_app.orders.models import Order
from tests.orders.test_workflow import form_data

TOKEN = re.compile(r'name="once_token" type="hidden" value="([^"]+)"')
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class YesterdaysSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 25 * 3600


def yesterdays_serializer(app):
    return URLSafeTimedSerializer(app.secret_key, salt=once._SALT, signer=YesterdaysSigner)


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def once_token(client, url="/orders/new"):
    return TOKEN.search(client.get(url).get_data(as_text=True))[1]


def test_the_order_form_carries_a_new_one_time_token_each_time_it_is_shown(signed_in):
    client = signed_in("technician")
    assert once_token(client) != once_token(client)


def test_the_same_order_form_posted_twice_stores_one_order_and_shows_it(
    app, signed_in, make_document
):
    client = signed_in("technician")
    data = form_data(make_document()) | {"save": "1", "once_token": once_token(client)}
    first = client.post("/orders/new", data=data)
    assert first.status_code == 302
    again = client.post("/orders/new", data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "This form was already submitted; here is the order it saved." in page
    assert count(app, Order) == 1


def test_two_forms_opened_apart_store_two_orders(app, signed_in, make_document):
    client = signed_in("technician")
    data = form_data(make_document()) | {"save": "1"}
    for _ in range(2):
        assert client.post("/orders/new", data=data | {"once_token": once_token(client)})
    assert count(app, Order) == 2


def test_a_form_refused_for_its_input_keeps_its_token_for_the_corrected_save(
    app, signed_in, make_document
):
    client = signed_in("technician")
    token = once_token(client)
    data = form_data(make_document()) | {"save": "1", "once_token": token}
    refused = client.post("/orders/new", data=data | {"strength": ""})
    assert refused.status_code == 200
    assert TOKEN.search(refused.get_data(as_text=True))[1] == token
    assert client.post("/orders/new", data=data).status_code == 302
    assert count(app, Order) == 1


def test_saving_an_edit_twice_records_the_edit_once(app, signed_in, make_document):
    client = signed_in("technician")
    data = form_data(make_document()) | {"save": "1"}
    created = client.post("/orders/new", data=data | {"once_token": once_token(client)})
    url = created.headers["Location"] + "/edit"
    edit = data | {"quantity": "60", "once_token": once_token(client, url)}
    assert client.post(url, data=edit).status_code == 302
    assert client.post(url, data=edit).status_code == 303
    with app.app_context():
        kinds = [e.kind for e in db.session.scalars(select(Order)).one().events]
    assert kinds.count("edited") == 1, kinds


@pytest.mark.parametrize(
    "why", ["tampered", "another user", "expired"], ids=["tampered", "foreign", "expired"]
)
def test_a_token_that_is_not_this_form_s_stores_nothing_and_the_form_comes_back(
    app, signed_in, make_document, monkeypatch, why
):
    client = signed_in("technician")
    if why == "tampered":
        token = once_token(client)[:-2] + "xx"
    elif why == "another user":
        token = once_token(signed_in("technician"))
    else:
        with monkeypatch.context() as patch:
            patch.setattr(once, "_serializer", lambda: yesterdays_serializer(app))
            token = once_token(client)
    data = form_data(make_document()) | {"save": "1", "once_token": token}
    page = client.post("/orders/new", data=data)
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Nothing was saved" in text
    assert 'value="Lee"' in text  # what was typed is kept
    fresh = TOKEN.search(text)[1]
    assert fresh != token
    assert client.post("/orders/new", data=data | {"once_token": fresh}).status_code == 302
    assert count(app, Order) == 1


def test_consumed_tokens_older_than_the_retention_are_deleted_when_a_form_is_saved(
    app, signed_in, make_document
):
    import datetime as dt

    from sqlalchemy import update

    client = signed_in("technician")
    data = form_data(make_document()) | {"save": "1"}
    client.post("/orders/new", data=data | {"once_token": once_token(client)})
    with app.app_context():
        db.session.execute(
            update(FormSubmission).values(
                created_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=25)
            )
        )
        db.session.commit()
    client.post("/orders/new", data=data | {"once_token": once_token(client)})
    assert count(app, FormSubmission) == 1


@pytest.fixture
def csrf_app(tmp_path, migrated_sqlite):
    """The app as it runs: CSRF protection (and so the one-time token) required."""
    database = tmp_path / "csrf.sqlite3"
    shutil.copy(migrated_sqlite, database)
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_where_csrf_is_on_a_form_without_its_one_time_token_stores_nothing(csrf_app, make_document):
    from pharmacy_app.accounts.models import Role
    from pharmacy_app.accounts.services import create_user

    with csrf_app.app_context():
        create_user("tina", "Tina T", Role.TECHNICIAN, "a long enough password")
        db.session.commit()
    client = csrf_app.test_client()
    login = CSRF.search(client.get("/login").get_data(as_text=True))[1]
    client.post(
        "/login",
        data={"csrf_token": login, "username": "tina", "password": "a long enough password"},
    )
    page = client.get("/orders/new").get_data(as_text=True)
    data = form_data(make_document()) | {"save": "1", "csrf_token": CSRF.search(page)[1]}
    refused = client.post("/orders/new", data=data)
    assert refused.status_code == 200
    assert "Nothing was saved" in refused.get_data(as_text=True)
    assert count(csrf_app, Order) == 0
    saved = client.post("/orders/new", data=data | {"once_token": TOKEN.search(page)[1]})
    assert saved.status_code == 302
    assert client.post("/orders/new", data=data | {"once_token": TOKEN.search(page)[1]})
    assert count(csrf_app, Order) == 1


def test_one_token_shared_by_forms_posting_to_different_records_is_spent_once_per_record(
    app, signed_in, make_document
):
    """A page's forms for several records share its token: each record is its own post."""
    client = signed_in("technician")
    data = form_data(make_document()) | {"save": "1"}
    ids = []
    for _ in range(2):
        created = client.post("/orders/new", data=data | {"once_token": once_token(client)})
        ids.append(created.headers["Location"].rsplit("/", 1)[1])
    shared = once_token(client, f"/orders/{ids[0]}/edit")
    for order_id in ids:
        edit = data | {"quantity": "60", "once_token": shared}
        assert client.post(f"/orders/{order_id}/edit", data=edit).status_code == 302
