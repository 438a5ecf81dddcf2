"""The order document: one LDN prescription as plain, validated data.

Every interface (JSON API, CLI, web form, e-prescription import) turns its input into an
`OrderDocument` here, so "malformed" means the same thing everywhere. Clinical problems are
not malformations: a document can be well formed and still blocked by the checker.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..phones import phone_number
from ..plaintext import hidden_character_problem
from .amounts import Amount, AmountError, parse_amount

MAX_TEXT = 200
MAX_LIST = 50


class DosageForm(StrEnum):
    CAPSULE = "capsule"
    ORAL_LIQUID = "oral_liquid"
    SUBLINGUAL_DROPS = "sublingual_drops"
    TOPICAL_CREAM = "topical_cream"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


_FORM_SYNONYMS = {
    "capsule": DosageForm.CAPSULE,
    "capsules": DosageForm.CAPSULE,
    "cap": DosageForm.CAPSULE,
    "caps": DosageForm.CAPSULE,
    "oral liquid": DosageForm.ORAL_LIQUID,
    "liquid": DosageForm.ORAL_LIQUID,
    "oral solution": DosageForm.ORAL_LIQUID,
    "solution": DosageForm.ORAL_LIQUID,
    "sublingual drops": DosageForm.SUBLINGUAL_DROPS,
    "sl drops": DosageForm.SUBLINGUAL_DROPS,
    "drops": DosageForm.SUBLINGUAL_DROPS,
    "topical cream": DosageForm.TOPICAL_CREAM,
    "cream": DosageForm.TOPICAL_CREAM,
}


def _dosage_form(value: Any) -> Any:
    if isinstance(value, str):
        key = " ".join(value.replace("_", " ").replace("-", " ").lower().split())
        if key in _FORM_SYNONYMS:
            return _FORM_SYNONYMS[key]
    return value


def _amount(text: str) -> str:
    try:
        parse_amount(text)
    except AmountError as exc:
        raise ValueError(str(exc)) from exc
    return text


def _visible(text: str) -> str:
    problem = hidden_character_problem(text)
    if problem:
        raise ValueError(problem)
    return text


def _visible_lines(text: str) -> str:
    problem = hidden_character_problem(text, lines=True)
    if problem:
        raise ValueError(problem)
    return text


# Every text of the document is read by the checker and printed on labels and records:
# visible text only (a right-to-left override could show one thing and mean another).
OptionalText = Annotated[str, Field(max_length=MAX_TEXT), AfterValidator(_visible)]
NameText = Annotated[str, Field(min_length=1, max_length=MAX_TEXT), AfterValidator(_visible)]
OptionalNameText = OptionalText
AmountText = Annotated[
    str, Field(min_length=1, max_length=40), AfterValidator(_visible), AfterValidator(_amount)
]
TextList = Annotated[list[OptionalText], Field(max_length=MAX_LIST)]
# A phone or fax number, kept as "(503) 555-0142" (phones.py); "" when not given.
PhoneText = Annotated[
    str, Field(max_length=40), AfterValidator(_visible), AfterValidator(phone_number)
]
# Directions may run over several lines (a titration written step by step).
FreeText = Annotated[str, Field(max_length=1000), AfterValidator(_visible_lines)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Patient(_Part):
    first_name: NameText
    last_name: NameText
    date_of_birth: dt.date
    # The family name is written first (王芳): the name prints in that order.
    family_name_first: StrictBool = False
    medications: TextList = []
    allergies: TextList = []
    conditions: TextList = []

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, value: dt.date, info: ValidationInfo) -> dt.date:
        today = _today(info)
        if value > today:
            raise ValueError("date of birth is in the future")
        if value.year < today.year - 125:
            raise ValueError("date of birth is more than 125 years ago")
        return value


class Prescriber(_Part):
    name: NameText
    credential: OptionalNameText = ""
    license_number: OptionalNameText = ""
    state: Annotated[str, Field(max_length=40), AfterValidator(_visible)] = ""
    npi: Annotated[str, Field(max_length=20), AfterValidator(_visible)] = ""
    # Where a renewal request is phoned or faxed (dispensing/renewal.py).
    phone: PhoneText = ""
    fax: PhoneText = ""


class Preparation(_Part):
    dosage_form: Annotated[DosageForm, BeforeValidator(_dosage_form)]
    release: OptionalText = ""
    strength: AmountText
    excipients: TextList = []

    @property
    def strength_amount(self) -> Amount:
        return parse_amount(self.strength)


class Sig(_Part):
    dose: AmountText
    times_per_day: Annotated[StrictInt, Field(ge=1, le=24)] = 1
    time_of_day: OptionalText = ""
    text: FreeText = ""
    # What it is for, when prescribed ("for fibromyalgia"): printed after the directions.
    purpose: OptionalText = ""


class OrderDocument(_Part):
    """One prescription for LDN, as an e-prescription, the API or the order form sends it."""

    patient: Patient
    prescriber: Prescriber
    preparation: Preparation
    sig: Sig
    quantity: Annotated[Decimal, Field(gt=0, le=10_000, max_digits=10, decimal_places=3)]
    days_supply: Annotated[StrictInt, Field(ge=1, le=366)]
    refills: Annotated[StrictInt, Field(ge=0, le=99)] = 0
    date_written: dt.date | None = None
    date_received: dt.date | None = None

    @field_validator("quantity", mode="before")
    @classmethod
    def _quantity_is_a_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
            raise ValueError("quantity must be a number")
        return value

    @model_validator(mode="after")
    def _capsules_are_counted_whole(self) -> OrderDocument:
        if (
            self.preparation.dosage_form is DosageForm.CAPSULE
            and self.quantity != self.quantity.to_integral_value()
        ):
            raise PydanticCustomError(
                "whole_capsules",
                "Capsules are counted whole: write the number of capsules, such as 30.",
                {"loc": "quantity"},
            )
        return self


def _today(info: ValidationInfo) -> dt.date:
    """The pharmacy's date, given to validation by `parse_order_document` (never the clock)."""
    today = (info.context or {}).get("today")
    if not isinstance(today, dt.date):
        raise TypeError(
            "An order document is validated with today's date: use parse_order_document."
        )
    return today


class DocumentError(ValueError):
    """A malformed order document: `errors` maps a field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def parse_order_document(data: object, *, today: dt.date) -> OrderDocument:
    """Validate plain data (decoded JSON, form data) into an OrderDocument or raise
    DocumentError with every problem by field path. `today` is the pharmacy's date, that a
    date of birth may not be after."""
    if not isinstance(data, dict):
        raise DocumentError({"": ["The order document must be a JSON object."]})
    try:
        return OrderDocument.model_validate(data, context={"today": today})
    except ValidationError as exc:
        raise DocumentError(_errors_by_path(exc)) from None


def field_path(location: tuple[int | str, ...]) -> str:
    """('preparation', 'excipients', 1) -> 'preparation.excipients[1]'."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _errors_by_path(exc: ValidationError) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in exc.errors(include_url=False, include_input=False):
        # Drop the validator names Pydantic adds to a location ("function-after[...]").
        location = tuple(p for p in error["loc"] if not (isinstance(p, str) and "[" in p))
        if (error.get("ctx") or {}).get("loc"):  # a whole-document rule about one field
            location = (*location, *str(error["ctx"]["loc"]).split("."))
        message = _message(error)
        errors.setdefault(field_path(location), []).append(message)
    return errors


# Pydantic's wording, put the way the pharmacy's staff would say it.
_PLAIN_MESSAGES = {
    "string_unicode": "Contains an unpaired surrogate, which is not text: type it again.",
    "less_than_equal": "Must be {le} or less.",
    "less_than": "Must be less than {lt}.",
    "greater_than_equal": "Must be {ge} or more.",
    "greater_than": "Must be more than {gt}.",
    "decimal_parsing": "Write a number, such as 30.",
    "int_parsing": "Write a whole number, such as 30.",
    "int_type": "Write a whole number, such as 30.",
    "int_from_float": "Write a whole number, such as 30.",
    "decimal_max_places": "Use at most {decimal_places} decimal places.",
    "decimal_max_digits": "That number is too long.",
    "string_too_long": "Too long: at most {max_length} characters.",
    "too_long": "Too many entries: at most {max_length}.",
    "string_type": "Write this as text.",
    "list_type": "Must be a list.",
}


def _message(error: Any) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "missing" or (kind == "string_too_short" and error["ctx"]["min_length"] == 1):
        return "This field is required."

    if kind == "extra_forbidden":
        return "Unknown field: check its spelling (unknown fields are refused, not ignored)."
    if kind.startswith(("date_", "datetime_")) and kind != "date_from_datetime_inexact":
        return "Write the date as YYYY-MM-DD (for example 1970-02-03)."
    if kind == "enum":
        return "Must be one of: " + ", ".join(f.value for f in DosageForm) + "."
    if kind in _PLAIN_MESSAGES:
        return _PLAIN_MESSAGES[kind].format(**(error.get("ctx") or {}))
    return message.removeprefix("Value error, ")
