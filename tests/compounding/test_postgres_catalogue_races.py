"""Catalogue saves at once on PostgreSQL (several workers): the same new formula, ingredient,
lot or label stock posted from several tabs at the same moment is stored once; the others are
told at the name field that it exists (never a 500), or, when they carry the same one-time
token (a double click), are sent to what the first saved."""

from __future__ import annotations

import re
import threading

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select

from pharmacy_app.compounding.models import Ingredient, Lot, MasterFormulation
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelStock
from tests.compounding.test_catalogue_unique import INGREDIENT, NAME, at_field
from tests.compounding.test_formulas_and_lots import formula_data
from tests.conftest import sign_in
from tests.idempotency.test_postgres_exactly_once import waiting_on_a_lock
from tests.labels.test_stocks_and_refills import STOCK
from tests.races import together

pytestmark = pytest.mark.postgres
TOKEN = re.compile(r'name="once_token" type="hidden" value="([^"]+)"')
TABS = 4


@pytest.fixture
def app(pg_test_app: Flask) -> Flask:
    return pg_test_app


def posted_at_once(clients, url, data):
    """Each client posts `data` to `url` (or its own of a list of them), released together;
    the answers in client order."""
    forms = data if isinstance(data, list) else [data] * len(clients)
    return together(
        *(
            lambda c=client, f=form: c.post(url, data=f)
            for client, form in zip(clients, forms, strict=True)
        )
    )


@pytest.fixture
def tabs(app, make_user):
    """TABS test clients signed in as one user of the role: one person's tabs."""

    def make(role):
        user = make_user(role)
        return [sign_in(app.test_client(), user.username) for _ in range(TABS)]

    return make


def count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def current_formulas(app):
    return count(
        app,
        MasterFormulation,
        MasterFormulation.is_current.is_(True),
        func.lower(MasterFormulation.name) == NAME.lower(),
    )


def one_saved_the_rest_told(answers, field, message, refused=200):
    assert sorted(a.status_code for a in answers) == sorted([302] + [refused] * (TABS - 1))
    for answer in answers:
        if answer.status_code == refused:
            assert message in at_field(answer.get_data(as_text=True), field)


def test_the_same_new_formula_saved_from_several_tabs_at_once_is_stored_once(app, tabs, catalogue):
    answers = posted_at_once(tabs("pharmacist"), "/compounding/formulas/new", formula_data(app))
    one_saved_the_rest_told(answers, "name", f"A formula named {NAME} already exists")
    assert current_formulas(app) == 1


def test_a_double_clicked_formula_form_is_stored_once_and_shows_the_first(app, tabs, catalogue):
    clients = tabs("pharmacist")
    token = TOKEN.search(clients[0].get("/compounding/formulas/new").get_data(as_text=True))[1]
    answers = posted_at_once(
        clients, "/compounding/formulas/new", formula_data(app) | {"once_token": token}
    )
    assert sorted(a.status_code for a in answers) == [302] + [303] * (TABS - 1)
    assert len({a.headers["Location"] for a in answers}) == 1
    assert current_formulas(app) == 1


def test_the_same_new_version_saved_from_several_tabs_at_once_makes_one(app, tabs, catalogue):
    clients = tabs("pharmacist")
    first = clients[0].post("/compounding/formulas/new", data=formula_data(app))
    url = f"{first.headers['Location'].removeprefix('http://localhost')}/new-version"
    answers = posted_at_once(clients, url, formula_data(app, overage_percent="8"))
    one_saved_the_rest_told(answers, "name", "this change starts from")
    with app.app_context():
        assert db.session.execute(
            select(MasterFormulation.version, MasterFormulation.is_current)
            .where(MasterFormulation.name == NAME)
            .order_by(MasterFormulation.version)
        ).all() == [(1, False), (2, True)]


def test_a_formula_saved_while_a_twin_is_uncommitted_waits_and_is_refused_at_the_name(
    app, pg_url, make_user, catalogue
):
    """The unique index is what decides, whatever the check saw: the post waits on the twin's
    uncommitted row and is refused once it commits."""
    client = sign_in(app.test_client(), make_user("pharmacist").username)
    with app.app_context():
        model = db.session.scalars(select(MasterFormulation).limit(1)).one()
        columns = [c.name for c in MasterFormulation.__table__.columns if c.name != "id"]
        twin_values = {c: getattr(model, c) for c in columns} | {
            "family": "twin",
            "version": 1,
            "is_current": True,
            "name": NAME.upper(),
        }
    twin = create_engine(pg_url)
    answer: list = []
    try:
        with twin.connect() as connection:
            connection.execute(MasterFormulation.__table__.insert().values(**twin_values))
            post = threading.Thread(
                target=lambda: answer.append(
                    client.post("/compounding/formulas/new", data=formula_data(app))
                )
            )
            post.start()
            assert waiting_on_a_lock(pg_url, timeout=10)
            connection.commit()
        post.join(60)
    finally:
        twin.dispose()
    assert answer[0].status_code == 200
    page = answer[0].get_data(as_text=True)
    assert f"A formula named {NAME.upper()} already exists" in at_field(page, "name")
    assert current_formulas(app) == 1


def test_the_same_ingredient_added_from_several_tabs_at_once_is_added_once(app, tabs, catalogue):
    answers = posted_at_once(tabs("pharmacist"), "/compounding/ingredients", INGREDIENT)
    one_saved_the_rest_told(answers, "name", "This ingredient is already in the catalogue.")
    assert count(app, Ingredient, Ingredient.name == INGREDIENT["name"]) == 1


def test_one_ingredient_named_in_several_cases_from_several_tabs_at_once_is_added_once(
    app, tabs, catalogue
):
    names = ["QA filler2 N", "qa FILLER2 N", "Qa Filler2 N", "QA FILLER2 N"]
    answers = posted_at_once(
        tabs("pharmacist"), "/compounding/ingredients", [INGREDIENT | {"name": n} for n in names]
    )
    one_saved_the_rest_told(answers, "name", "This ingredient is already in the catalogue.")
    assert count(app, Ingredient, func.lower(Ingredient.name) == "qa filler2 n") == 1


def test_a_double_clicked_ingredient_form_adds_one_and_shows_the_first(app, tabs, catalogue):
    clients = tabs("pharmacist")
    token = TOKEN.search(clients[0].get("/compounding/ingredients").get_data(as_text=True))[1]
    answers = posted_at_once(
        clients, "/compounding/ingredients", INGREDIENT | {"once_token": token}
    )
    assert sorted(a.status_code for a in answers) == [302] + [303] * (TABS - 1)
    assert count(app, Ingredient, Ingredient.name == INGREDIENT["name"]) == 1


def test_the_same_lot_received_from_several_tabs_at_once_is_received_once(app, tabs, catalogue):
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
    answers = posted_at_once(tabs("technician"), "/compounding/lots", data)
    one_saved_the_rest_told(
        answers, "lot_number", "This lot of this ingredient is already received."
    )
    assert count(app, Lot, Lot.lot_number == "SU-99") == 1


def test_the_same_label_stock_added_from_several_tabs_at_once_is_added_once(app, tabs):
    answers = posted_at_once(tabs("admin"), "/labels/stocks", STOCK)
    one_saved_the_rest_told(
        answers, "name", f"A stock named {STOCK['name']} already exists", refused=422
    )
    assert count(app, LabelStock, LabelStock.name == STOCK["name"]) == 1


def test_one_label_stock_named_in_several_cases_from_several_tabs_at_once_is_added_once(app, tabs):
    names = ["qa stk N", "Qa Stk N", "QA STK N", "qa STK n"]
    answers = posted_at_once(tabs("admin"), "/labels/stocks", [STOCK | {"name": n} for n in names])
    one_saved_the_rest_told(answers, "name", "already exists", refused=422)
    assert count(app, LabelStock, func.lower(LabelStock.name) == "qa stk n") == 1
