"""Sign-in throttling: too many wrong passwords pause a username, on every worker, without
telling whether the username exists."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.accounts.models import SignInFailure
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD, sign_in

LIMIT = 10  # SIGN_IN_MAX_FAILURES by default


def attempt(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def fail(client, username, times):
    for n in range(times):
        page = attempt(client, username, f"wrong guess {n}")
        assert "Wrong username or password" in page.get_data(as_text=True)


def age_failures(app, minutes):
    """Move every stored failure `minutes` into the past."""
    with app.app_context():
        for failure in db.session.scalars(select(SignInFailure)):
            failure.at -= dt.timedelta(minutes=minutes)
        db.session.commit()


def test_the_right_password_is_refused_after_too_many_wrong_ones(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    page = attempt(client, user.username, PASSWORD)
    assert page.status_code == 200
    assert "Too many wrong passwords: try again in 15 minutes." in page.get_data(as_text=True)
    assert client.get("/orders").status_code == 302


def test_fewer_wrong_passwords_than_the_limit_do_not_pause(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT - 1)
    sign_in(client, user.username)


def test_a_right_password_forgets_the_earlier_failures(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT - 1)
    sign_in(client, user.username)
    client.post("/logout")
    fail(client, user.username, LIMIT - 1)
    sign_in(client, user.username)


def test_an_unknown_username_is_paused_just_like_a_real_one(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    fail(client, "nobody-by-this-name", LIMIT)
    real = attempt(client, user.username, "one more").get_data(as_text=True)
    unknown = attempt(client, "nobody-by-this-name", "one more").get_data(as_text=True)
    assert "Too many wrong passwords" in real
    assert real.replace(user.username, "?") == unknown.replace("nobody-by-this-name", "?")


def test_a_pause_is_per_username(client, make_user):
    paused, other = make_user("technician"), make_user("technician")
    fail(client, paused.username, LIMIT)
    sign_in(client, other.username)


def test_the_pause_ends_when_the_failures_are_old_enough(app, client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    age_failures(app, 10)
    page = attempt(client, user.username, PASSWORD).get_data(as_text=True)
    assert "try again in 5 minutes" in page
    age_failures(app, 5)
    sign_in(client, user.username)


def test_paused_attempts_do_not_lengthen_the_pause(app, client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    for _ in range(20):
        attempt(client, user.username, "still guessing")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInFailure)) == LIMIT
    age_failures(app, 15)
    sign_in(client, user.username)


def test_usernames_are_counted_as_signed_in_trimmed_and_in_lower_case(client, make_user):
    user = make_user("technician")
    fail(client, f"  {user.username.upper()} ", LIMIT)
    assert "Too many" in attempt(client, user.username, PASSWORD).get_data(as_text=True)


def test_every_worker_counts_the_same_failures(app, migrated_sqlite, make_user):
    """Two app instances on one database stand for two workers."""
    user = make_user("technician")
    other_worker = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    first, second = app.test_client(), other_worker.test_client()
    for n in range(LIMIT):
        attempt(first if n % 2 else second, user.username, f"guess {n}")
    assert "Too many" in attempt(first, user.username, PASSWORD).get_data(as_text=True)
    assert "Too many" in attempt(second, user.username, PASSWORD).get_data(as_text=True)
    with other_worker.app_context():
        db.engine.dispose()


def test_the_limits_are_configurable(migrated_sqlite, tmp_path, monkeypatch, make_user):
    database = tmp_path / "strict.sqlite3"
    shutil.copy(migrated_sqlite, database)
    monkeypatch.setenv("FLASK_SIGN_IN_MAX_FAILURES", "3")
    monkeypatch.setenv("FLASK_SIGN_IN_PAUSE_MINUTES", "60")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    client = app.test_client()
    fail(client, "someone", 3)
    assert "try again in 60 minutes" in attempt(client, "someone", "x").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_wrong_current_passwords_on_the_account_page_are_throttled_too(app, signed_in):
    client = signed_in("technician")
    change = {
        "pw-new": "a new long password",
        "pw-repeat": "a new long password",
        "pw-submit": "1",
    }
    for n in range(LIMIT):
        page = client.post("/account", data={**change, "pw-current": f"wrong {n}"})
        assert "not your current password" in page.get_data(as_text=True)
    page = client.post("/account", data={**change, "pw-current": PASSWORD})
    assert "Too many wrong passwords" in page.get_data(as_text=True)
    assert (
        attempt(app.test_client(), client.user.username, "a new long password").status_code == 200
    )
    assert "Too many" in attempt(app.test_client(), client.user.username, PASSWORD).get_data(
        as_text=True
    )


def test_old_failures_are_cleared_away(app, client, make_user):
    fail(client, "someone", 3)
    age_failures(app, 60)
    fail(client, "someone-else", 1)
    with app.app_context():
        assert db.session.scalars(select(SignInFailure.username)).all() == ["someone-else"]


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_nul_character_in_a_sign_in_field_is_an_error_not_a_crash(client, make_user, field):
    user = make_user("technician")
    data = {"username": user.username, "password": PASSWORD, field: "a\x00b"}
    response = client.post("/login", data=data)
    assert response.status_code in (200, 400)  # 400 when the app-wide NUL guard answers first
    assert "NUL" in response.get_data(as_text=True)
    assert client.get("/orders").status_code == 302


@pytest.mark.postgres
def test_a_nul_character_in_a_sign_in_field_is_an_error_on_postgresql(pg_app):
    pg_app.config["WTF_CSRF_ENABLED"] = False
    response = pg_app.test_client().post("/login", data={"username": "a\x00b", "password": "c"})
    assert response.status_code in (200, 400)
    assert "NUL" in response.get_data(as_text=True)
