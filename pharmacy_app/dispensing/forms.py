"""The dispensing forms: the final check (two scans and the pharmacist's signature), recording a
fill as picked up or shipped (the bag label scanned, who collected it or the shipment, the
counselling offer; a price other than the computed one, or a refill too soon, explained), a
pharmacist's reversal; refill requests and the auto-refill opt-in; the return of a fill not
collected."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import TextInput

from ..compounding.models import UncollectedDisposition
from ..formfields import FiniteDecimalField
from ..idempotency.forms import OnceTokenField
from ..labels.forms import TEXT_LIMIT, at_most, strip_text
from ..workflow import MIN_REASON
from .pickup import COUNSELLING_ANSWERS, RELATIONS, TEXT_MAX, Handover
from .services import DISPENSE_METHODS

MAX_PRICE = 100000


class PriceField(FiniteDecimalField):
    """A price in dollars and cents; "abc", "NaN" or "4,50" are refused in plain words. A text
    box, so what was typed comes back as typed (a browser empties a number box it cannot read).
    """

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError("Enter the price as a number, such as 42.50.") from exc


class ScanField(StringField):
    """A scan field: a barcode scanner types the code and presses Enter, so the field takes
    the code as typed (the service trims what the scanner adds) and the page moves on."""

    def __init__(self, label: str, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {}).update(
            {
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "data-scan": True,
            }
        )
        super().__init__(label, validators=[at_most(100)], **kwargs)


def reason_field(label: str, missing: str) -> StringField:
    """A pharmacist's reason for a decision: required (`missing` says so), a few words at
    least (MIN_REASON), at most TEXT_LIMIT."""
    return StringField(
        label,
        filters=[strip_text],
        validators=[
            DataRequired(message=missing),
            Length(min=MIN_REASON, message="Give the reason in a few words."),
            at_most(TEXT_LIMIT),
        ],
    )


class FinalCheckForm(FlaskForm):
    label_scan = ScanField(
        "Scan the patient label", description="The fill code under its barcode, as 100001-F01"
    )
    container_scan = ScanField(
        "Scan the container's batch label", description="The batch number on the container"
    )
    password = PasswordField(
        "Your password, to sign the release",
        description="Your signature: your name, the time and the meaning “released”.",
        validators=[at_most(200)],
    )
    submit = SubmitField("Release the fill")


class DispenseForm(FlaskForm):
    once_token = OnceTokenField()
    bag_scan = ScanField("Scan the bag label")
    method = SelectField(
        "How",
        choices=[
            SelectChoice("picked_up", "Picked up by the patient"),
            SelectChoice("shipped", "Shipped"),
        ],
        validate_choice=False,
    )
    collected_by = StringField(
        "Collected by (name)", filters=[strip_text], validators=[at_most(TEXT_MAX)]
    )
    relation = SelectField(
        "Relation to the patient",
        choices=[SelectChoice("", "—"), *(SelectChoice(k, v) for k, v in RELATIONS.items())],
        validate_choice=False,
    )
    id_checked = SelectField(
        "ID checked",
        choices=[SelectChoice("", "—"), SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validate_choice=False,
    )
    carrier = StringField(
        "Carrier (for a shipment)", filters=[strip_text], validators=[at_most(TEXT_MAX)]
    )
    tracking_number = StringField(
        "Tracking number", filters=[strip_text], validators=[at_most(TEXT_MAX)]
    )
    counselling = SelectField(
        "Counselling offered",
        choices=[
            SelectChoice("", "Not offered"),
            *(SelectChoice(k, v.capitalize()) for k, v in COUNSELLING_ANSWERS.items()),
        ],
        validate_choice=False,
    )
    note = StringField("Dispensing note", filters=[strip_text], validators=[at_most(TEXT_LIMIT)])
    price = PriceField(
        "Price charged (leave empty for the computed price)",
        places=2,
        render_kw={"inputmode": "decimal"},
        validators=[
            Optional(),
            NumberRange(
                min=0, max=MAX_PRICE, message=f"A price from 0 to {MAX_PRICE:,}, such as 42.50."
            ),
        ],
    )
    price_reason = StringField(
        "Reason for a different price", filters=[strip_text], validators=[at_most(TEXT_LIMIT)]
    )
    early_reason = StringField(
        "Refill too soon: the pharmacist's reason for dispensing it now",
        filters=[strip_text],
        validators=[at_most(TEXT_LIMIT)],
    )
    submit = SubmitField("Record dispensing")

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if self.method.data not in DISPENSE_METHODS:
            self.method.errors = [*self.method.errors, "Choose picked up or shipped."]
            valid = False
        if self.price.data is not None and len(self.price_reason.data or "") < MIN_REASON:
            self.price_reason.errors = [
                *self.price_reason.errors,
                "Give the reason for a price other than the computed one.",
            ]
            valid = False
        return valid

    def handover(self) -> Handover:
        """What the form records about the hand-over, for the dispensing service to check."""
        return Handover(
            bag_scan=self.bag_scan.data or "",
            collected_by=self.collected_by.data or "",
            relation=self.relation.data or "",
            id_checked={"yes": True, "no": False}.get(self.id_checked.data or ""),
            counselling=self.counselling.data or "",
            carrier=self.carrier.data or "",
            tracking_number=self.tracking_number.data or "",
        )


class ReverseDispensingForm(FlaskForm):
    reason = reason_field(
        "Reason for reversing (wrong order, never collected)",
        "Give the reason for reversing the dispensing.",
    )
    submit = SubmitField("Reverse dispensing")


class ReturnUncollectedForm(FlaskForm):
    """A pharmacist's return of a fill not collected: back to stock or discarded, and why."""

    disposition = SelectField(
        "What becomes of it",
        choices=[
            SelectChoice("", "Choose…"),
            *(SelectChoice(d.value, d.label.capitalize()) for d in UncollectedDisposition),
        ],
        validate_choice=False,
    )
    reason = reason_field("Reason", "Give the reason the fill was not collected.")
    submit = SubmitField("Return fill")

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if self.disposition.data not in {d.value for d in UncollectedDisposition}:
            self.disposition.errors = [
                *self.disposition.errors,
                "Choose returned to stock or discarded.",
            ]
            valid = False
        return valid


class RefillRequestForm(FlaskForm):
    """A refill asked for at the counter or on the phone (the API and the auto-refill schedule
    record theirs themselves)."""

    once_token = OnceTokenField()
    requested_by = StringField(
        "Who asked (the patient, or their name and relation)",
        filters=[strip_text],
        default="patient",
        validators=[
            DataRequired(message="Say who asked for the refill."),
            Length(min=2, message="Say who asked: the patient, or their name."),
            Length(max=200, message="At most 200 characters."),
        ],
    )
    channel = SelectField(
        "How",
        choices=[SelectChoice("phone", "By phone"), SelectChoice("counter", "At the counter")],
        validate_choice=False,
    )
    note = StringField("Note", filters=[strip_text], validators=[at_most(TEXT_LIMIT)])
    early_reason = StringField(
        "Too soon: the pharmacist's reason for making it early (leave empty to wait until due)",
        filters=[strip_text],
        validators=[at_most(TEXT_LIMIT)],
    )
    submit = SubmitField("Record refill request")

    def validate(self, extra_validators=None):  # type: ignore[no-untyped-def]
        valid = super().validate(extra_validators)
        if self.channel.data not in ("phone", "counter"):
            self.channel.errors = [*self.channel.errors, "Choose by phone or at the counter."]
            valid = False
        return valid


class CancelRequestForm(FlaskForm):
    reason = reason_field(
        "Reason for cancelling the request", "Give the reason for cancelling the request."
    )
    submit = SubmitField("Cancel request")


class AutoRefillForm(FlaskForm):
    enabled = BooleanField("Auto-refill: request each refill as it comes due")
    submit = SubmitField("Save auto-refill")
