"""Telephone and fax numbers as a US pharmacy writes them: read with Google's libphonenumber
(the `phonenumbers` package), US numbers by default, and kept in one form, "(503) 555-0142"
(an extension kept: "(503) 555-0142 ext. 12"; a number abroad in international form)."""

from __future__ import annotations

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

REGION = "US"


def phone_number(written: str) -> str:
    """The number written, in the form records keep; "" for none. ValueError with what to
    write instead when it is not a dialable number (too short, a local number without its
    area code, letters)."""
    text = written.strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, REGION)
    except NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(
            f'"{text[:40]}" is not a phone number: write the 10 digits with the area code, '
            'e.g. "(503) 555-0142" (an extension as "ext. 12").'
        )
    style = (
        PhoneNumberFormat.NATIONAL if number.country_code == 1 else PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)
