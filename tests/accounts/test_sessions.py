"""Sessions end when they should: sign-out, a new password, deactivation, a working day; and
their cookie carries the usual protections."""

from __future__ import annotations

import time

from flask_migrate import upgrade
from sqlalchemy import text

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Role, User
from pharmacy_app.accounts.services import update_user
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD, sign_in


def copy_of_session(app, client):
    """A second browser holding a copy of the client's session cookie."""
    other = app.test_client()
    other.set_cookie("session", client.get_cookie("session").value)
    return other


def test_a_copy_of_the_session_cookie_is_refused_after_sign_out(app, client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    stolen = copy_of_session(app, client)
    assert stolen.get("/orders").status_code == 200
    client.post("/logout")
    response = stolen.get("/orders")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_signing_out_ends_the_users_sessions_in_other_browsers_too(app, make_user):
    user = make_user("pharmacist")
    counter, bench = sign_in(app.test_client(), user.username), app.test_client()
    sign_in(bench, user.username)
    bench.post("/logout")
    assert counter.get("/").status_code == 302


def test_signing_in_again_after_sign_out_works(client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    client.post("/logout")
    sign_in(client, user.username)
    assert client.get("/orders").status_code == 200


def test_a_password_changed_on_the_command_line_ends_the_users_sessions(
    app, client, runner, make_user
):
    user = make_user("technician")
    sign_in(client, user.username)
    result = runner.invoke(args=["set-password", user.username, "--password", "another password"])
    assert result.exit_code == 0, result.output
    assert client.get("/").status_code == 302


def test_a_reactivated_user_must_sign_in_again(app, client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    with app.app_context():
        stored = db.session.get(User, user.id)
        update_user(stored, stored.full_name, Role.TECHNICIAN, False)
        db.session.commit()
        update_user(stored, stored.full_name, Role.TECHNICIAN, True)
        db.session.commit()
    assert client.get("/").status_code == 302


def test_a_session_ends_a_working_day_after_sign_in_however_busy(app, client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    lifetime = app.permanent_session_lifetime.total_seconds()
    assert lifetime == 12 * 60 * 60
    with client.session_transaction() as session:
        session["signed_in_at"] -= int(lifetime) - 60
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["signed_in_at"] -= 120
    response = client.get("/orders")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_the_session_lifetime_is_configurable(migrated_sqlite, tmp_path, monkeypatch):
    import shutil

    database = tmp_path / "short.sqlite3"
    shutil.copy(migrated_sqlite, database)
    monkeypatch.setenv("FLASK_PERMANENT_SESSION_LIFETIME", "600")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "SECRET_KEY": "t"})
    assert app.permanent_session_lifetime.total_seconds() == 600
    with app.app_context():
        db.engine.dispose()


def test_the_session_cookie_is_http_only_same_site_lax_and_expires(client, make_user):
    user = make_user("technician")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    assert "Secure" not in cookie  # served over plain HTTP unless configured


def test_the_session_cookie_is_secure_when_configured(app, client, make_user):
    app.config["SESSION_COOKIE_SECURE"] = True
    user = make_user("technician")
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_session_from_before_sign_in_times_were_kept_is_refused(client, make_user):
    user = make_user("technician")
    sign_in(client, user.username)
    with client.session_transaction() as session:
        del session["signed_in_at"]
    assert client.get("/").status_code == 302


def test_the_migration_gives_each_existing_user_a_session_token_of_their_own(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}", "SECRET_KEY": "t"}
    )
    with app.app_context():
        upgrade(revision="0007_patient_name_keys")
        for name in ("ana", "ben"):
            db.session.execute(
                text(
                    "INSERT INTO users (username, full_name, role, password_hash, active,"
                    " created_at, password_changed_at) VALUES (:name, :name, 'admin', 'x', 1,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"name": name},
            )
        db.session.commit()
        upgrade()
        rows = db.session.execute(
            text("SELECT session_token, must_change_password FROM users")
        ).all()
        db.engine.dispose()
    tokens = {token for token, _ in rows}
    assert len(tokens) == 2 and all(len(token) >= 40 for token in tokens)
    assert all(not must_change for _, must_change in rows)


def test_sign_in_time_is_recorded_in_the_session(client, make_user):
    user = make_user("technician")
    before = int(time.time())
    sign_in(client, user.username)
    with client.session_transaction() as session:
        assert before <= session["signed_in_at"] <= int(time.time())
        assert session.permanent
