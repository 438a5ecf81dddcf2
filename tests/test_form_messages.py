"""Validation messages are shown, never used as a format string that breaks (a "%" in a
message once turned a refused markup into a 500)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

import pharmacy_app
from pharmacy_app.costs.models import PriceSchedule
from pharmacy_app.extensions import db
from tests.costs.test_prices import schedule_form


class _AnyValue(dict):
    """Whatever a validator fills into its message (min, max, length, other_label...)."""

    def __missing__(self, key: str) -> str:
        return "1"


def _forms() -> list[type[FlaskForm]]:
    for module in pkgutil.walk_packages(pharmacy_app.__path__, "pharmacy_app."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found, todo = [], list(FlaskForm.__subclasses__())
    while todo:
        form = todo.pop()
        found.append(form)
        todo.extend(form.__subclasses__())
    return [f for f in found if f.__module__.startswith("pharmacy_app.")]


def test_every_form_is_found():
    names = {form.__name__ for form in _forms()}
    assert {"PriceScheduleForm", "FormulationForm", "OrderForm", "DispenseForm"} <= names


@pytest.mark.parametrize("form", _forms(), ids=lambda form: form.__name__)
def test_every_validation_message_formats_cleanly(form):
    for name in dir(form):
        unbound = getattr(form, name)
        for validator in getattr(unbound, "kwargs", {}).get("validators", None) or []:
            message = getattr(validator, "message", None)
            if isinstance(message, str):
                # WTForms fills a NumberRange, Length or EqualTo message with "message % {...}".
                message % _AnyValue()  # raises on a stray "%"


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("markup", ["1500", "-5"])
def test_a_markup_out_of_range_is_refused_at_its_field(app, signed_in, markup):
    before = _schedules(app)
    page = signed_in("pharmacist").post(
        "/costs/prices", data=schedule_form(method="cost_plus", markup_percent=markup)
    )
    assert page.status_code == 200
    assert "Enter a markup from 0 to 1,000%." in page.get_data(as_text=True)
    assert _schedules(app) == before


def _schedules(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(PriceSchedule))
