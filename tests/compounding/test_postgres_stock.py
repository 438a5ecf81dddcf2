"""Two fills drawing on the same lot at once never take it below zero (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_app.compounding.models import Ingredient, Lot
from pharmacy_app.compounding.services import _take_from_stock
from pharmacy_app.extensions import db
from pharmacy_app.workflow import WorkflowError

pytestmark = pytest.mark.postgres


def test_concurrent_fills_never_overdraw_a_lot(pg_app):
    with pg_app.app_context():
        ingredient = Ingredient(
            name="Naltrexone HCl USP powder", kind="active_powder", stock_unit="g"
        )
        lot = Lot(
            ingredient=ingredient,
            supplier="Medisca",
            lot_number="NX-1",
            expiry_date=dt.date(2030, 1, 1),
            quantity_received=Decimal("1.0"),
            on_hand=Decimal("1.0"),
            unit_cost=Decimal(40),
        )
        db.session.add(lot)
        db.session.commit()
        lot_id = lot.id
    taken, refused, errors = [], [], []
    start = threading.Barrier(8)

    def fill() -> None:
        try:
            with pg_app.app_context():
                mine = db.session.get(Lot, lot_id)
                start.wait()
                try:
                    _take_from_stock(mine, Decimal("0.3"))  # 8 x 0.3 g from a 1 g lot
                    db.session.commit()
                    taken.append(1)
                except WorkflowError:
                    db.session.rollback()
                    refused.append(1)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=fill) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert (len(taken), len(refused)) == (3, 5)
    with pg_app.app_context():
        assert db.session.scalars(select(Lot.on_hand).where(Lot.id == lot_id)).one() == (
            Decimal("0.1")
        )
