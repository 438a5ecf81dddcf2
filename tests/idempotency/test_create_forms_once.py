"""Every form that creates a record stores it once when posted twice with its token:
price schedules, received lots, users, compounding records and dispensings."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from pharmacy_app.accounts.models import User
from pharmacy_app.compounding.models import CompoundingRecord, Ingredient, Lot
from pharmacy_app.costs.models import CostRecord, PriceSchedule
from pharmacy_app.extensions import db
from tests.compounding.conftest import pharmacist_api, verified_order
from tests.fills import code_of, handover_form, release_in
from tests.labels.conftest import ready_order

__all__ = ["pharmacist_api", "ready_order", "verified_order"]  # fixtures
TOKEN = re.compile(r'name="once_token" type="hidden" value="([^"]+)"')
ALREADY = "This form was already submitted; here is the {} it saved."


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def token_on(client, url):
    return TOKEN.search(client.get(url).get_data(as_text=True))[1]


def posted_twice(client, url, data, what):
    """Post the form twice with one token: the second is sent where the first's record is."""
    first = client.post(url, data=data)
    assert first.status_code == 302, first.get_data(as_text=True)
    again = client.post(url, data=data)
    assert again.status_code == 303
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert ALREADY.format(what) in page
    return first, again


def test_a_price_schedule_form_posted_twice_saves_one_schedule(app, signed_in, catalogue):
    admin = signed_in("admin")
    page = admin.get("/costs/prices").get_data(as_text=True)
    family = re.search(r'name="family"[^>]*>\s*<option[^>]* value="([^"]+)"', page)[1]
    data = {
        "family": family,
        "method": "base",
        "base_price": "44.00",
        "base_quantity": "30",
        "dispensing_fee": "0",
        "effective_from": "2026-12-01",
        "once_token": token_on(admin, "/costs/prices"),
    }
    schedules = count(app, PriceSchedule)
    posted_twice(admin, "/costs/prices", data, "price schedule")
    assert count(app, PriceSchedule) == schedules + 1


def test_a_lot_form_posted_twice_receives_one_lot_without_an_error(app, signed_in, catalogue):
    technician = signed_in("technician")
    with app.app_context():
        sucrose = db.session.scalars(
            select(Ingredient.id).where(Ingredient.name == "Sucrose NF")
        ).one()
        lots = db.session.scalar(select(func.count()).select_from(Lot))
    data = {
        "ingredient": sucrose,
        "supplier": "Spectrum",
        "lot_number": "SU-99",
        "expiry_date": "2028-01-31",
        "quantity": "500",
        "unit_cost": "0.013",
        "once_token": token_on(technician, "/compounding/lots"),
    }
    _, again = posted_twice(technician, "/compounding/lots", data, "lot")
    assert again.headers["Location"].endswith("/compounding/lots")
    assert count(app, Lot) == lots + 1


def test_a_new_user_form_posted_twice_adds_the_user_once(app, signed_in):
    admin = signed_in("admin")
    data = {
        "username": "tina",
        "full_name": "Tina Tran",
        "role": "technician",
        "password": "a very long passphrase here",
        "once_token": token_on(admin, "/admin/users"),
    }
    users = count(app, User)
    posted_twice(admin, "/admin/users", data, "user")
    assert count(app, User) == users + 1


def test_the_start_form_posted_twice_makes_one_worksheet_and_shows_it(
    app, signed_in, verified_order
):
    order_id = verified_order()
    technician = signed_in("technician")
    url = f"/compounding/orders/{order_id}/start"
    page = technician.get(url).get_data(as_text=True)
    mfr = re.search(r'<option selected value="(\d+)"', page) or re.search(
        r'<select id="mfr" name="mfr"><option value="(\d+)"', page
    )
    data = {"mfr": mfr[1], "once_token": TOKEN.search(page)[1]}
    first, again = posted_twice(technician, url, data, "compounding record")
    assert again.headers["Location"] == first.headers["Location"]
    assert count(app, CompoundingRecord) == 1


def test_the_dispense_form_posted_twice_dispenses_once_without_an_error(
    app, signed_in, make_user, ready_order
):
    order_id = ready_order()
    technician = signed_in("technician")
    page = technician.get(f"/orders/{order_id}").get_data(as_text=True)
    record_id = int(re.search(r"/compounding/records/(\d+)", page)[1])
    technician.post(f"/orders/{order_id}/label", data={})
    release_in(app, record_id, make_user("pharmacist"))
    url = f"/compounding/records/{record_id}/dispense"
    page = technician.get(url).get_data(as_text=True)  # the form is on the dispensing page
    with app.app_context():
        code = code_of(db.session.get(CompoundingRecord, record_id))
    data = handover_form(code) | {"once_token": TOKEN.search(page)[1]}
    first = technician.post(url, data=data)
    assert first.status_code == 303
    again = technician.post(url, data=data)
    assert again.status_code == 303
    follow = technician.get(again.headers["Location"]).get_data(as_text=True)
    assert ALREADY.format("dispensing") in follow
    assert "nothing was recorded again" not in follow
    assert count(app, CostRecord) == 1
