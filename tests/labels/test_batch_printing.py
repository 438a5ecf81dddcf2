"""What prints: "all labels ready" means waiting for a first label (never a rejected order's,
never twice), a batch on the stock chosen and from a chosen position of a partly used sheet,
ids read strictly, and no label or patient sheet for a rejected order."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelPrint, LabelStock
from pharmacy_app.labels.services import claim_ready, default_stock, ready_to_label, record_print
from pharmacy_app.orders.models import Order
from tests.conftest import seen
from tests.labels.conftest import pdf_text


def prints(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LabelPrint))


def stock_named(app, start):
    with app.app_context():
        stock = db.session.scalars(select(LabelStock).where(LabelStock.name.startswith(start)))
        return stock.one().id


def reject_leaving_the_fill(app, order_id):
    """Rejected as before rejection discarded the fills (or by another worker meanwhile)."""
    with app.app_context():
        db.session.get(Order, order_id).status = "rejected"
        db.session.commit()


def all_ready(client, follow_redirects=False):
    return client.post("/labels/batch", data={"all_ready": "1"}, follow_redirects=follow_redirects)


def test_all_ready_prints_only_labels_not_yet_printed_and_twice_prints_nothing(
    app, signed_in, ready_order
):
    printed_already = ready_order(patient={"first_name": "Printed"})
    waiting = ready_order(patient={"first_name": "Waiting"})
    technician = signed_in("technician")
    technician.post(f"/orders/{printed_already}/label")

    pages, _ = pdf_text(all_ready(technician).data)
    assert len(pages) == 1 and "Waiting" in pages[0]
    assert prints(app) == 2

    again = all_ready(technician, follow_redirects=True)
    assert again.mimetype == "text/html"
    assert "No labels waiting" in again.get_data(as_text=True)
    assert prints(app) == 2
    assert waiting


def test_labels_printed_by_someone_else_meanwhile_are_not_claimed_again(
    app, make_user, ready_order
):
    first, second = ready_order(), ready_order()
    technician = make_user("technician")
    with app.app_context():
        seen = ready_to_label()  # what this batch found ready
        assert [r.order_id for r in seen] == [first, second]
        with app.app_context():  # a colleague's batch, a moment earlier, on another worker
            theirs = db.session.get(CompoundingRecord, seen[0].id)
            record_print(theirs, default_stock(), db.session.get(User, technician.id))
            db.session.commit()
        assert [r.order_id for r in claim_ready(seen)] == [second]
        db.session.rollback()


def test_all_ready_leaves_out_a_rejected_orders_fill(app, signed_in, ready_order):
    rejected = ready_order(patient={"first_name": "Rejected"})
    kept = ready_order(patient={"first_name": "Kept"})
    reject_leaving_the_fill(app, rejected)
    with app.app_context():
        assert [r.order_id for r in ready_to_label()] == [kept]
    pages, _ = pdf_text(all_ready(signed_in("technician")).data)
    assert len(pages) == 1 and "Kept" in pages[0] and "Rejected" not in pages[0]


def test_a_rejected_order_gets_no_label_from_its_page_the_api_or_a_chosen_batch(
    app, api, signed_in, ready_order
):
    order_id = ready_order()
    reject_leaving_the_fill(app, order_id)
    technician = signed_in("technician")
    page = technician.post(f"/orders/{order_id}/label", follow_redirects=True)
    assert "rejected" in page.get_data(as_text=True)
    answer = api.post(f"/api/v1/orders/{order_id}/label")
    assert answer.status_code == 409 and "rejected" in answer.get_json()["message"]
    chosen = technician.post(
        "/labels/batch", data={"order_id": str(order_id)}, follow_redirects=True
    )
    assert "was rejected" in chosen.get_data(as_text=True)
    assert prints(app) == 0


def test_no_patient_sheet_for_a_rejected_order(app, signed_in, ready_order):
    order_id = ready_order()
    technician = signed_in("technician")
    assert technician.get(f"/orders/{order_id}/patient-sheet.pdf").mimetype == "application/pdf"
    signed_in("pharmacist").post(
        f"/orders/{order_id}/reject", data=seen(app, order_id, reason="Patient started tramadol")
    )
    refused = technician.get(f"/orders/{order_id}/patient-sheet.pdf")
    assert refused.status_code == 303 and refused.mimetype != "application/pdf"
    page = technician.get(refused.location).get_data(as_text=True)
    assert "The order is rejected: the patient information sheet" in page


def test_a_batch_prints_on_the_stock_chosen(app, signed_in, ready_order):
    ids = [str(ready_order(patient={"first_name": f"P{n}"})) for n in range(2)]
    three_by_two = stock_named(app, "Thermal roll 3 x 2")
    response = signed_in("technician").post(
        "/labels/batch", data={"order_id": ids, "stock": str(three_by_two)}
    )
    _pages, sizes = pdf_text(response.data)
    assert sizes == [(76.2, 50.8)] * 2
    with app.app_context():
        assert {p.stock_id for p in db.session.scalars(select(LabelPrint))} == {three_by_two}


def tops_of_names(data: bytes, names: list[str]) -> dict[str, tuple[int, float]]:
    """The page and height from the sheet's top (mm) at which each name is printed."""
    found: dict[str, tuple[int, float]] = {}
    reader = PdfReader(io.BytesIO(data))
    for number, page in enumerate(reader.pages):
        height = float(page.mediabox.height)

        def visit(text, cm, tm, _font, _size, number=number, height=height):
            for name in names:
                if name in text and name not in found:
                    y = tm[5] * cm[3] + cm[5]
                    found[name] = (number, round((height - y) * 25.4 / 72, 1))

        page.extract_text(visitor_text=visit)
    return found


def test_a_partly_used_sheet_is_printed_from_the_position_chosen(app, signed_in, ready_order):
    names = ["Ninth", "Tenth", "Eleventh"]
    ids = [str(ready_order(patient={"first_name": name})) for name in names]
    avery = stock_named(app, "Avery 5163")  # 2 across, 5 down: positions 9 and 10 are the last
    response = signed_in("technician").post(
        "/labels/batch", data={"order_id": ids, "stock": str(avery), "first_position": "9"}
    )
    pages, sizes = pdf_text(response.data)
    assert len(pages) == 2 and sizes[0] == (215.9, 279.4)
    tops = tops_of_names(response.data, names)
    # The fifth row starts 12.7 + 4 x 50.8 = 215.9 mm from the top; the next sheet at 12.7.
    assert tops["Ninth"][0] == tops["Tenth"][0] == 0 and tops["Eleventh"][0] == 1
    assert 215.9 < tops["Ninth"][1] < 215.9 + 50.8
    assert 12.7 < tops["Eleventh"][1] < 12.7 + 50.8


@pytest.mark.parametrize("position", ["11", "0", "²", "three", "99999999999999999999"])
def test_a_start_position_not_on_the_sheet_is_refused(app, signed_in, ready_order, position):
    order_id = ready_order()
    avery = stock_named(app, "Avery 5163")
    response = signed_in("technician").post(
        "/labels/batch",
        data={"order_id": str(order_id), "stock": str(avery), "first_position": position},
        follow_redirects=True,
    )
    assert response.mimetype == "text/html"
    assert "is not a position on Avery 5163" in response.get_data(as_text=True)
    assert prints(app) == 0


def test_a_start_position_means_nothing_on_a_roll(app, signed_in, ready_order):
    order_id = ready_order()
    response = signed_in("technician").post(
        "/labels/batch", data={"order_id": str(order_id), "first_position": "5"}
    )
    assert len(pdf_text(response.data)[0]) == 1


@pytest.mark.parametrize("value", ["²", "١", "99999999999999999999", "-1", " "])
def test_an_order_id_that_is_not_plain_digits_is_ignored(app, signed_in, ready_order, value):
    ready_order()
    response = signed_in("technician").post(
        "/labels/batch", data={"order_id": value}, follow_redirects=True
    )
    assert response.status_code == 200
    assert "No labels to print" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", ["²", "999", "99999999999999999999"])
def test_a_stock_that_is_not_set_up_is_refused(app, signed_in, ready_order, value):
    order_id = ready_order()
    response = signed_in("technician").post(
        f"/orders/{order_id}/label", data={"stock": value}, follow_redirects=True
    )
    assert "That label stock is not set up" in response.get_data(as_text=True)
    assert prints(app) == 0


def test_the_queue_offers_the_stocks_and_a_start_position(app, signed_in):
    page = signed_in("technician").get("/orders").get_data(as_text=True)
    batch = page[page.index('id="batch-labels"') :]
    assert 'name="stock"' in batch and "Avery 5163" in batch
    assert 'name="first_position"' in batch and "Start at label" in batch
