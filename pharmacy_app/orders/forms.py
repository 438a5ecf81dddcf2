"""The order entry form: one prescription, laid out in the order of a paper prescription.

The form only gathers text; `document_from_form` turns it into the same order document the
API takes, so the checker and its validation are the one source of truth."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
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
from wtforms.widgets import TextInput

from ..checks import DosageForm
from ..idempotency.forms import OnceTokenField
from ..timeutil import pharmacy_today

FORM_CHOICES = [SelectChoice(f.value, f.label.capitalize()) for f in DosageForm]
TIME_CHOICES = [
    SelectChoice("bedtime", "At bedtime"),
    SelectChoice("morning", "In the morning"),
    SelectChoice("evening", "In the evening"),
    SelectChoice("", "Not stated"),
]
DATE_FIELDS = ("date_of_birth", "date_written", "date_received")
# Dates are typed as on paper (03/14/1968) in a plain text box, which is faster from the
# keyboard than a date picker's segments; ISO dates are read too.
DATE_INPUT: dict[str, Any] = {
    "format": ["%m/%d/%Y", "%Y-%m-%d", "%m/%d/%y", "%m-%d-%Y"],
    "widget": TextInput(),
    "render_kw": {"placeholder": "MM/DD/YYYY", "inputmode": "numeric", "autocomplete": "off"},
}

# Where each part of an order document is typed in the form: a finding or an error at a
# document path is shown beside this field.
FIELD_FOR_PATH = {
    "patient.first_name": "first_name",
    "patient.last_name": "last_name",
    "patient.date_of_birth": "date_of_birth",
    "patient.medications": "medications",
    "patient.allergies": "allergies",
    "patient.conditions": "conditions",
    "prescriber.name": "prescriber_name",
    "prescriber.credential": "credential",
    "prescriber.license_number": "license_number",
    "prescriber.state": "state",
    "prescriber.npi": "npi",
    "prescriber.phone": "prescriber_phone",
    "prescriber.fax": "prescriber_fax",
    "preparation.dosage_form": "dosage_form",
    "preparation.release": "release",
    "preparation.strength": "strength",
    "preparation.excipients": "excipients",
    "sig.dose": "dose",
    "sig.times_per_day": "times_per_day",
    "sig.time_of_day": "time_of_day",
    "sig.text": "sig_text",
    "sig.purpose": "purpose",
    "patient.family_name_first": "family_name_first",
    "quantity": "quantity",
    "days_supply": "days_supply",
    "refills": "refills",
    "date_written": "date_written",
    "date_received": "date_received",
}


class BirthDateField(DateField):
    """A date of birth: a two-digit year is the latest past one ("03/14/68" is 1968)."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        raw = (valuelist[0] if valuelist else "") or ""
        born: dt.date | None = getattr(self, "data", None)
        if born and re.search(r"\b\d{2}\s*$", raw) and born > pharmacy_today():
            self.data = born.replace(year=born.year - 100)


def lines(text: str | None) -> list[str]:
    """A list box's entries, one a line. Only what a browser sends as a line break (\\n, \\r\\n,
    \\r) separates them: str.splitlines would also split at invisible separators (\\x1c,
    U+2028...), turning "hydro<U+001C>codone" into two harmless entries the checker passes,
    where the document's rule must refuse them."""
    return [line.strip() for line in _LINE_BREAK.split(text or "") if line.strip()]


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class OrderForm(FlaskForm):
    once_token = OnceTokenField()  # saving twice (a double click) stores one order
    # Patient
    patient_search = StringField("Find patient", description="Name or date of birth")
    first_name = StringField("First name", validators=[DataRequired(), Length(max=200)])
    last_name = StringField("Last name", validators=[DataRequired(), Length(max=200)])
    family_name_first = BooleanField("Family name first (王芳, Nguyễn Thị Mai)")
    date_of_birth = BirthDateField("Date of birth", validators=[InputRequired()], **DATE_INPUT)
    allergies = TextAreaField("Allergies", description="One per line; NKDA if none")
    medications = TextAreaField("Current medications", description="One per line")
    conditions = TextAreaField(
        "Relevant conditions", description="One per line, e.g. pregnant, severe liver disease"
    )
    # Prescriber
    prescriber_search = StringField("Find prescriber", description="Name or licence number")
    prescriber_name = StringField("Prescriber", validators=[DataRequired(), Length(max=200)])
    credential = StringField(
        "Credential", validators=[Length(max=200)], description="MD, DO, NP, PA, ND..."
    )
    license_number = StringField("Licence number", validators=[Length(max=200)])
    state = StringField("Licence state", validators=[Length(max=40)])
    npi = StringField("NPI", validators=[Length(max=20)])
    prescriber_phone = StringField(
        "Prescriber phone", validators=[Length(max=40)], description="For a renewal request"
    )
    prescriber_fax = StringField("Prescriber fax", validators=[Length(max=40)])
    # Preparation
    strength = StringField(
        "Strength",
        validators=[DataRequired(), Length(max=40)],
        description="e.g. 4.5 mg, or 1 mg/mL for liquids",
    )
    dosage_form = SelectField("Dosage form", choices=FORM_CHOICES, default=DosageForm.CAPSULE.value)
    release = StringField(
        "Release",
        default="IR",
        validators=[Length(max=200)],
        description="As written on the prescription",
    )
    excipients = TextAreaField(
        "Filler / excipients", default="microcrystalline cellulose", description="One per line"
    )
    # Directions
    dose = StringField(
        "Dose",
        default="1 capsule",
        validators=[DataRequired(), Length(max=40)],
        description="e.g. 1 capsule, 4.5 mg, 3 mL",
    )
    times_per_day = IntegerField(
        "Times a day", default=1, validators=[InputRequired(), NumberRange(1, 24)]
    )
    time_of_day = SelectField("When", choices=TIME_CHOICES, default="bedtime")
    sig_text = TextAreaField("Directions as written", validators=[Length(max=1000)])
    purpose = StringField(
        "Purpose",
        validators=[Length(max=200)],
        description='When the prescriber says, e.g. "for fibromyalgia": printed on the label',
    )
    # Supply
    quantity = StringField(
        "Quantity",
        default="30",
        validators=[DataRequired(), Length(max=12)],
        description="Capsules, or mL / g for liquids and creams",
    )
    days_supply = IntegerField(
        "Days supply", default=30, validators=[InputRequired(), NumberRange(1, 366)]
    )
    refills = IntegerField("Refills", default=0, validators=[InputRequired(), NumberRange(0, 99)])
    date_written = DateField("Date written", validators=[Optional()], **DATE_INPUT)
    date_received = DateField(
        "Date received", default=pharmacy_today, validators=[InputRequired()], **DATE_INPUT
    )

    check = SubmitField("Check")
    save = SubmitField("Save and send for verification")
    save_draft = SubmitField("Save as draft")

    def document(self) -> dict[str, Any]:
        """The order document this form describes (validated later by the checker)."""
        quantity: Any = (self.quantity.data or "").strip()
        return {
            "patient": {
                "first_name": self.first_name.data or "",
                "family_name_first": bool(self.family_name_first.data),
                "last_name": self.last_name.data or "",
                "date_of_birth": _iso(self.date_of_birth.data),
                "medications": lines(self.medications.data),
                "allergies": lines(self.allergies.data),
                "conditions": lines(self.conditions.data),
            },
            "prescriber": {
                "name": self.prescriber_name.data or "",
                "credential": self.credential.data or "",
                "license_number": self.license_number.data or "",
                "state": self.state.data or "",
                "npi": self.npi.data or "",
                "phone": self.prescriber_phone.data or "",
                "fax": self.prescriber_fax.data or "",
            },
            "preparation": {
                "dosage_form": self.dosage_form.data,
                "release": self.release.data or "",
                "strength": self.strength.data or "",
                "excipients": lines(self.excipients.data),
            },
            "sig": {
                "dose": self.dose.data or "",
                "times_per_day": self.times_per_day.data,
                "time_of_day": self.time_of_day.data or "",
                "text": self.sig_text.data or "",
                "purpose": self.purpose.data or "",
            },
            "quantity": quantity,
            "days_supply": self.days_supply.data,
            "refills": self.refills.data,
            "date_written": _iso(self.date_written.data),
            "date_received": _iso(self.date_received.data),
        }

    def fill_from(self, document: dict[str, Any]) -> None:
        """Put a stored order document back into the form for editing."""
        patient, prescriber = document["patient"], document["prescriber"]
        preparation, sig = document["preparation"], document["sig"]
        values = {
            "first_name": patient["first_name"],
            "family_name_first": patient.get("family_name_first", False),
            "last_name": patient["last_name"],
            "date_of_birth": dt.date.fromisoformat(patient["date_of_birth"]),
            "medications": "\n".join(patient.get("medications", [])),
            "allergies": "\n".join(patient.get("allergies", [])),
            "conditions": "\n".join(patient.get("conditions", [])),
            "prescriber_name": prescriber["name"],
            "credential": prescriber.get("credential", ""),
            "license_number": prescriber.get("license_number", ""),
            "state": prescriber.get("state", ""),
            "npi": prescriber.get("npi", ""),
            "prescriber_phone": prescriber.get("phone", ""),
            "prescriber_fax": prescriber.get("fax", ""),
            "strength": preparation["strength"],
            "dosage_form": preparation["dosage_form"],
            "release": preparation.get("release", ""),
            "excipients": "\n".join(preparation.get("excipients", [])),
            "dose": sig["dose"],
            "times_per_day": sig.get("times_per_day", 1),
            "time_of_day": sig.get("time_of_day", ""),
            "sig_text": sig.get("text", ""),
            "purpose": sig.get("purpose", ""),
            "quantity": _plain_quantity(document["quantity"]),
            "days_supply": document["days_supply"],
            "refills": document.get("refills", 0),
            "date_written": _date(document.get("date_written")),
            "date_received": _date(document.get("date_received")),
        }
        for name, value in values.items():
            getattr(self, name).data = value


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _plain_quantity(value: Any) -> str:
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


class OverrideForm(FlaskForm):
    # The check the pharmacist was looking at: a decision on an order that has changed since
    # is refused (workflow.require_unchanged).
    check_id = HiddenField()
    code = HiddenField(validators=[DataRequired()])
    field = HiddenField(validators=[DataRequired()])
    reason = StringField(
        "Reason for accepting", validators=[DataRequired(), Length(min=5, max=500)]
    )
    submit = SubmitField("Override")


class VerifyForm(FlaskForm):
    check_id = HiddenField()
    submit = SubmitField("Verify")


class RejectForm(FlaskForm):
    check_id = HiddenField()
    reason = StringField(
        "Reason for rejecting", validators=[DataRequired(), Length(min=5, max=500)]
    )
    submit = SubmitField("Reject")


class QueueFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search: nothing changes

    status = SelectField(
        "Status",
        choices=[
            SelectChoice("", "Any status"),
            SelectChoice("checked", "Waiting for verification"),
            SelectChoice("draft", "Draft"),
            SelectChoice("verified", "Verified"),
            SelectChoice("compounded", "Compounded: label and dispense"),
            SelectChoice("refillable", "Refills on file"),
            SelectChoice("dispensed", "Dispensed"),
            SelectChoice("rejected", "Rejected"),
        ],
        default="",
    )
    rx = StringField("Rx number")
    patient = StringField("Patient")
    prescriber = StringField("Prescriber")
    received_from = DateField("Received from", validators=[Optional()])
    received_to = DateField("Received to", validators=[Optional()])
    submit = SubmitField("Filter")

    def validate_received_to(self, field: DateField) -> None:
        if field.data and self.received_from.data and field.data < self.received_from.data:
            raise ValidationError("This is before the “from” date: no order can match.")
