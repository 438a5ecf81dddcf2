"""Dispensing fixtures: a labelled fill waiting for its final check (the label fixtures'
ready_order, its label printed)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pharmacy_app.barcodes import fill_code
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from tests.labels.conftest import ready_order  # noqa: F401  (the fixture, used below)
from tests.labels.test_dispensing import printed


@dataclass(frozen=True)
class Labelled:
    order_id: int
    record_id: int
    rx_number: str
    batch_number: str
    code: str  # the fill code its label carries


@pytest.fixture
def labelled(app, signed_in, ready_order):  # noqa: F811
    """labelled(**changes) -> a signed-off fill of a new order with its label printed, not
    yet released."""

    def make(**changes):
        order_id = ready_order(**changes)
        record = printed(signed_in("technician"), order_id, released=False)
        with app.app_context():
            rx_number = db.session.get(Order, order_id).rx_number
        code = fill_code(rx_number, record.fill_number)
        return Labelled(order_id, record.id, rx_number, record.batch_number, code)

    return make
