"""A label stock asked for by id that is not set up is refused with the reason (the API
answers 400), never replaced by the default stock."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelPrint, LabelStock


def prints(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LabelPrint))


@pytest.mark.parametrize("value", ["abc", "999", "0", "-1", "1.5", "²", "99999999999999999999"])
def test_the_api_refuses_a_stock_that_is_not_set_up(app, api, ready_order, value):
    order_id = ready_order()
    answer = api.post(f"/api/v1/orders/{order_id}/label", query_string={"stock": value})
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "Bad Request"
    assert "That label stock" in answer.get_json()["message"]
    assert "is not set up" in answer.get_json()["message"]
    assert prints(app) == 0


def test_the_api_refuses_an_unknown_stock_before_saying_the_order_is_not_ready(
    api, make_document, catalogue
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    answer = api.post(f"/api/v1/orders/{order['id']}/label?stock=abc")
    assert answer.status_code == 400


@pytest.mark.slow
def test_the_api_prints_on_the_stock_asked_for_or_the_default(app, api, ready_order):
    order_id = ready_order()
    with app.app_context():
        stock_id = db.session.scalars(
            select(LabelStock.id).order_by(LabelStock.is_default, LabelStock.id).limit(1)
        ).one()
    for query in ({"stock": str(stock_id)}, {"stock": ""}, {}):
        answer = api.post(f"/api/v1/orders/{order_id}/label", query_string=query)
        assert answer.status_code == 200 and answer.mimetype == "application/pdf"
    with app.app_context():
        used = db.session.scalars(select(LabelPrint.stock_id).order_by(LabelPrint.id)).all()
        default = db.session.scalars(
            select(LabelStock.id).order_by(LabelStock.is_default.desc(), LabelStock.id).limit(1)
        ).one()
    assert used == [stock_id, default, default]


@pytest.mark.parametrize("value", ["abc", "999"])
def test_a_page_refuses_a_stock_in_the_query_too(app, signed_in, ready_order, value):
    order_id = ready_order()
    answer = signed_in("technician").post(
        f"/orders/{order_id}/label?stock={value}", follow_redirects=True
    )
    assert "is not set up" in answer.get_data(as_text=True)
    assert prints(app) == 0


@pytest.mark.parametrize("value", ["abc", "999"])
def test_a_page_refuses_an_unknown_stock_before_saying_the_order_is_not_ready(
    app, signed_in, api, make_document, catalogue, value
):
    """As the API does: the stock asked for is judged first, on both."""
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    by_api = api.post(f"/api/v1/orders/{order['id']}/label", query_string={"stock": value})
    page = signed_in("technician").post(
        f"/orders/{order['id']}/label", data={"stock": value}, follow_redirects=True
    )
    assert by_api.status_code == 400
    assert by_api.get_json()["message"] in page.get_data(as_text=True).replace("&#34;", '"')
    assert prints(app) == 0
