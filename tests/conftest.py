"""Shared fixtures: an app on a migrated SQLite file, its clients, order documents, and a
throwaway PostgreSQL database."""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Role, User
from pharmacy_app.accounts.services import create_user, issue_token
from pharmacy_app.extensions import db

# Tests never write into the checkout: every app they build keeps its instance folder (the
# generated secret key, SQLite files) in a temporary folder of its own.
os.environ["PHARMACY_INSTANCE_PATH"] = tempfile.mkdtemp(prefix="pharmacy-instance-")
PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")
IN_CI = bool(os.environ.get("CI"))
BROWSER_TESTS = Path(__file__).parent / "browser"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test under tests/browser is a `browser` test, so the quick developer run
    (`scripts/test --quick`) leaves it out without each module having to say so. Runs
    before `-m` deselects."""
    for item in items:
        if BROWSER_TESTS in item.path.parents:
            item.add_marker(pytest.mark.browser)


# The one baseline order: a clean, ordinary LDN order that the checker passes. Every test
# builds its documents from it with overrides (`merged`, `make_document`, the checker's
# `order` and `make_doc` fixtures).
CLEAN_ORDER: dict[str, Any] = {
    "patient": {
        "first_name": "Ann",
        "last_name": "Lee",
        "date_of_birth": "1970-02-03",
        "medications": ["levothyroxine 50 mcg"],
        "allergies": ["penicillin"],
        "conditions": ["multiple sclerosis"],
    },
    "prescriber": {
        "name": "Dana Ruiz",
        "credential": "MD",
        "license_number": "MD154210",
        "state": "OR",
    },
    "preparation": {
        "dosage_form": "capsule",
        "release": "IR",
        "strength": "4.5 mg",
        "excipients": ["microcrystalline cellulose"],
    },
    "sig": {
        "dose": "1 capsule",
        "times_per_day": 1,
        "time_of_day": "bedtime",
        "text": "Take 1 capsule by mouth at bedtime",
    },
    "quantity": 30,
    "days_supply": 30,
    "refills": 2,
}


# Use as an override value to remove a key: merged(CLEAN_ORDER, {"sig": {"dose": DELETE}}). A
# string compared by equality, because pytest loads this conftest a second time when tests
# import from it.
DELETE: Any = "<delete this key>"


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of `base` with `overrides` merged in: dicts merge, lists and scalars
    replace, DELETE removes the key."""
    result = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, str) and value == DELETE:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


@pytest.fixture
def make_document() -> Callable[..., dict[str, Any]]:
    """make_document(preparation={"release": "SR"}) -> a clean order document with changes."""
    return lambda **overrides: merged(CLEAN_ORDER, overrides)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "app_config(NAME=value, ...): build the test's `app` (or `pg_app`) with these settings; "
        "the settings are fixed when an app is built (pharmacy_app/settings.py)",
    )


def with_marked_config(request: pytest.FixtureRequest, config: dict[str, Any]) -> dict[str, Any]:
    """`config` with the test's `@pytest.mark.app_config(...)` settings over it."""
    marker = request.node.get_closest_marker("app_config")
    return {**config, **(marker.kwargs if marker else {})}


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite file upgraded once by the Alembic migrations; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "test"})
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def app(migrated_sqlite: Path, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Flask]:
    database = tmp_path / "pharmacy.sqlite3"
    shutil.copy(migrated_sqlite, database)
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "PHARMACY_STATE": "OR",
        # Test-client tests post forms without their CSRF token; tests/accounts checks
        # CSRF with it switched on.
        "WTF_CSRF_ENABLED": False,
        "ARGON2_MEMORY_COST": 1024,  # fast hashing for tests only
    }
    app = create_app(with_marked_config(request, settings))
    yield app

    with app.app_context():
        db.engine.dispose()


PASSWORD = "correct horse battery"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """make_user("pharmacist", username="phil") -> a stored, active user (password PASSWORD)."""
    counter = iter(range(1, 1000))

    def make(role: str = "technician", username: str | None = None) -> User:
        with app.app_context():
            user = create_user(
                username or f"{role}{next(counter)}", f"{role.title()} User", Role(role), PASSWORD
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user

    return make


@pytest.fixture
def token_for(app: Flask) -> Callable[[User], str]:
    def issue(user: User) -> str:
        with app.app_context():
            token = issue_token(db.session.get(User, user.id), "tests")
            db.session.commit()
            return token

    return issue


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A browser with nobody signed in."""
    return app.test_client()


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD) -> FlaskClient:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


@pytest.fixture
def signed_in(app: Flask, make_user: Callable[..., User]) -> Callable[[str], FlaskClient]:
    """signed_in("pharmacist") -> a test client signed in as a new user of that role."""

    def make(role: str) -> FlaskClient:
        user = make_user(role)
        client = app.test_client()
        client.user = user  # type: ignore[attr-defined]
        return sign_in(client, user.username)

    return make


@pytest.fixture
def api(
    app: Flask, make_user: Callable[..., User], token_for: Callable[[User], str]
) -> FlaskClient:
    """A client sending a technician's API token with every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token_for(make_user('technician'))}"
    return client


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def _postgres_or_skip() -> None:
    try:
        engine = create_engine(PG_SERVER + "postgres", isolation_level="AUTOCOMMIT")
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL is required in CI but unreachable: {exc}")
        pytest.skip(f"PostgreSQL unreachable: {exc}")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A throwaway PostgreSQL database, dropped afterwards."""
    _postgres_or_skip()
    name = f"pharmacy_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_SERVER + "postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_SERVER + name
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_app(pg_url: str, request: pytest.FixtureRequest) -> Iterator[Flask]:
    """The app on a migrated throwaway PostgreSQL database."""
    settings = {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": pg_url,
        "PHARMACY_STATE": "OR",
    }
    app = create_app(with_marked_config(request, settings))
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def pg_test_app(pg_url: str) -> Iterator[Flask]:
    """The test app as `app` makes it, on a migrated throwaway PostgreSQL database: a test
    module overrides `app` with it to run the SQLite fixtures (orders, fills) on PostgreSQL."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": pg_url,
            "PHARMACY_STATE": "OR",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()


def seen(app: Flask, order_id: int, **fields: str) -> dict[str, str]:
    """A decision form's fields as the order page sends them: with the id of the order's
    latest check, which every web decision must carry."""
    from pharmacy_app.orders.models import Order

    with app.app_context():
        check = db.session.get(Order, order_id).latest_check  # type: ignore[union-attr]
        return {"check_id": str(check.id if check else "")} | fields


@pytest.fixture
def catalogue(app: Flask) -> None:
    """The demo compounding catalogue (ingredients, lots, formulas, containers), its dates
    counted from the pharmacy's today: the one catalogue every feature's tests build on."""
    from pharmacy_app.demo.compounding import store_demo_compounding
    from pharmacy_app.timeutil import pharmacy_today

    with app.app_context():
        store_demo_compounding(pharmacy_today())
        db.session.commit()
