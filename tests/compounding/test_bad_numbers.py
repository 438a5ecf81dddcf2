"""Numbers that are not numbers (NaN, infinities) get a message at the field, never a 500."""

import re

import pytest
from sqlalchemy import select

from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.extensions import db


@pytest.mark.parametrize("value", ["NaN", "sNaN", "Infinity", "-Infinity", "1e999999"])
def test_non_numbers_are_refused_in_every_money_and_amount_field(
    app, signed_in, verified_order, value
):
    order_id = verified_order()
    technician = signed_in("technician")
    page = technician.get(f"/compounding/orders/{order_id}/start").get_data(as_text=True)
    mfr = re.search(r'<option selected value="(\d+)"', page) or re.search(
        r'name="mfr"><option value="(\d+)"', page
    )
    technician.post(f"/compounding/orders/{order_id}/start", data={"mfr": mfr[1]})
    with app.app_context():
        record = db.session.scalars(select(CompoundingRecord)).first()
        ids, record_id = [c.id for c in record.components], record.id
    answers = [
        technician.post(
            f"/compounding/records/{record_id}/weights", data={f"actual-{i}": value for i in ids}
        ),
        technician.post(
            "/compounding/lots",
            data={
                "ingredient": "1",
                "supplier": "Medisca",
                "lot_number": f"L-{value}",
                "expiry_date": "2030-01-01",
                "quantity": value,
                "unit_cost": value,
            },
        ),
        signed_in("pharmacist").post(
            "/costs/prices",
            data={
                "family": "x",
                "method": "base",
                "base_price": value,
                "base_quantity": value,
                "dispensing_fee": value,
                "effective_from": "2026-01-01",
            },
        ),
        signed_in("admin").post(
            "/labels/stocks", data={"name": "Odd", "label_width_mm": value, "label_height_mm": "50"}
        ),
    ]
    assert all(answer.status_code < 500 for answer in answers)
    with app.app_context():
        assert db.session.get(CompoundingRecord, record_id).status == "in_progress"
