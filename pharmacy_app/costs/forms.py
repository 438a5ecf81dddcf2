"""The price schedule form."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, SelectField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from ..compounding.models import MasterFormulation
from ..extensions import db
from ..formfields import FiniteDecimalField
from ..idempotency.forms import OnceTokenField
from ..timeutil import pharmacy_today
from .models import PriceSchedule

# Limits as Decimals: WTForms compares the field's Decimal with them, and the float 0.001 is a
# shade more than Decimal("0.001"), which it would refuse. The maxima are far above any LDN
# price and well inside the columns (NUMERIC(12, 2) money, NUMERIC(10, 3) quantity); a price
# they compute that a cost record cannot hold is refused at dispensing.
MIN_PRICE = Decimal(0)
MAX_BASE_PRICE = Decimal(100_000)
MAX_FEE = Decimal(1000)
MIN_BASE_QUANTITY = Decimal("0.001")
MAX_BASE_QUANTITY = Decimal(10_000)
# A schedule takes effect within these dates. No fill this app prices was dispensed before
# 2000, so an earlier date is a typo (0001-01-01 would sit under every other schedule of the
# preparation as the one in force before them); prices are set for the months ahead, and one
# dated further than two years out is most likely a mistyped year that nobody would notice
# until it silently took over.
EARLIEST_EFFECTIVE = dt.date(2000, 1, 1)
YEARS_AHEAD = 2


class PriceScheduleForm(FlaskForm):
    once_token = OnceTokenField()
    family = SelectField("Preparation")
    method = SelectField(
        "Pricing",
        choices=[
            SelectChoice("cost_plus", "Cost plus markup plus dispensing fee"),
            SelectChoice("base", "Base price for a quantity plus dispensing fee"),
        ],
    )
    base_price = FiniteDecimalField(
        "Base price",
        places=2,
        validators=[
            Optional(),
            NumberRange(MIN_PRICE, MAX_BASE_PRICE, "Enter a base price from 0 to 100,000.00."),
        ],
    )
    base_quantity = FiniteDecimalField(
        "for this quantity",
        places=3,
        validators=[
            Optional(),
            NumberRange(
                MIN_BASE_QUANTITY,
                MAX_BASE_QUANTITY,
                "Enter a quantity from 0.001 to 10,000 (capsules, mL or g).",
            ),
        ],
    )
    markup_percent = FiniteDecimalField(
        "Markup on ingredient cost (%)",
        places=2,
        validators=[Optional(), NumberRange(0, 1000, "Enter a markup from 0 to 1,000%%.")],
    )
    dispensing_fee = FiniteDecimalField(
        "Dispensing fee",
        places=2,
        default=0,
        validators=[
            InputRequired(),
            NumberRange(MIN_PRICE, MAX_FEE, "Enter a dispensing fee from 0 to 1,000.00."),
        ],
    )
    effective_from = DateField(
        "Effective from", default=pharmacy_today, validators=[InputRequired()]
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

    def validate_effective_from(self, field: DateField) -> None:
        latest = latest_effective(pharmacy_today())
        if field.data is not None and not EARLIEST_EFFECTIVE <= field.data <= latest:
            raise ValidationError(
                f"Enter a date from {EARLIEST_EFFECTIVE.isoformat()} to {latest.isoformat()} "
                f"(at most {YEARS_AHEAD} years ahead): {field.data.isoformat()} looks like a "
                "mistyped year."
            )

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        # The columns keep 2 decimals (3 for the quantity): PostgreSQL would round what SQLite
        # keeps, and the two must price a fill the same.
        for field in (
            self.base_price,
            self.base_quantity,
            self.markup_percent,
            self.dispensing_fee,
        ):
            value = field.data
            if value is not None and value != value.quantize(Decimal(1).scaleb(-field.places)):
                field.errors = [f"Enter at most {field.places} decimals."]
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

    def new_schedule(self) -> PriceSchedule:
        """The price schedule the form describes, not yet saved."""
        return PriceSchedule(
            family=self.family.data,
            method=self.method.data,
            base_price=self.base_price.data,
            base_quantity=self.base_quantity.data,
            markup_percent=self.markup_percent.data,
            dispensing_fee=self.dispensing_fee.data,
            effective_from=self.effective_from.data,
        )


def latest_effective(today: dt.date) -> dt.date:
    """The last date a schedule saved today may take effect: YEARS_AHEAD years on (28
    February for a 29 February)."""
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:
        return today.replace(year=today.year + YEARS_AHEAD, day=28)
