"""Exactly once on PostgreSQL: the same form token or Idempotency-Key posted by two workers at
once stores one order."""

from __future__ import annotations

import re
import threading
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, func, insert, select, text

from pharmacy_app.accounts.models import Role
from pharmacy_app.accounts.services import create_user, issue_token
from pharmacy_app.api.idempotency import advisory_lock_id
from pharmacy_app.extensions import db
from pharmacy_app.idempotency import forms as once
from pharmacy_app.idempotency.models import FormSubmission
from pharmacy_app.orders.models import Order
from tests.conftest import PASSWORD, sign_in
from tests.orders.test_workflow import form_data
from tests.races import together

pytestmark = pytest.mark.postgres
TOKEN = re.compile(r'name="once_token" type="hidden" value="([^"]+)"')


def orders(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Order))


@pytest.fixture
def technician(pg_app):
    pg_app.config["WTF_CSRF_ENABLED"] = False  # the one-time token is what is tested here
    with pg_app.app_context():
        user = create_user("tech", "Tech", Role.TECHNICIAN, PASSWORD)
        token = issue_token(user, "tests")
        pharmacist = create_user("pharm", "Pharm", Role.PHARMACIST, PASSWORD)
        pharmacist_token = issue_token(pharmacist, "tests")
        db.session.commit()
        user_id = user.id
    return {"user_id": user_id, "token": token, "pharmacist_token": pharmacist_token}


def browsers(app, count):
    """`count` test clients signed in as the technician (one person's tabs)."""
    return [sign_in(app.test_client(), "tech") for _ in range(count)]


def test_the_same_order_form_posted_by_two_workers_at_once_stores_one_order(
    pg_app, technician, make_document
):
    first, second = browsers(pg_app, 2)
    token = TOKEN.search(first.get("/orders/new").get_data(as_text=True))[1]
    data = form_data(make_document()) | {"save": "1", "once_token": token}
    answers = together(
        lambda: first.post("/orders/new", data=data),
        lambda: second.post("/orders/new", data=data),
    )
    assert orders(pg_app) == 1
    assert sorted(a.status_code for a in answers) == [302, 303]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]


def waiting_on_a_lock(url, timeout=30.0):
    """Until another session of this database waits on a lock (True), or the timeout."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    deadline = time.monotonic() + timeout
    try:
        with engine.connect() as connection:
            while time.monotonic() < deadline:
                waiting = connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                        " AND wait_event_type = 'Lock'"
                    )
                )
                if waiting:
                    return True
                time.sleep(0.02)
        return False
    finally:
        engine.dispose()


def test_a_post_racing_an_uncommitted_twin_waits_for_it_and_is_shown_its_record(
    pg_app, pg_url, technician, make_document
):
    """The unique row is what decides: the second post waits on it while the first is
    uncommitted, and is sent to the first's record when it commits."""
    (browser,) = browsers(pg_app, 1)
    token = TOKEN.search(browser.get("/orders/new").get_data(as_text=True))[1]
    _, nonce = URLSafeTimedSerializer(pg_app.secret_key, salt=once._SALT).loads(token)
    with pg_app.test_request_context("/orders/new"):
        nonce = once._for_this_url(nonce)
    data = form_data(make_document()) | {"save": "1", "once_token": token}
    twin = create_engine(pg_url)
    answer = []
    try:
        with twin.connect() as connection:
            connection.execute(
                insert(FormSubmission).values(
                    nonce=nonce,
                    user_id=technician["user_id"],
                    what="order",
                    result_url="/orders/4242",
                    created_at=func.now(),
                )
            )
            post = threading.Thread(
                target=lambda: answer.append(browser.post("/orders/new", data=data))
            )
            post.start()
            assert waiting_on_a_lock(pg_url)
            connection.commit()
        post.join(60)
    finally:
        twin.dispose()
    assert answer[0].status_code == 303
    assert answer[0].headers["Location"].endswith("/orders/4242")
    assert orders(pg_app) == 0


def test_the_same_idempotency_key_sent_by_two_workers_at_once_stores_one_order(
    pg_app, technician, make_document
):
    clients = [pg_app.test_client() for _ in range(2)]
    headers = {"Authorization": f"Bearer {technician['token']}", "Idempotency-Key": "race-1"}
    answers = together(
        *[
            lambda c=c: c.post("/api/v1/orders", json=make_document(), headers=headers)
            for c in clients
        ]
    )
    assert orders(pg_app) == 1
    statuses = sorted(a.status_code for a in answers)
    assert statuses in ([201, 201], [201, 409])
    created = [a for a in answers if a.status_code == 201]
    assert len({a.get_data() for a in created}) == 1
    assert all(
        "still being answered" in a.get_json()["message"] for a in answers if a.status_code == 409
    )


def test_a_retry_while_the_first_request_is_in_flight_gets_409_then_the_answer(
    pg_app, pg_url, technician, make_document
):
    client = pg_app.test_client()
    headers = {"Authorization": f"Bearer {technician['token']}", "Idempotency-Key": "slow-1"}
    holder = create_engine(pg_url)
    try:
        with holder.connect() as connection:
            # What the first request holds while it stores its order.
            lock = advisory_lock_id(technician["user_id"], "slow-1")
            connection.execute(select(func.pg_advisory_xact_lock(lock)))
            busy = client.post("/api/v1/orders", json=make_document(), headers=headers)
            connection.rollback()
    finally:
        holder.dispose()
    assert busy.status_code == 409
    assert "still being answered" in busy.get_json()["message"]
    assert orders(pg_app) == 0
    assert client.post("/api/v1/orders", json=make_document(), headers=headers).status_code == 201
    again = client.post("/api/v1/orders", json=make_document(), headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert orders(pg_app) == 1


def test_the_same_verification_key_sent_twice_at_once_verifies_once(
    pg_app, technician, make_document
):
    client = pg_app.test_client()
    order = client.post(
        "/api/v1/orders",
        json=make_document(),
        headers={"Authorization": f"Bearer {technician['token']}"},
    ).get_json()
    headers = {
        "Authorization": f"Bearer {technician['pharmacist_token']}",
        "Idempotency-Key": "verify-race",
    }
    url = f"/api/v1/orders/{order['id']}/verification"
    clients = [pg_app.test_client() for _ in range(2)]
    answers = together(
        *[
            lambda c=c: c.post(url, json={"check_id": order["check_id"]}, headers=headers)
            for c in clients
        ]
    )
    assert sorted(a.status_code for a in answers) in ([200, 200], [200, 409])
    assert all(
        "still being answered" in a.get_json()["message"] for a in answers if a.status_code == 409
    )
    with pg_app.app_context():
        kinds = [e.kind for e in db.session.get(Order, order["id"]).events]
    assert kinds.count("verified") == 1
