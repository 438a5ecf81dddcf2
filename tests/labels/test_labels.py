"""The label: every required element, the page size of each stock, one page, safety."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelPrint, LabelStock
from tests.fills import code_of, handover_form, release_in
from tests.labels.conftest import pdf_text
from tests.labels.samples import sample_label

# Renders and reads PDFs with WeasyPrint: left out of `scripts/test --quick`, run in CI.
pytestmark = pytest.mark.slow


def stocks(app):
    with app.app_context():
        return [
            (s.id, s.name, s.is_sheet, float(s.page_size_mm[0]), float(s.page_size_mm[1]))
            for s in db.session.scalars(select(LabelStock).order_by(LabelStock.id))
        ]


def print_label(client, order_id, stock_id=None):
    data = {"stock": stock_id} if stock_id else {}
    return client.post(f"/orders/{order_id}/label", data=data)


def test_the_label_carries_everything_required(app, signed_in, ready_order):
    order_id = ready_order()
    response = print_label(signed_in("technician"), order_id)
    assert response.mimetype == "application/pdf"
    pages, sizes = pdf_text(response.data)
    assert len(pages) == 1
    text = pages[0]
    for required in [
        "Willow Creek Compounding Pharmacy",
        "1420 SE Hawthorne Blvd",
        "(503) 555-0142",
        "RX-100001",
        "Filled",
        "Ann Lee",
        "Dana Ruiz, MD",
        "Naltrexone HCl 4.5 mg",
        "capsules, immediate release",
        "Take 1 capsule (4.5 mg) by mouth at bedtime",
        "Qty 30 capsules",
        "Refills: 2",
        "Discard after",
        "Batch B",
        "compounded preparation",
        "Do not take with opioid pain medicines",
        "vivid dreams",
    ]:
        assert required in text, required
    # Naltrexone is not scheduled: no controlled-substance transfer caution (profiles.py),
    # and the Rx number is printed once, not "Rx RX-".
    assert "Federal law" not in text and "Rx RX" not in text
    assert sizes == [(101.6, 50.8)]


@pytest.mark.parametrize("index", range(5))
def test_each_stock_gives_its_page_size(app, signed_in, ready_order, index):
    stock_id, name, _is_sheet, width, height = stocks(app)[index]
    pages, sizes = pdf_text(print_label(signed_in("technician"), ready_order(), stock_id).data)
    assert len(pages) == 1 and sizes == [(round(width, 1), round(height, 1))], name
    assert "Ann Lee" in pages[0]


def test_long_names_and_directions_shrink_onto_one_page(app, signed_in, ready_order):
    long_name = "Maximiliana Alexandrina Konstantinopoulou-Vanderbilt de la Fuente y Montalbán"
    order_id = ready_order(
        patient={"first_name": "Anna-Sophia Wilhelmina", "last_name": long_name},
        sig={"text": "Take one capsule by mouth at bedtime. " * 8},
    )
    for stock_id, *_ in stocks(app)[:2]:
        pages, _sizes = pdf_text(print_label(signed_in("technician"), order_id, stock_id).data)
        assert len(pages) == 1
        # The pharmacy's line, printed last, is there: nothing was cut.
        assert "Montalbán" in pages[0] and "Hawthorne" in pages[0]


def test_accents_and_non_latin_names_print(app, signed_in, ready_order):
    order_id = ready_order(patient={"first_name": "芳", "last_name": "王"})
    pages, _ = pdf_text(print_label(signed_in("technician"), order_id).data)
    assert "王" in pages[0] or "芳" in pages[0]
    accented = ready_order(patient={"first_name": "Zoë", "last_name": "Nguyễn"})
    pages, _ = pdf_text(print_label(signed_in("technician"), accented).data)
    assert "Nguyễn" in pages[0] and "Zoë" in pages[0]


@pytest.mark.parametrize(
    "name",
    ['<img src="file:///etc/passwd">', '<link href="http://example.com/x.css" rel="stylesheet">'],
)
def test_markup_in_a_name_prints_as_plain_text_and_nothing_is_fetched(
    app, signed_in, ready_order, name, monkeypatch
):
    fetched = []
    import pharmacy_app.pdf as pdf

    real = pdf._fetcher

    def spy(static):
        inner = real(static)

        def fetch(url, *args, **kwargs):
            fetched.append(url)
            return inner(url, *args, **kwargs)

        return fetch

    monkeypatch.setattr(pdf, "_fetcher", spy)
    order_id = ready_order(patient={"first_name": name})
    pages, _ = pdf_text(print_label(signed_in("technician"), order_id).data)
    assert name.split(" ")[0] in pages[0]  # the markup is printed as text
    assert fetched == []


def test_every_print_is_recorded_and_reprints_are_marked(app, signed_in, ready_order):
    order_id = ready_order()
    client = signed_in("technician")
    print_label(client, order_id)
    print_label(client, order_id)
    with app.app_context():
        prints = db.session.scalars(select(LabelPrint).order_by(LabelPrint.id)).all()
        assert [p.reprint for p in prints] == [False, True]
        assert prints[0].printed_by.username == client.user.username
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "Reprinted" in page and "label reprinted" in page


def test_an_order_that_is_not_ready_gets_no_label(app, api, signed_in, make_document, catalogue):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    response = print_label(signed_in("technician"), order["id"])
    assert response.status_code == 303
    page = signed_in("technician").get(f"/orders/{order['id']}").get_data(as_text=True)
    answer = api.post(f"/api/v1/orders/{order['id']}/label")
    assert answer.status_code == 409
    assert "not verified" in answer.get_json()["message"]
    with app.app_context():
        assert db.session.scalars(select(LabelPrint)).all() == []
    assert page


def test_the_api_prints_a_ready_label(api, ready_order):
    order_id = ready_order()
    answer = api.post(f"/api/v1/orders/{order_id}/label")
    assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    assert "RX-" in pdf_text(answer.data)[0][0]


def test_a_batch_prints_one_label_each_in_queue_order(app, signed_in, ready_order):
    first = ready_order(patient={"first_name": "Alpha"})
    second = ready_order(patient={"first_name": "Beta"})
    client = signed_in("technician")
    everything = client.post("/labels/batch", data={"all_ready": "1"})
    assert len(pdf_text(everything.data)[0]) == 2
    # Chosen orders are printed again, deliberately (everything ready now prints nothing).
    response = client.post("/labels/batch", data={"order_id": [str(first), str(second)]})
    pages, _ = pdf_text(response.data)
    assert len(pages) == 2
    # The queue shows work still to do oldest first.
    assert "Alpha" in pages[0] and "Beta" in pages[1]


def test_a_sheet_stock_puts_several_labels_on_a_page(app, signed_in, ready_order):
    ids = [str(ready_order(patient={"first_name": f"P{n}"})) for n in range(3)]
    sheet = next(s for s in stocks(app) if s[2])
    response = signed_in("technician").post(
        "/labels/batch", data={"order_id": ids, "stock": sheet[0]}
    )
    pages, _sizes = pdf_text(response.data)
    assert len(pages) == 1 and all(f"P{n}" in pages[0] for n in range(3))


def test_the_calibration_page_and_patient_sheet_print(app, signed_in, ready_order):
    client = signed_in("technician")
    for stock_id, name, *_ in stocks(app):
        pages, _ = pdf_text(client.get(f"/labels/stocks/{stock_id}/calibration.pdf").data)
        assert len(pages) == 1 and name.split(" (")[0][:10] in pages[0]
    pages, sizes = pdf_text(client.get(f"/orders/{ready_order()}/patient-sheet.pdf").data)
    assert "Who must not take it" in " ".join(pages) and sizes[0] == (215.9, 279.4)


def test_dispensing_closes_the_fill_and_refills_start_a_new_one(
    app, api, signed_in, make_user, ready_order
):
    order_id = ready_order(refills=1)
    client = signed_in("technician")
    records = client.get(f"/orders/{order_id}").get_data(as_text=True)
    record_id = int(re.search(r"/compounding/records/(\d+)", records)[1])
    refused = client.post(
        f"/compounding/records/{record_id}/dispense",
        data={"method": "picked_up"},
        follow_redirects=True,
    )
    assert "Print the label before dispensing" in refused.get_data(as_text=True)
    print_label(client, order_id)
    release_in(app, record_id, make_user("pharmacist"))
    with app.app_context():
        code = code_of(db.session.get(CompoundingRecord, record_id))
    client.post(
        f"/compounding/records/{record_id}/dispense",
        data=handover_form(code, "shipped", carrier="USPS", tracking_number="9400 1000"),
    )
    # The refill waits for a request: refills on file, not "to compound".
    assert api.get(f"/api/v1/orders/{order_id}").get_json()["status"] == "refillable"
    page = client.get(f"/orders/{order_id}").get_data(as_text=True)
    assert "1 refill(s) left" in page and "Refills left: 1 of 1" in page
    assert "Request refill" in page and ">Compound</a>" not in page


def test_a_big_roll_batch_is_laid_out_in_parallel_in_order(app):
    from pharmacy_app.labels.models import PRESETS
    from pharmacy_app.labels.rendering import render_labels

    stock = LabelStock.from_preset(PRESETS[0])
    long_name = "Wilhelmina Konstantinopoulou-Vanderbilt de la Fuente y Montalbán " * 2
    labels = [sample_label(n, **({"patient": long_name} if n == 17 else {})) for n in range(30)]
    with app.test_request_context():
        pages, _ = pdf_text(render_labels(labels, stock))
    assert len(pages) == 30
    assert [re.search(r"RX-\d+", p)[0] for p in pages] == [f"RX-{100001 + n}" for n in range(30)]
    assert "Montalbán" in pages[17]
