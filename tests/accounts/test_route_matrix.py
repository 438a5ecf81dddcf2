"""Who may use each route: one table of endpoint -> what it needs, checked over every rule in
app.url_map, every method it accepts, and every kind of caller (signed out, a bad or the
wrong credential, an inactive user, each role), with CSRF protection on as in production;
then every form route once more without its CSRF token.

A route added without an entry in ACCESS fails here, so its rule is decided, not forgotten.
The records behind the URLs' ids are real: one small seeded database (an order in each state
on the way to dispensing, a fill, a lot, a formula, a label stock, a price schedule, a cost
record, users and tokens), restored before every case, since many of the posts change it.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from decimal import Decimal
from hashlib import sha256
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Permission, Role, User
from pharmacy_app.accounts.services import create_user, issue_token
from pharmacy_app.checks import parse_order_document
from pharmacy_app.compounding.models import Lot
from pharmacy_app.compounding.services import (
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from pharmacy_app.costs.models import CostRecord, PriceSchedule
from pharmacy_app.demo.compounding import store_demo_compounding
from pharmacy_app.dispensing.refills import request_refill
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.orders.services import create_order, current_policy
from pharmacy_app.orders.workflow import verify_order
from pharmacy_app.timeutil import pharmacy_today
from tests.conftest import CLEAN_ORDER, PASSWORD, merged
from tests.fills import handover, lots_scanned, release_fill

# What a route needs. The permissions are the app's own; the rest are written out here.
PUBLIC = "public"  # anyone, signed in or not
SIGNED_IN = "signed in"  # any active user's session (pages) or any live token (the API)
ENTER, VERIFY, ADMINISTER = Permission.ENTER, Permission.VERIFY, Permission.ADMINISTER
COSTS = "costs"  # cost and price figures: pharmacists and admins

# What each role holds, written out rather than read from the app's PERMISSIONS, so that a
# change to a role's rights fails here until it is meant.
GRANTS: dict[str, frozenset[str]] = {
    "technician": frozenset({SIGNED_IN, ENTER}),
    "pharmacist": frozenset({SIGNED_IN, ENTER, VERIFY, COSTS}),
    "admin": frozenset({SIGNED_IN, ENTER, ADMINISTER, COSTS}),
}

# THE table: every endpoint of app.url_map (but static) -> what it needs, or, where the
# methods differ, what each method needs.
ACCESS: dict[str, Any] = {
    # Accounts
    "accounts.login": PUBLIC,
    "accounts.logout": SIGNED_IN,
    "accounts.account": SIGNED_IN,
    "accounts.revoke": SIGNED_IN,  # one's own tokens only (the service refuses others')
    "accounts.users": ADMINISTER,
    "accounts.edit_user": ADMINISTER,
    "accounts.reset_user_password": ADMINISTER,
    "accounts.user_page": ADMINISTER,
    "accounts.revoke_user_token": ADMINISTER,
    "accounts.unlock_user": ADMINISTER,
    "accounts.settings": ADMINISTER,
    # Orders
    "orders.home": SIGNED_IN,
    "orders.queue": SIGNED_IN,
    "orders.detail": SIGNED_IN,
    "orders.new": ENTER,
    "orders.edit": ENTER,
    "orders.live_check": ENTER,
    "orders.patients": ENTER,
    "orders.prescribers": ENTER,
    "orders.override": VERIFY,
    "orders.verify": VERIFY,
    "orders.reject": VERIFY,
    # Compounding
    "compounding.lots": {"GET": SIGNED_IN, "POST": ENTER},
    "compounding.adjust_lot": VERIFY,
    "compounding.ingredients": VERIFY,
    "compounding.formulas": SIGNED_IN,
    "compounding.formula": SIGNED_IN,
    "compounding.edit_formula": VERIFY,
    "compounding.start": ENTER,
    "compounding.record": SIGNED_IN,
    "compounding.weights": ENTER,
    "compounding.decide": VERIFY,
    "compounding.supply": VERIFY,
    "compounding.approve": VERIFY,
    "compounding.sign": VERIFY,
    "compounding.throw_away": VERIFY,
    "compounding.worksheet_pdf": SIGNED_IN,
    "compounding.to_discard_list": SIGNED_IN,
    "compounding.discard_expired": VERIFY,  # discarding is a pharmacist's decision
    "compounding.short_supply": VERIFY,  # so is accepting a supply the BUD cuts short
    # Labels and dispensing
    "labels.order_label": ENTER,
    "labels.order_label_zpl": ENTER,
    "labels.send_label": ENTER,  # the seeded roll has no printer: refused, nothing sent
    "labels.batch": ENTER,
    "labels.patient_sheet": SIGNED_IN,
    "dispensing.dispensing": ENTER,
    "dispensing.dispense_fill": ENTER,
    "dispensing.final_check": ENTER,
    "dispensing.release_fill": VERIFY,
    "dispensing.reverse": VERIFY,
    "dispensing.refill_request": ENTER,
    "dispensing.cancel_refill_request": ENTER,
    "dispensing.auto_refill": ENTER,
    "dispensing.refill_queue": SIGNED_IN,
    "dispensing.renewal_request": ENTER,
    "dispensing.will_call_page": ENTER,
    "dispensing.return_fill": VERIFY,  # a fill not collected: a pharmacist decides
    "labels.stocks": ADMINISTER,
    "labels.calibration": ENTER,
    # Costs
    "costs.monthly": COSTS,
    "costs.monthly_csv": COSTS,
    "costs.monthly_pdf": COSTS,
    "costs.prices": COSTS,
    "costs.void": VERIFY,  # a refund is a pharmacist's decision
    # The JSON API (bearer tokens)
    "api.openapi": PUBLIC,
    "api.check": ENTER,
    "api.create": ENTER,
    "api.read": SIGNED_IN,
    "api.label": ENTER,
    "api.override": VERIFY,
    "api.verify": VERIFY,
    "api.reject": VERIFY,
    "api.refill_request": ENTER,
}

# Which seeded record fills a URL's <int:...>: by parameter name, with the endpoints that need
# a record in a particular state named below (an edit needs an editable order, a reversal a
# dispensed fill...), so an allowed caller reaches the view's real work, not a 404.
DEFAULT_IDS = {
    "order_id": "checked_order",
    "record_id": "open_fill",
    "component_id": "open_fill_component",
    "substitution_id": "substitution",
    "lot_id": "lot",
    "mfr_id": "formula",
    "stock_id": "stock",
    "cost_id": "cost",
    "token_id": "technician_token",
    "user_id": "other_user",
    "request_id": "refill_request",
}
IDS_FOR = {
    "orders.detail": {"order_id": "dispensed_order"},  # the page with the most on it
    "compounding.start": {"order_id": "verified_order"},
    "labels.order_label": {"order_id": "ready_order"},
    "labels.order_label_zpl": {"order_id": "ready_order"},
    "labels.send_label": {"order_id": "ready_order"},
    "labels.patient_sheet": {"order_id": "ready_order"},
    "api.label": {"order_id": "ready_order"},
    "dispensing.dispensing": {"record_id": "ready_fill"},
    "dispensing.dispense_fill": {"record_id": "ready_fill"},
    "dispensing.final_check": {"record_id": "ready_fill"},
    "dispensing.release_fill": {"record_id": "ready_fill"},
    "dispensing.reverse": {"record_id": "dispensed_fill"},
    "dispensing.return_fill": {"record_id": "ready_fill"},
    "compounding.worksheet_pdf": {"record_id": "ready_fill"},
    "compounding.approve": {"record_id": "substituted_fill"},
}

# The kinds of caller. Pages take a signed-in session, the API a bearer token.
SIGNED_OUT = "signed out"
BAD_TOKEN = "made-up token"
CROSSED = "the other credential"  # a live token on a page; a signed-in session on the API
INACTIVE = "inactive user"  # signed in (and holding a token) before being deactivated
ROLES = ("technician", "pharmacist", "admin")
CALLERS = (SIGNED_OUT, BAD_TOKEN, CROSSED, INACTIVE, *ROLES)
NOBODY = frozenset({SIGNED_OUT, BAD_TOKEN, CROSSED, INACTIVE})

# Patients, Rx and batch numbers that an answer to someone not allowed must never show.
SUBSTITUTED_LIQUID = {
    "preparation": {
        "dosage_form": "oral_liquid",
        "strength": "1 mg/mL",
        "excipients": ["purified water", "simple syrup"],
    },
    "sig": {"dose": "4.5 mL", "text": "Take 4.5 mL by mouth at bedtime"},
    "quantity": 135,
}
PATIENTS = ("Quillon", "Ravensworth", "Ortolan", "Stellmacher", "Thornbury", "Uxbridge")


def _app_for_rules() -> Flask:
    return create_app({"SECRET_KEY": "rules", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


RULES = sorted(
    (
        (rule.rule, rule.endpoint, method)
        for rule in _app_for_rules().url_map.iter_rules()
        if rule.endpoint != "static"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
    ),
    key=lambda r: (r[0], r[2]),
)
PAGE_POSTS = [r for r in RULES if r[2] == "POST" and not r[0].startswith("/api/")]


@dataclass
class World:
    """The app on a seeded database, what its ids are, and each caller's credentials."""

    app: Flask
    live: Path
    seeded: Path
    ids: dict[str, int] = field(default_factory=dict)
    secrets: list[str] = field(default_factory=list)
    users: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def world(migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("route-matrix")
    live, seeded = folder / "live.sqlite3", folder / "seeded.sqlite3"
    shutil.copy(migrated_sqlite, live)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}",
            "PHARMACY_STATE": "OR",
            "WTF_CSRF_ENABLED": True,  # as in production
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    found = World(app, live, seeded)
    with app.app_context():
        _seed(found)
    for name in (*ROLES, "inactive"):
        _sign_in(found, name)
    with app.app_context():
        db.engine.dispose()  # closes SQLite's write-ahead log into the file
    shutil.copy(live, seeded)
    yield found
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def fresh(world: World) -> World:
    """The world with its database as seeded (the case before may have changed it)."""
    with world.app.app_context():
        db.engine.dispose()
    for suffix in ("-wal", "-shm"):
        Path(f"{world.live}{suffix}").unlink(missing_ok=True)
    shutil.copy(world.seeded, world.live)
    return world


def _seed(world: World) -> None:
    today = pharmacy_today()
    users = {
        name: create_user(name, f"{name.title()} Matrix", role, PASSWORD)
        for name, role in (
            ("technician", Role.TECHNICIAN),
            ("pharmacist", Role.PHARMACIST),
            ("admin", Role.ADMIN),
            ("inactive", Role.TECHNICIAN),
            ("other", Role.TECHNICIAN),
        )
    }
    db.session.flush()
    world.users = {name: user.id for name, user in users.items()}
    world.tokens = {name: issue_token(user, "matrix") for name, user in users.items()}
    formulas = store_demo_compounding(today)
    capsule = next(m for m in formulas.values() if m.dosage_form == "capsule")
    db.session.add(
        PriceSchedule(
            family=capsule.family,
            method="base",
            base_price=Decimal("45.00"),
            base_quantity=Decimal(30),
            dispensing_fee=Decimal(0),
            effective_from=today.replace(day=1),
        )
    )
    db.session.flush()
    tech, pharm = users["technician"], users["pharmacist"]

    def order(n: int, last_name: str, **changes: Any) -> Any:
        patient = {"last_name": last_name, "date_of_birth": f"19{60 + n}-0{n + 1}-1{n}"}
        document = parse_order_document(
            merged(CLEAN_ORDER, {"patient": patient} | changes), today=pharmacy_today()
        )
        made = create_order(document, policy=current_policy(), entered_by=tech)
        world.secrets.append(made.rx_number)
        return made

    def verified(n: int, last_name: str, **changes: Any) -> Any:
        made = order(n, last_name, **changes)
        verify_order(made, pharm)
        return made

    def fill(made: Any, signed: bool) -> Any:
        record = start_record(made, matching_formulations(made)[0][0], {}, tech)
        db.session.flush()
        world.secrets.append(record.batch_number)
        if signed:
            record_weights(
                record,
                {c.id: c.required for c in record.components},
                tech,
                scanned_lots=lots_scanned(record),
            )
            sign_off(record, pharm)
            record_print(record, default_stock(), tech)
        return record

    checked = order(0, PATIENTS[0])
    verified_order = verified(1, PATIENTS[1])
    open_fill = fill(verified(2, PATIENTS[2]), signed=False)
    ready = verified(3, PATIENTS[3])
    ready_fill = fill(ready, signed=True)
    dispensed = verified(4, PATIENTS[4])
    dispensed_fill = fill(dispensed, signed=True)
    release_fill(dispensed_fill, pharm)
    dispense(dispensed_fill, "picked_up", "", tech, handover=handover(dispensed_fill))
    refill_request = request_refill(dispensed, "patient", "phone", tech)
    # A liquid prescribed in purified water and simple syrup, made in the formula's vehicle.
    substituted_fill = fill(verified(5, PATIENTS[5], **SUBSTITUTED_LIQUID), signed=False)
    db.session.flush()
    world.ids = {
        "checked_order": checked.id,
        "verified_order": verified_order.id,
        "ready_order": ready.id,
        "dispensed_order": dispensed.id,
        "open_fill": open_fill.id,
        "open_fill_component": open_fill.components[0].id,
        "ready_fill": ready_fill.id,
        "dispensed_fill": dispensed_fill.id,
        "substituted_fill": substituted_fill.id,
        "substitution": substituted_fill.substitutions[0].id,
        "lot": db.session.scalars(select(Lot.id).order_by(Lot.id)).first(),
        "formula": capsule.id,
        "stock": default_stock().id,
        "cost": db.session.scalars(
            select(CostRecord.id).where(CostRecord.record_id == dispensed_fill.id)
        ).one(),
        "technician_token": users["technician"].tokens[0].id,
        "other_user": users["other"].id,
        "refill_request": refill_request.id,
    }
    world.secrets.extend(PATIENTS)
    db.session.commit()


def _csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]


def _sign_in(world: World, name: str) -> None:
    """Sign in once at seeding time and keep the session cookie and its CSRF token: a session
    stays valid over the database's restores, which bring back the same session token."""
    client = world.app.test_client()
    token = _csrf_token(client.get("/login").get_data(as_text=True))
    answer = client.post(
        "/login", data={"csrf_token": token, "username": name, "password": PASSWORD}
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    world.cookies[name] = client.get_cookie("session").value
    world.csrf[name] = token


BOGUS = "made-up"
# Each caller's (session cookie of, bearer token of) on a page and on the API.
CREDENTIALS: dict[str, dict[bool, tuple[str | None, str | None]]] = {
    SIGNED_OUT: {False: (None, None), True: (None, None)},
    BAD_TOKEN: {False: (None, BOGUS), True: (None, BOGUS)},
    CROSSED: {False: (None, "admin"), True: ("pharmacist", None)},
    INACTIVE: {False: ("inactive", None), True: (None, "inactive")},
    **{role: {False: (role, None), True: (None, role)} for role in ROLES},
}


def _client(world: World, caller: str, api: bool) -> tuple[FlaskClient, str]:
    """A client acting as the caller, and a CSRF token valid for its session (none for the
    API, which takes no cookies)."""
    client = world.app.test_client()
    if caller == INACTIVE:
        with world.app.app_context():
            # Only the flag: the session token stays, so what is tested is `active` itself.
            db.session.execute(
                update(User).where(User.id == world.users["inactive"]).values(active=False)
            )
            db.session.commit()
    session, bearer = CREDENTIALS[caller][api]
    if session is not None:
        client.set_cookie("session", world.cookies[session])
    if bearer is not None:
        token = "ldn_not-a-real-token" if bearer == BOGUS else world.tokens[bearer]
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if api:
        return client, ""
    if session is not None:
        return client, world.csrf[session]
    # No session: an anonymous one with its own CSRF token, as a browser would have.
    return client, _csrf_token(client.get("/login").get_data(as_text=True))


def _url(world: World, path: str, endpoint: str) -> str:
    chosen = {**DEFAULT_IDS, **IDS_FOR.get(endpoint, {})}
    return re.sub(r"<int:(\w+)>", lambda m: str(world.ids[chosen[m[1]]]), path)


def _needs(endpoint: str, method: str) -> str:
    need = ACCESS[endpoint]
    return need[method] if isinstance(need, dict) else need


def _send(world: World, caller: str, method: str, path: str, endpoint: str) -> Any:
    """The request as the caller makes it: a page's post with its session's CSRF token, an
    API call with a JSON body (a valid order document where one is expected)."""
    api = path.startswith("/api/")
    client, token = _client(world, caller, api)
    url = _url(world, path, endpoint)
    if method == "GET":
        return client.get(url)
    if api:
        body = merged(CLEAN_ORDER, {}) if endpoint in ("api.check", "api.create") else {}
        return client.post(url, json=body)
    return client.post(url, data={"csrf_token": token})


def _shows_no_records(world: World, response) -> None:
    text = response.get_data(as_text=True)
    shown = [s for s in world.secrets if s in text]
    assert not shown, f"a refused answer shows {shown}"


def _is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and urlsplit(response.location).path == "/login"


def test_every_endpoint_has_exactly_one_entry():
    endpoints = {endpoint for _, endpoint, _ in RULES}
    assert endpoints - set(ACCESS) == set(), "new routes: add them to ACCESS"
    assert set(ACCESS) - endpoints == set(), "ACCESS names routes that no longer exist"
    for endpoint, need in ACCESS.items():
        methods = {m for _, e, m in RULES if e == endpoint}
        if isinstance(need, dict):
            assert set(need) == methods, f"{endpoint}: say what each of {methods} needs"


def test_the_routes_take_only_get_and_post():
    # _send knows how to call these two; a route taking another method needs it taught.
    assert {m for _, _, m in RULES} == {"GET", "POST"}


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize(("path", "endpoint", "method"), RULES, ids=lambda v: str(v))
def test_route_answers_each_caller_as_the_table_says(fresh, caller, path, endpoint, method):
    need = _needs(endpoint, method)
    response = _send(fresh, caller, method, path, endpoint)
    api = path.startswith("/api/")
    status = response.status_code
    allowed = need == PUBLIC or (caller in GRANTS and need in GRANTS[caller])
    if allowed:
        assert status not in (401, 403, 404, 405) and status < 500, (
            f"{caller} refused or failed: {status} {response.get_data(as_text=True)[:300]}"
        )
        if not api:
            assert status != 400, "the CSRF token sent was refused"
        if method == "GET":
            assert status == 200, (status, response.location)
        return
    _shows_no_records(fresh, response)
    if caller in NOBODY:
        if api:
            assert status == 401 and response.is_json
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
        else:
            assert _is_sign_in_redirect(response), (status, response.location)
    else:
        assert status == 403
        assert response.is_json == api


def _csrf_cases() -> list[Any]:
    cases = []
    for path, endpoint, _method in PAGE_POSTS:
        for caller in (SIGNED_OUT, INACTIVE, *ROLES):
            cases.append(pytest.param(path, endpoint, caller, id=f"{path}-{caller}"))
    return cases


def _database_digest(path: Path) -> str:
    with closing(sqlite3.connect(path)) as connection:
        return sha256("\n".join(connection.iterdump()).encode()).hexdigest()


@pytest.mark.parametrize(("path", "endpoint", "caller"), _csrf_cases())
def test_a_form_post_without_its_csrf_token_is_refused_and_changes_nothing(
    fresh, path, endpoint, caller
):
    client, _ = _client(fresh, caller, api=False)
    before = _database_digest(fresh.live)
    response = client.post(_url(fresh, path, endpoint), data={})
    assert _database_digest(fresh.live) == before
    if caller in NOBODY and _needs(endpoint, "POST") != PUBLIC:
        _shows_no_records(fresh, response)
        assert _is_sign_in_redirect(response), response.status_code
    else:
        assert response.status_code == 400
        assert "CSRF" in response.get_data(as_text=True) or endpoint in (
            "orders.new",
            "orders.edit",
        )


def _paths_without(method: str) -> list[str]:
    by_path: dict[str, set[str]] = {}
    for path, _, accepted in RULES:
        by_path.setdefault(path, set()).add(accepted)
    return sorted(p for p, methods in by_path.items() if method not in methods)


@pytest.mark.parametrize("caller", [SIGNED_OUT, "admin"])
@pytest.mark.parametrize(
    ("path", "method"),
    [(p, "GET") for p in _paths_without("GET")] + [(p, "POST") for p in _paths_without("POST")],
)
def test_a_method_a_route_does_not_take_is_405(fresh, caller, path, method):
    client, _ = _client(fresh, caller, api=path.startswith("/api/"))
    response = client.open(_url(fresh, path, ""), method=method)
    assert response.status_code == 405
    _shows_no_records(fresh, response)
