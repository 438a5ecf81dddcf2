"""The database out of reach, or an SQLite writer locked out: 503 with Retry-After, JSON for
the API and a plain page for people, rendered without the database."""

from __future__ import annotations

import shutil
import sqlite3

import pytest
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Role
from pharmacy_app.accounts.services import create_user, issue_token
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.settings import ConfigurationError
from tests.conftest import PASSWORD

UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/pharmacy",
    "sqlite": "sqlite:////nonexistent-directory/for/sure/pharmacy.sqlite3",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def outage_app(request, tmp_path):
    app = create_app(
        {
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": UNREACHABLE[request.param],
            "PHARMACY_NAME": "Configured Pharmacy",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def assert_unavailable(answer):
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0


@pytest.mark.parametrize("path", ["/login", "/", "/orders"])
def test_a_page_says_the_database_is_out_of_reach(outage_app, path):
    client = outage_app.test_client()
    answer = client.get(path, follow_redirects=True)
    assert_unavailable(answer)
    text = answer.get_data(as_text=True)
    assert answer.mimetype == "text/html"
    assert "cannot reach its database" in text
    assert "Configured Pharmacy" in text
    assert "Traceback" not in text


def test_an_unknown_page_is_still_a_404_with_a_page_that_needs_no_database(outage_app):
    answer = outage_app.test_client().get("/no-such-page")
    assert answer.status_code == 404
    assert "Configured Pharmacy" in answer.get_data(as_text=True)


def test_a_page_for_a_signed_in_session_says_so_too(outage_app, signed_in):
    """The session of a user signed in before the outage: the user loader needs the database."""
    cookie = signed_in("technician").get_cookie("session")
    client = outage_app.test_client()
    client.set_cookie("session", cookie.value)
    answer = client.get("/orders")
    assert_unavailable(answer)
    assert "cannot reach its database" in answer.get_data(as_text=True)


def test_signing_in_says_so(outage_app):
    outage_app.config["WTF_CSRF_ENABLED"] = False
    answer = outage_app.test_client().post(
        "/login", data={"username": "priya", "password": "whatever it is"}
    )
    assert_unavailable(answer)


@pytest.mark.parametrize("method, path", [("GET", "/api/v1/orders/1"), ("POST", "/api/v1/checks")])
def test_the_api_answers_503_in_json(outage_app, method, path):
    answer = outage_app.test_client().open(
        path, method=method, json={}, headers={"Authorization": "Bearer some-token"}
    )
    assert_unavailable(answer)
    assert answer.get_json() == {
        "error": "Service Unavailable",
        "message": "The pharmacy's database cannot be reached just now: nothing was saved. "
        "Try again in a moment.",
    }


def test_the_openapi_description_needs_no_database(outage_app):
    assert outage_app.test_client().get("/api/v1/openapi.json").status_code == 200


@pytest.fixture
def locked_app(migrated_sqlite, tmp_path):
    """The app on its own SQLite file, waiting 0.2 s for a busy writer."""
    database = tmp_path / "locked.sqlite3"
    shutil.copy(migrated_sqlite, database)
    app = create_app(
        {
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SQLITE_BUSY_TIMEOUT_SECONDS": 0.2,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    yield app, database
    with app.app_context():
        db.engine.dispose()


def test_a_writer_locked_out_past_the_busy_timeout_gets_503_and_nothing_is_saved(
    locked_app, make_document
):
    app, database = locked_app
    with app.app_context():
        token = issue_token(create_user("tech", "Tech", Role.TECHNICIAN, PASSWORD), "tests")
        db.session.commit()
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the write lock
    try:
        answer = api.post("/api/v1/orders", json=make_document())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert_unavailable(answer)
    assert answer.get_json()["error"] == "Service Unavailable"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    # Once the lock is free, the same request is stored.
    assert api.post("/api/v1/orders", json=make_document()).status_code == 201


def test_the_busy_timeout_is_five_seconds_unless_configured(app, locked_app):
    for each, wanted in ((app, 5000), (locked_app[0], 200)):
        with each.app_context(), db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == wanted


@pytest.mark.parametrize("value", ["soon", -1, 601, True])
def test_a_wait_that_is_not_a_number_of_seconds_is_refused_at_start(value):
    with pytest.raises(ConfigurationError, match="SQLITE_BUSY_TIMEOUT_SECONDS"):
        create_app({"SECRET_KEY": "x", "SQLITE_BUSY_TIMEOUT_SECONDS": value})


def test_postgresql_connections_give_up_after_the_connect_timeout():
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": UNREACHABLE["postgresql"]})
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"] == {"connect_timeout": 5}
    assert options["pool_pre_ping"] is True
