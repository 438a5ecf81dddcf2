"""What depends on the database, on PostgreSQL: concurrent Rx numbers, the API end to end."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from pharmacy_app.accounts.models import Role
from pharmacy_app.accounts.services import create_user, issue_token
from pharmacy_app.checks import parse_order_document
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.orders.patients import Patient
from pharmacy_app.orders.services import create_order, current_policy
from pharmacy_app.timeutil import pharmacy_today

pytestmark = pytest.mark.postgres


def save_concurrently(app, document, clients=8, each=10):
    """`clients` threads, each with its own connection, save `each` orders at once."""
    errors: list[BaseException] = []
    start = threading.Barrier(clients)

    def client() -> None:
        try:
            with app.app_context():
                start.wait()
                for _ in range(each):
                    create_order(
                        parse_order_document(document, today=pharmacy_today()),
                        policy=current_policy(),
                        entered_by=None,
                    )
                    db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_rx_numbers_stay_unique_and_gapless_under_concurrent_saves(pg_app, make_document):
    save_concurrently(pg_app, make_document())
    with pg_app.app_context():
        numbers = db.session.scalars(select(Order.rx_number)).all()
        assert len(numbers) == 80
        assert sorted(numbers) == [f"RX-{n}" for n in range(100001, 100081)]
        # The same returning patient is stored once, however many clients saved at once.
        assert db.session.scalar(select(func.count()).select_from(Patient)) == 1


def test_the_api_stores_and_reads_orders_on_postgresql(pg_app, make_document):
    client = pg_app.test_client()
    with pg_app.app_context():
        user = create_user("tech", "Tech", Role.TECHNICIAN, "correct horse battery")
        token = issue_token(user, "tests")
        db.session.commit()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    created = client.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "Ingvild", "last_name": "Ødegaard"},
            preparation={"release": "XL"},
        ),
    )
    assert created.status_code == 201
    body = client.get(f"/api/v1/orders/{created.get_json()['id']}").get_json()
    assert body["verdict"] == "block"
    assert body["document"]["patient"]["last_name"] == "Ødegaard"
    again = client.post(
        "/api/v1/orders",
        json=make_document(patient={"first_name": "INGVILD", "last_name": "ødegaard"}),
    )
    assert again.get_json()["patient_id"] == body["patient_id"]


@pytest.mark.postgres
def test_text_that_grows_when_upper_cased_still_fits_its_columns(pg_app, make_document):
    document = make_document(
        patient={"first_name": "ß" * 200, "last_name": "ß" * 200},
        prescriber={"license_number": "ß" * 200, "state": "ß" * 40},
    )
    with pg_app.app_context():
        order = create_order(
            parse_order_document(document, today=pharmacy_today()),
            policy=current_policy(),
            entered_by=None,
        )
        db.session.commit()
        assert len(order.patient.name_key) <= 401
        assert len(order.prescriber.license_number) <= 200


@pytest.mark.postgres
def test_two_pharmacists_verifying_at_once_verify_the_order_once(pg_app, make_document):
    from pharmacy_app.orders.workflow import verify_order
    from pharmacy_app.workflow import WorkflowError

    with pg_app.app_context():
        ids = [
            create_user(
                f"pharm{n}", f"Pharmacist {n}", Role.PHARMACIST, "a long enough password"
            ).id
            for n in range(4)
        ]
        order = create_order(
            parse_order_document(make_document(), today=pharmacy_today()),
            policy=current_policy(),
            entered_by=None,
        )
        db.session.commit()
        order_id = order.id
    verified, refused, errors = [], [], []
    start = threading.Barrier(len(ids))

    def pharmacist(user_id: int) -> None:
        try:
            with pg_app.app_context():
                from pharmacy_app.accounts.models import User

                mine, user = db.session.get(Order, order_id), db.session.get(User, user_id)
                start.wait()
                try:
                    verify_order(mine, user)
                    db.session.commit()
                    verified.append(user_id)
                except WorkflowError:
                    db.session.rollback()
                    refused.append(user_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=pharmacist, args=(i,)) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert (len(verified), len(refused)) == (1, len(ids) - 1)
    with pg_app.app_context():
        kinds = [e.kind for e in db.session.get(Order, order_id).events]
        assert kinds.count("verified") == 1
