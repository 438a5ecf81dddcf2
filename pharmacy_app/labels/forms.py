"""Forms for label stocks, dispensing and reversing a dispensing."""

from __future__ import annotations

import ipaddress
import re
from decimal import Decimal

from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from ..extensions import db
from ..formfields import FiniteDecimalField
from ..guards import LARGEST_ID
from ..idempotency.forms import OnceTokenField
from .models import PRINTER_DPI, RAW_PRINT_PORT, LabelStock

MM = [InputRequired(), NumberRange(min=0, max=500)]
NUDGE = [InputRequired(), NumberRange(min=-20, max=20)]
TEXT_LIMIT = 300
# A printer's host as the stock's form takes it: a host name (labels of letters, digits and
# hyphens, joined by dots) or an IPv4 or IPv6 address; no scheme, port or path.
_HOST_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
HOST_NAME = re.compile(rf"{_HOST_LABEL}(?:\.{_HOST_LABEL})*")


def host_or_address(_form: object, field: StringField) -> None:
    """A host name or an IP address, as a printer's host; nothing else (no "http://")."""
    host = field.data or ""
    if not host:
        return
    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    if "://" in host or not HOST_NAME.fullmatch(host) or host.replace(".", "").isdigit():
        raise ValidationError(
            "A host name or an IP address only, such as zebra-front.local or 192.168.1.40 "
            "(no http://, port or path: the port has its own field)."
        )


def strip_text(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def at_most(limit: int) -> Length:
    return Length(max=limit, message=f"At most {limit} characters.")


def strict_id(text: str | None) -> int | None:
    """An id as a form or query sends it: ASCII digits only ("²" is a digit to Python but
    not a number), within what the database holds; None for anything else."""
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(LARGEST_ID)):
        return None
    value = int(text)
    return value if 0 < value <= LARGEST_ID else None


class LabelStockForm(FlaskForm):
    once_token = OnceTokenField()
    stock_id = HiddenField()
    name = StringField("Name", filters=[strip_text], validators=[DataRequired(), Length(max=120)])
    label_width_mm = FiniteDecimalField(
        "Label width (mm)", places=2, validators=[InputRequired(), NumberRange(min=20, max=300)]
    )
    label_height_mm = FiniteDecimalField(
        "Label height (mm)", places=2, validators=[InputRequired(), NumberRange(min=15, max=300)]
    )
    sheet_width_mm = FiniteDecimalField(
        "Sheet width (mm, laser sheets)",
        places=2,
        validators=[Optional(), NumberRange(min=50, max=500)],
    )
    sheet_height_mm = FiniteDecimalField(
        "Sheet height (mm)", places=2, validators=[Optional(), NumberRange(min=50, max=500)]
    )
    columns = IntegerField("Columns", default=1, validators=[InputRequired(), NumberRange(1, 10)])
    rows = IntegerField("Rows", default=1, validators=[InputRequired(), NumberRange(1, 30)])
    margin_top_mm = FiniteDecimalField("Top margin (mm)", places=2, default=0, validators=MM)
    margin_left_mm = FiniteDecimalField("Left margin (mm)", places=2, default=0, validators=MM)
    gap_x_mm = FiniteDecimalField("Gap across (mm)", places=2, default=0, validators=MM)
    gap_y_mm = FiniteDecimalField("Gap down (mm)", places=2, default=0, validators=MM)
    padding_mm = FiniteDecimalField("Inner padding (mm)", places=2, default=2, validators=MM)
    offset_x_mm = FiniteDecimalField(
        "Printer nudge right (mm)", places=2, default=0, validators=NUDGE
    )
    offset_y_mm = FiniteDecimalField(
        "Printer nudge down (mm)", places=2, default=0, validators=NUDGE
    )
    is_default = BooleanField("Default stock")
    dpi = SelectField(
        "Printer resolution (ZPL)",
        choices=[SelectChoice(dpi, f"{dpi} dpi") for dpi in PRINTER_DPI],
        coerce=int,
        default=PRINTER_DPI[0],
    )
    printer_host = StringField(
        "Network printer host (ZPL, rolls)",
        filters=[strip_text, lambda value: value or None],
        validators=[Optional(), Length(max=253), host_or_address],
    )
    printer_port = IntegerField(
        "Printer port",
        default=RAW_PRINT_PORT,
        filters=[lambda port: RAW_PRINT_PORT if port is None else port],  # empty: Zebra's
        validators=[Optional(), NumberRange(1, 65535, "A TCP port: 1 to 65535.")],
    )
    submit = SubmitField("Save stock")

    FIELDS = (
        "name",
        "label_width_mm",
        "label_height_mm",
        "sheet_width_mm",
        "sheet_height_mm",
        "columns",
        "rows",
        "margin_top_mm",
        "margin_left_mm",
        "gap_x_mm",
        "gap_y_mm",
        "padding_mm",
        "offset_x_mm",
        "offset_y_mm",
        "is_default",
        "dpi",
        "printer_host",
        "printer_port",
    )

    @classmethod
    def for_stock(cls, stock: LabelStock) -> LabelStockForm:
        form = cls(formdata=None, prefix="")
        form.stock_id.data = str(stock.id)
        for name in cls.FIELDS:
            getattr(form, name).data = getattr(stock, name)
        return form

    def editing(self) -> int | None:
        """The id of the stock this form changes; None for a new one."""
        return strict_id(self.stock_id.data)

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        if not super().validate(extra_validators):
            return False
        sheet = self.sheet_width_mm.data is not None or self.sheet_height_mm.data is not None
        if sheet and self.printer_host.data:
            self.printer_host.errors = [
                "A laser sheet is printed as PDF, not sent to a Zebra printer: leave the host "
                "empty, or make this a roll (no sheet sizes)."
            ]
            return False
        if sheet and (self.sheet_width_mm.data is None or self.sheet_height_mm.data is None):
            self.sheet_height_mm.errors = ["Give both sheet sizes, or neither for a roll."]
            return False
        if sheet:
            width = (
                self.margin_left_mm.data
                + self.columns.data * self.label_width_mm.data
                + (self.columns.data - 1) * self.gap_x_mm.data
            )
            height = (
                self.margin_top_mm.data
                + self.rows.data * self.label_height_mm.data
                + (self.rows.data - 1) * self.gap_y_mm.data
            )
            if width > self.sheet_width_mm.data or height > self.sheet_height_mm.data:
                self.columns.errors = ["These labels do not fit on the sheet."]
                return False
        return True

    def name_taken(self) -> bool:
        """Another stock has this name, in any case ("avery 5163" is "Avery 5163"). Both sides
        are folded by the database, as its unique index folds them: Python's lower() folds
        letters SQLite's does not ("É"), and would miss a name the index refuses."""
        same = select(LabelStock.id).where(
            func.lower(LabelStock.name) == func.lower(self.name.data or "")
        )
        editing = self.editing()
        if editing is not None:
            same = same.where(LabelStock.id != editing)
        return db.session.scalars(same.limit(1)).first() is not None

    def populate_stock(self, stock: LabelStock) -> None:
        for name in self.FIELDS:
            setattr(stock, name, getattr(self, name).data)
        if stock.sheet_width_mm is None:
            stock.columns, stock.rows = 1, 1
        for name in ("margin_top_mm", "margin_left_mm", "gap_x_mm", "gap_y_mm"):
            if getattr(stock, name) is None:
                setattr(stock, name, Decimal(0))
