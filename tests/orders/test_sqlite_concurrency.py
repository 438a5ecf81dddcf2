"""Rx numbers stay unique when several clients save at once on SQLite too."""

from __future__ import annotations

from sqlalchemy import select

from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from tests.orders.test_postgres import save_concurrently


def test_rx_numbers_stay_unique_under_concurrent_saves_on_sqlite(app, make_document):
    save_concurrently(app, make_document(), clients=4, each=5)
    with app.app_context():
        numbers = db.session.scalars(select(Order.rx_number)).all()
        assert sorted(numbers) == [f"RX-{n}" for n in range(100001, 100021)]
