"""Label stocks as settings, and refills: each a new fill with its own record and label."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.compounding.services import (
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from pharmacy_app.dispensing.refills import request_refill
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.forms import LabelStockForm
from pharmacy_app.labels.models import LabelStock
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.orders.models import Order
from pharmacy_app.timeutil import utcnow
from pharmacy_app.workflow import WorkflowError
from tests.fills import handover, lots_scanned, release_fill
from tests.labels.conftest import pdf_text

STOCK = {
    "name": "Star 3 x 1.5 in roll",
    "label_width_mm": "76.2",
    "label_height_mm": "38.1",
    "columns": "1",
    "rows": "1",
    "margin_top_mm": "0",
    "margin_left_mm": "0",
    "gap_x_mm": "0",
    "gap_y_mm": "0",
    "padding_mm": "2",
    "offset_x_mm": "0.5",
    "offset_y_mm": "-0.5",
}


def test_an_admin_adds_and_nudges_a_label_stock(app, signed_in):
    admin = signed_in("admin")
    assert admin.post("/labels/stocks", data=STOCK).status_code == 302
    with app.app_context():
        stock = db.session.scalars(select(LabelStock).where(LabelStock.name == STOCK["name"])).one()
        assert (stock.offset_x_mm, stock.offset_y_mm, stock.is_sheet) == (
            Decimal("0.5"),
            Decimal("-0.5"),
            False,
        )
        stock_id = stock.id
    calibration = admin.get(f"/labels/stocks/{stock_id}/calibration.pdf")
    assert pdf_text(calibration.data)[1] == [(76.2, 38.1)]


def test_a_sheet_layout_that_does_not_fit_is_refused(app, signed_in):
    page = signed_in("admin").post(
        "/labels/stocks",
        data=STOCK
        | {
            "name": "Too many",
            "sheet_width_mm": "215.9",
            "sheet_height_mm": "279.4",
            "columns": "3",
            "rows": "5",
            "label_width_mm": "101.6",
        },
    )
    assert "do not fit on the sheet" in page.get_data(as_text=True)


def test_only_an_admin_manages_stocks(signed_in):
    assert signed_in("technician").get("/labels/stocks").status_code == 403
    assert signed_in("pharmacist").post("/labels/stocks", data=STOCK).status_code == 403


def test_refills_are_new_fills_until_none_are_left(app, make_user, ready_order):
    order_id = ready_order(refills=1)
    technician, pharmacist = make_user("technician"), make_user("pharmacist")
    with app.app_context():
        tech = db.session.get(User, technician.id)
        order = db.session.get(Order, order_id)
        first = db.session.scalars(select(CompoundingRecord)).one()
        try:
            start_record(order, matching_formulations(order)[0][0], {}, tech)
            raise AssertionError("a second fill before the first is dispensed")
        except WorkflowError as exc:
            assert "compounded" in str(exc) or "not dispensed" in str(exc)

        record_print(first, default_stock(), tech)
        release_fill(first, pharmacist)
        # A month ago: the refill below is due (not too soon).
        dispense(
            first,
            "picked_up",
            "",
            tech,
            at=utcnow() - dt.timedelta(days=30),
            handover=handover(first),
        )
        assert order.status == "refillable"
        request_refill(order, "patient", "counter", tech)
        refill = start_record(order, matching_formulations(order)[0][0], {}, tech)
        db.session.flush()
        record_weights(
            refill,
            {c.id: c.required for c in refill.components},
            tech,
            scanned_lots=lots_scanned(refill),
        )
        sign_off(refill, db.session.get(User, pharmacist.id))
        db.session.commit()
        assert (refill.fill_number, order.status) == (2, "compounded")
        record_print(refill, default_stock(), tech)
        release_fill(refill, pharmacist)
        dispense(refill, "shipped", "UPS 1Z999", tech, handover=handover(refill, "shipped"))
        db.session.commit()
        assert order.status == "dispensed"
        try:
            start_record(order, matching_formulations(order)[0][0], {}, tech)
            raise AssertionError("a fill beyond the refills")
        except WorkflowError as exc:
            assert "verified" in str(exc) or "No refills" in str(exc)


def test_the_refill_label_shows_the_refills_left(app, signed_in, make_user, ready_order):
    order_id = ready_order(refills=2)
    client = signed_in("technician")
    first = pdf_text(client.post(f"/orders/{order_id}/label").data)[0][0]
    assert "Refills: 2" in first


def stock_names(app):
    with app.app_context():
        return sorted(db.session.scalars(select(LabelStock.name)))


@pytest.mark.parametrize(
    "name",
    [
        "Thermal roll 3 x 2 in (76.2 x 50.8 mm)",
        "  Thermal roll 3 x 2 in (76.2 x 50.8 mm) ",
        "THERMAL ROLL 3 X 2 IN (76.2 X 50.8 MM)",
    ],
)
def test_a_new_stock_with_a_name_in_use_is_refused_at_the_name(app, signed_in, name):
    before = stock_names(app)
    response = signed_in("admin").post("/labels/stocks", data=STOCK | {"name": name})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    name_field = page[page.rindex('data-field="name"') :].split('data-field="')[1]
    assert "already exists: give this one its own name" in name_field
    assert stock_names(app) == before


def edit_form_data(app, name_like):
    """The edit form of the stock named like `name_like`, as posted untouched (a change
    carries no one-time token: it may be saved again)."""
    with app.test_request_context():
        stock = db.session.scalars(select(LabelStock).where(LabelStock.name.like(name_like))).one()
        form = LabelStockForm.for_stock(stock)
        return {
            name: "" if value is None else str(value)
            for name, value in form.data.items()
            if name != "once_token"
        }


def test_renaming_a_stock_to_a_name_in_use_is_refused_at_that_stock(app, signed_in):
    data = edit_form_data(app, "DYMO%")
    before = stock_names(app)
    data |= {"name": "Avery 5163 sheet, 2 x 4 in, 10 per US letter", "is_default": ""}
    response = signed_in("admin").post("/labels/stocks", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # Shown open at the DYMO stock, with the name as typed; the new-stock form stays empty.
    dymo_form = page[page.index('<details class="stock" open>') :].split("</details>")[0]
    assert "DYMO 30256" in dymo_form and "already exists" in dymo_form
    assert 'value="Avery 5163 sheet, 2 x 4 in, 10 per US letter"' in dymo_form
    assert stock_names(app) == before


def test_a_stock_keeps_its_own_name_when_saved_again(app, signed_in):
    data = edit_form_data(app, "DYMO%")
    data |= {"offset_x_mm": "1.5", "is_default": ""}
    assert signed_in("admin").post("/labels/stocks", data=data).status_code == 302
    with app.app_context():
        assert db.session.scalars(
            select(LabelStock.offset_x_mm).where(LabelStock.name.like("DYMO%"))
        ).one() == Decimal("1.5")
