"""The price schedule form."""

from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from ..compounding.models import MasterFormulation
from ..extensions import db
from ..formfields import FiniteDecimalField


class PriceScheduleForm(FlaskForm):
    family = SelectField("Preparation")
    method = SelectField(
        "Pricing",
        choices=[
            SelectChoice("cost_plus", "Cost plus markup plus dispensing fee"),
            SelectChoice("base", "Base price for a quantity plus dispensing fee"),
        ],
    )
    base_price = FiniteDecimalField("Base price", places=2, validators=[Optional(), NumberRange(0)])
    base_quantity = FiniteDecimalField(
        "for this quantity", places=3, validators=[Optional(), NumberRange(min=0.001)]
    )
    markup_percent = FiniteDecimalField(
        "Markup on ingredient cost (%)", places=2, validators=[Optional(), NumberRange(0, 1000)]
    )
    dispensing_fee = FiniteDecimalField(
        "Dispensing fee", places=2, default=0, validators=[InputRequired(), NumberRange(0, 1000)]
    )
    effective_from = DateField(
        "Effective from", default=dt.date.today, validators=[InputRequired()]
    )
    submit = SubmitField("Save price schedule")

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        families = db.session.execute(
            select(MasterFormulation.family, MasterFormulation.name)
            .where(MasterFormulation.is_current.is_(True))
            .order_by(MasterFormulation.name)
        ).all()
        self.family.choices = [SelectChoice(family, name) for family, name in families]

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        if self.method.data == "base" and (
            self.base_price.data is None or self.base_quantity.data is None
        ):
            self.base_price.errors = ["Give the base price and its quantity."]
            return False
        if self.method.data == "cost_plus" and self.markup_percent.data is None:
            self.markup_percent.errors = ["Give the markup."]
            return False
        return True
