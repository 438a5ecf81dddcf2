"""The catalogue's names are unique in the database, not only in the forms' checks: a save
whose check ran before another save of the same name committed is told so at the name field
(never a 500, never a second current formula of one name), and a form posted twice with its
one-time token is shown what the first post saved."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient

from pharmacy_app import create_app
from pharmacy_app.compounding import catalogue as ingredient_catalogue
from pharmacy_app.compounding import formulas
from pharmacy_app.compounding.models import Ingredient, Lot, MasterFormulation
from pharmacy_app.demo.compounding import store_demo_compounding
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelStock
from tests.compounding.test_formulas_and_lots import formula_data
from tests.labels.test_stocks_and_refills import STOCK

NAME = "Naltrexone 2.25 mg capsules, MCC, size 1"
TOKEN = re.compile(r'name="once_token" type="hidden" value="([^"]+)"')
ALREADY = "This form was already submitted; here is the {} it saved."
INGREDIENT = {"name": "Mannitol NF", "kind": "filler", "stock_unit": "g", "density_g_per_ml": "0.6"}


def at_field(page: str, name: str) -> str:
    """The notes shown at one field of the page's last form (the new-stock form, on the label
    stocks page)."""
    return page.split(f'data-field="{name}"')[-1].split('<div class="field')[0]


def token_on(client, url):
    return TOKEN.search(client.get(url).get_data(as_text=True))[1]


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def current_named(app, name=NAME):
    return count(
        app,
        MasterFormulation,
        MasterFormulation.is_current.is_(True),
        func.lower(MasterFormulation.name) == name.lower(),
    )


def blind_once(monkeypatch, module, name, blind):
    """The module's check `name` answers `blind` the first time: it ran before another save
    of the same name committed, as on two workers at once."""
    check = getattr(module, name)
    calls = iter([True])

    def once(*args, **kwargs):
        if next(calls, False):
            return blind
        return check(*args, **kwargs)

    monkeypatch.setattr(module, name, once)


def copy_of(mfr: MasterFormulation, **changes) -> MasterFormulation:
    db.session.expunge(mfr)
    make_transient(mfr)
    mfr.id = None  # type: ignore[assignment]
    for name, value in changes.items():
        setattr(mfr, name, value)
    return mfr


def test_the_database_refuses_a_second_current_formula_of_one_name_in_any_case(
    app, signed_in, catalogue
):
    assert signed_in("pharmacist").post("/compounding/formulas/new", data=formula_data(app))
    with app.app_context():
        first = db.session.scalars(
            select(MasterFormulation).where(MasterFormulation.name == NAME)
        ).one()
        db.session.add(copy_of(first, family="twin", name=NAME.upper()))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        # An old version keeps its name beside the current one.
        old = db.session.scalars(
            select(MasterFormulation).where(MasterFormulation.name == NAME)
        ).one()
        db.session.add(copy_of(old, family="twin", name=NAME, is_current=False))
        db.session.commit()
    assert current_named(app) == 1


def test_a_formula_saved_while_its_twin_commits_is_refused_at_the_name(
    app, signed_in, catalogue, monkeypatch
):
    pharmacist = signed_in("pharmacist")
    assert pharmacist.post("/compounding/formulas/new", data=formula_data(app)).status_code == 302
    blind_once(monkeypatch, formulas, "_refuse_taken_name", None)
    answer = pharmacist.post("/compounding/formulas/new", data=formula_data(app, name=NAME.lower()))
    assert answer.status_code == 200
    message = f"A formula named {NAME} already exists (version 1)"
    assert message in at_field(answer.get_data(as_text=True), "name")
    assert current_named(app) == 1


def test_a_new_version_takes_its_family_name_under_the_unique_index(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    first = pharmacist.post("/compounding/formulas/new", data=formula_data(app))
    first_id = int(first.headers["Location"].rsplit("/", 1)[1])
    answer = pharmacist.post(
        f"/compounding/formulas/{first_id}/new-version",
        data=formula_data(app, overage_percent="8"),
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert current_named(app) == 1
    assert count(app, MasterFormulation, MasterFormulation.name == NAME) == 2


@pytest.mark.parametrize("new_version", [False, True])
def test_a_formula_form_posted_twice_with_its_token_saves_one_formula(
    app, signed_in, catalogue, new_version
):
    pharmacist = signed_in("pharmacist")
    url = "/compounding/formulas/new"
    if new_version:
        first = pharmacist.post(url, data=formula_data(app))
        url = f"{first.headers['Location'].removeprefix('http://localhost')}/new-version"
    data = formula_data(app, overage_percent="8") | {"once_token": token_on(pharmacist, url)}
    saved = pharmacist.post(url, data=data)
    assert saved.status_code == 302, saved.get_data(as_text=True)
    again = pharmacist.post(url, data=data)
    assert again.status_code == 303
    assert again.headers["Location"] == saved.headers["Location"]
    page = pharmacist.get(again.headers["Location"]).get_data(as_text=True)
    assert ALREADY.format("formula") in page
    assert count(app, MasterFormulation, MasterFormulation.name == NAME) == 1 + new_version


def test_an_ingredient_added_while_its_twin_commits_is_refused_at_the_name(
    app, signed_in, catalogue, monkeypatch
):
    pharmacist = signed_in("pharmacist")
    assert pharmacist.post("/compounding/ingredients", data=INGREDIENT).status_code == 302
    blind_once(monkeypatch, ingredient_catalogue, "_named", False)
    answer = pharmacist.post("/compounding/ingredients", data=INGREDIENT)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "This ingredient is already in the catalogue." in at_field(page, "name")
    assert count(app, Ingredient, Ingredient.name == "Mannitol NF") == 1


def test_an_ingredient_form_posted_twice_with_its_token_adds_one(app, signed_in, catalogue):
    pharmacist = signed_in("pharmacist")
    data = INGREDIENT | {"once_token": token_on(pharmacist, "/compounding/ingredients")}
    assert pharmacist.post("/compounding/ingredients", data=data).status_code == 302
    again = pharmacist.post("/compounding/ingredients", data=data)
    assert again.status_code == 303
    assert again.headers["Location"].endswith("/compounding/lots")
    assert ALREADY.format("ingredient") in pharmacist.get(again.headers["Location"]).get_data(
        as_text=True
    )
    assert count(app, Ingredient, Ingredient.name == "Mannitol NF") == 1


def test_a_lot_received_while_its_twin_commits_is_refused_at_the_lot_number(
    app, signed_in, catalogue, monkeypatch
):
    from pharmacy_app.compounding import stock

    technician = signed_in("technician")
    with app.app_context():
        sucrose = db.session.scalars(
            select(Ingredient.id).where(Ingredient.name == "Sucrose NF")
        ).one()
    data = {
        "ingredient": sucrose,
        "supplier": "Spectrum",
        "lot_number": "SU-99",
        "expiry_date": "2030-01-31",
        "quantity": "500",
        "unit_cost": "0.013",
    }
    assert technician.post("/compounding/lots", data=data).status_code == 302
    blind_once(monkeypatch, stock, "lot_received", False)
    answer = technician.post("/compounding/lots", data=data)
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "This lot of this ingredient is already received." in at_field(page, "lot_number")
    assert count(app, Lot, Lot.lot_number == "SU-99") == 1


def test_a_new_label_stock_form_posted_twice_with_its_token_saves_one(app, signed_in):
    admin = signed_in("admin")
    data = STOCK | {"once_token": token_on(admin, "/labels/stocks")}
    assert admin.post("/labels/stocks", data=data).status_code == 302
    again = admin.post("/labels/stocks", data=data)
    assert again.status_code == 303
    page = admin.get(again.headers["Location"]).get_data(as_text=True)
    assert ALREADY.format("label stock") in page
    assert count(app, LabelStock, LabelStock.name == "Star 3 x 1.5 in roll") == 1


def test_the_migration_tells_apart_current_formulas_that_already_share_a_name(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}", "SECRET_KEY": "t"}
    )
    with app.app_context():
        upgrade(revision="0013_fill_made_for")
        # The models are newer than the schema at 0013: the formulas' columns added since
        # are there only while the catalogue is stored through them, and go before upgrading.
        newer = _columns_added_since(MasterFormulation.__table__)
        store_demo_compounding(dt.date(2026, 12, 1))
        db.session.commit()
        first = db.session.scalars(
            select(MasterFormulation).where(MasterFormulation.is_current.is_(True)).limit(1)
        ).one()
        name, family = first.name, first.family
        db.session.add(copy_of(first, family=f"{family}-2", name=name.upper()))
        db.session.commit()
        for column in newer:
            db.session.execute(text(f"ALTER TABLE master_formulations DROP COLUMN {column}"))
        db.session.commit()
        upgrade()
        names = db.session.scalars(
            select(MasterFormulation.name)
            .where(func.lower(MasterFormulation.name).startswith(name.lower()))
            .order_by(MasterFormulation.id)
        ).all()
        db.engine.dispose()
    assert names == [name, f"{name.upper()} ({family}-2)"]


def _columns_added_since(table):
    """Add the model's columns that the table does not have yet (as text, empty); their
    names."""
    present = {c["name"] for c in inspect(db.engine).get_columns(table.name)}
    added = [c.name for c in table.columns if c.name not in present]
    for column in added:
        db.session.execute(
            text(f"ALTER TABLE {table.name} ADD COLUMN {column} VARCHAR(200) NOT NULL DEFAULT ''")
        )
    db.session.commit()
    return added
