"""Ingredient and label stock names are unique in the database in any case, as the forms'
checks compare them: a case variant saved while its check could not yet see the first is told
so at the name field (never a 500, never a second of one name), and the migration first tells
apart the case variants a race stored before it."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade
from sqlalchemy import MetaData, Table, func, insert, select
from sqlalchemy.exc import IntegrityError

from pharmacy_app import create_app
from pharmacy_app.compounding import catalogue as ingredient_catalogue
from pharmacy_app.compounding.models import Ingredient
from pharmacy_app.extensions import db
from pharmacy_app.labels.forms import LabelStockForm
from pharmacy_app.labels.models import LabelStock
from tests.compounding.test_catalogue_unique import INGREDIENT, at_field, blind_once, count
from tests.labels.test_stocks_and_refills import STOCK


def named(app, model, name):
    """How many rows of the model have this name in any case, as the database folds it."""
    return count(app, model, func.lower(model.name) == func.lower(name))


@pytest.mark.parametrize("variant", ["mannitol nf", "MANNITOL NF", "Mannitol Nf"])
def test_the_database_refuses_an_ingredient_named_as_another_in_another_case(app, variant):
    with app.app_context():
        db.session.add(Ingredient(name="Mannitol NF", kind="filler", stock_unit="g"))
        db.session.commit()
        db.session.add(Ingredient(name=variant, kind="filler", stock_unit="g"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_an_ingredient_added_in_another_case_while_the_first_commits_is_refused_at_the_name(
    app, signed_in, catalogue, monkeypatch
):
    pharmacist = signed_in("pharmacist")
    assert pharmacist.post("/compounding/ingredients", data=INGREDIENT).status_code == 302
    blind_once(monkeypatch, ingredient_catalogue, "_named", False)
    answer = pharmacist.post("/compounding/ingredients", data=INGREDIENT | {"name": "mannitol NF"})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "This ingredient is already in the catalogue." in at_field(page, "name")
    assert named(app, Ingredient, "Mannitol NF") == 1


def test_a_label_stock_added_in_another_case_while_the_first_commits_is_refused_at_the_name(
    app, signed_in, monkeypatch
):
    admin = signed_in("admin")
    assert admin.post("/labels/stocks", data=STOCK).status_code == 302
    blind_once(monkeypatch, LabelStockForm, "name_taken", False)
    variant = STOCK["name"].upper()
    answer = admin.post("/labels/stocks", data=STOCK | {"name": variant})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert f"A stock named {variant} already exists" in at_field(page, "name")
    assert named(app, LabelStock, STOCK["name"]) == 1


def test_a_label_stock_is_found_taken_as_the_database_folds_its_name(app, signed_in):
    """SQLite folds only A-Z: "ÉTIQUETTE ROLL" and "Étiquette roll" are one name to its index,
    so the form's check must fold as the database does, not as Python does ("é")."""
    admin = signed_in("admin")
    assert admin.post("/labels/stocks", data=STOCK | {"name": "ÉTIQUETTE ROLL"}).status_code == 302
    answer = admin.post("/labels/stocks", data=STOCK | {"name": "Étiquette roll"})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert "A stock named Étiquette roll already exists" in at_field(page, "name")
    assert named(app, LabelStock, "Étiquette roll") == 1


def test_the_migration_tells_apart_names_that_differ_only_in_case(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}", "SECRET_KEY": "t"}
    )
    long_name = "Sodium chloride " + "x" * 184
    ingredients = [
        "Mannitol NF",
        "MANNITOL NF",
        "mannitol nf",
        "MANNITOL NF (2)",  # a suffix that is taken is passed over
        "Sucrose NF",
        long_name,
        long_name.upper(),  # cut to fit the column with its suffix
    ]
    with app.app_context():
        upgrade(revision="0015_catalogue_unique")
        db.session.execute(
            insert(Ingredient),
            [{"name": n, "kind": "filler", "stock_unit": "g"} for n in ingredients],
        )
        # The table as it stands at 0015 (the model has columns added since).
        old_stocks = Table("label_stocks", MetaData(), autoload_with=db.engine)
        seeded = db.session.execute(select(old_stocks).order_by(old_stocks.c.id)).first()
        assert seeded is not None
        values = seeded._asdict()
        values.pop("id")
        stocks = [seeded.name, seeded.name.lower(), seeded.name.upper()]
        db.session.execute(
            insert(old_stocks), [values | {"name": n, "is_default": False} for n in stocks[1:]]
        )
        db.session.commit()
        upgrade()
        ingredient_names = db.session.scalars(select(Ingredient.name).order_by(Ingredient.id)).all()
        stock_names = db.session.scalars(
            select(LabelStock.name)
            .where(func.lower(LabelStock.name).startswith(seeded.name.lower()))
            .order_by(LabelStock.id)
        ).all()
        db.session.add(Ingredient(name="SUCROSE nf", kind="filler", stock_unit="g"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.engine.dispose()
    assert ingredient_names == [
        "Mannitol NF",
        "MANNITOL NF (3)",
        "mannitol nf (4)",
        "MANNITOL NF (2)",
        "Sucrose NF",
        long_name,
        long_name.upper()[:196] + " (2)",
    ]
    assert stock_names == [seeded.name, f"{seeded.name.lower()} (2)", f"{seeded.name.upper()} (3)"]
