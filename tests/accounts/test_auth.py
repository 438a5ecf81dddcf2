"""Signing in and out, passwords, tokens, and CSRF."""

from __future__ import annotations

import pytest

from pharmacy_app import create_app
from pharmacy_app.accounts.models import User
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD, sign_in


@pytest.mark.parametrize(
    "path",
    ["/", "/orders", "/orders/new", "/orders/1", "/account", "/admin/users", "/admin/settings"],
)
def test_signed_out_users_are_sent_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_sign_in_page_and_static_files_are_open(client):
    assert client.get("/login").status_code == 200
    response = client.get("/static/app.css")
    assert response.status_code == 200
    response.close()


def test_a_wrong_password_is_refused_at_the_field(client, make_user):
    user = make_user("technician")
    response = client.post("/login", data={"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "Wrong username or password" in response.get_data(as_text=True)


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(client, make_user):
    user = make_user("technician")
    response = client.post(
        "/login?next=/orders/new", data={"username": user.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/orders/new"
    client.post("/logout")
    response = client.post(
        "/login?next=//evil.example/x", data={"username": user.username, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_sign_out_ends_the_session(client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    assert client.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302


def test_deactivated_users_lose_their_session_and_cannot_sign_in(app, client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert client.get("/").status_code == 302
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 200


def test_changing_the_password_signs_out_other_sessions(app, make_user):
    user = make_user("pharmacist")
    here, elsewhere = app.test_client(), app.test_client()
    sign_in(here, user.username)
    sign_in(elsewhere, user.username)
    response = here.post(
        "/account",
        data={
            "pw-current": PASSWORD,
            "pw-new": "a new long password",
            "pw-repeat": "a new long password",
            "pw-submit": "1",
        },
    )
    assert response.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    sign_in(app.test_client(), user.username, "a new long password")


def test_a_wrong_current_password_is_refused(signed_in):
    client = signed_in("technician")
    page = client.post(
        "/account",
        data={
            "pw-current": "wrong",
            "pw-new": "a new long password",
            "pw-repeat": "a new long password",
            "pw-submit": "1",
        },
    )
    assert "not your current password" in page.get_data(as_text=True)


def test_passwords_are_stored_as_argon2_hashes(app, make_user):
    user = make_user("technician")
    with app.app_context():
        stored = db.session.get(User, user.id).password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_a_token_made_on_the_account_page_works_once_shown_and_can_be_revoked(app, signed_in):
    client = signed_in("technician")
    page = client.post("/account", data={"tok-label": "e-Rx gateway", "tok-submit": "1"})
    text = page.get_data(as_text=True)
    token = text.split('<code class="token">')[1].split("</code>")[0]
    headers = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/orders/99", headers=headers).status_code == 404
    assert token not in client.get("/account").get_data(as_text=True)
    with app.app_context():
        token_id = db.session.get(User, client.user.id).tokens[0].id
    client.post(f"/account/tokens/{token_id}/revoke")
    assert app.test_client().get("/api/v1/orders/99", headers=headers).status_code == 401


def test_forms_refuse_a_post_without_its_csrf_token(tmp_path, migrated_sqlite):
    import shutil

    database = tmp_path / "csrf.sqlite3"
    shutil.copy(migrated_sqlite, database)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    response = app.test_client().post("/login", data={"username": "a", "password": "b"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_an_order_form_posted_with_a_stale_token_comes_back_with_what_was_typed(
    tmp_path, migrated_sqlite
):
    import re
    import shutil

    from pharmacy_app.accounts.models import Role
    from pharmacy_app.accounts.services import create_user

    database = tmp_path / "stale.sqlite3"
    shutil.copy(migrated_sqlite, database)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}"})
    with app.app_context():
        create_user("tina", "Tina T", Role.TECHNICIAN, "a long enough password")
        db.session.commit()
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]
    client.post(
        "/login",
        data={"csrf_token": token, "username": "tina", "password": "a long enough password"},
    )
    response = client.post(
        "/orders/new",
        data={"csrf_token": "stale", "last_name": "Okafor", "strength": "4.5 mg", "save": "1"},
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Nothing was saved" in text
    assert 'value="Okafor"' in text
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', text)[1]
    assert fresh != "stale"
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    "data",
    [
        {
            "pw-current": "a\x00b",
            "pw-new": "a new long password",
            "pw-repeat": "a new long password",
            "pw-submit": "1",
        },
        {
            "pw-current": PASSWORD,
            "pw-new": "new\x00long password",
            "pw-repeat": "new\x00long password",
            "pw-submit": "1",
        },
        {"tok-label": "gateway\x00", "tok-submit": "1"},
    ],
)
def test_account_forms_refuse_a_nul_character_at_the_field(app, signed_in, data):
    client = signed_in("technician")
    response = client.post("/account", data=data)
    assert response.status_code in (200, 400)  # 400 when the app-wide NUL guard answers first
    assert "NUL" in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, client.user.id)
        assert user.tokens == [] and not user.must_change_password
    sign_in(app.test_client(), client.user.username)  # the password is unchanged


def test_a_token_label_longer_than_its_column_is_refused(app, signed_in):
    client = signed_in("technician")
    page = client.post("/account", data={"tok-label": "x" * 101, "tok-submit": "1"})
    assert "Use at most 100 characters." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, client.user.id).tokens == []
