"""Amounts as prescriptions write them, read with Pint into exact Decimals."""

from decimal import Decimal

import pytest

from pharmacy_app.checks import AmountError, parse_amount


@pytest.mark.parametrize(
    ("text", "value", "unit", "per"),
    [
        ("4.5 mg", "4.5", "mg", None),
        ("4.5mg", "4.5", "mg", None),
        ("4.5 MG", "4.5", "mg", None),
        ("4500 mcg", "4.5", "mg", None),
        ("500 µg", "0.5", "mg", None),
        ("500 μg", "0.5", "mg", None),
        ("500 ug", "0.5", "mg", None),
        ("0.0045 g", "4.5", "mg", None),
        ("1 mg/mL", "1", "mg", "mL"),
        ("1mg/ml", "1", "mg", "mL"),
        ("5 mg/5 mL", "1", "mg", "mL"),
        ("0.5 mg per mL", "0.5", "mg", "mL"),
        ("1 mg/g", "1", "mg", "g"),
        ("3 mL", "3", "mL", None),
        ("3 ml", "3", "mL", None),
        ("3 cc", "3", "mL", None),
        (".5 mg", "0.5", "mg", None),
        ("1,000 mcg", "1", "mg", None),
        ("1 capsule", "1", "capsule", None),
        ("2 caps", "2", "capsule", None),
        ("1 cap(s)", "1", "capsule", None),
        ("one capsule", "1", "capsule", None),
        ("½ mL", "0.5", "mL", None),
        ("naltrexone 4.5 mg", "4.5", "mg", None),
        ("LDN 3mg", "3", "mg", None),
        ("4.5 milligrams", "4.5", "mg", None),
        ("0.1 mg/drop", "0.1", "mg", "drop"),
    ],
)
def test_amounts_are_read_exactly(text, value, unit, per):
    amount = parse_amount(text)
    assert (amount.value, amount.unit, amount.per) == (Decimal(value), unit, per)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("4,5 mg", "decimal"),
        ("mg", "amount"),
        ("4.5", "amount"),
        ("4.5 mgg", "unit"),
        ("0 mg", "more than zero"),
        ("-1 mg", "amount"),
        ("4.5 mg SR", "amount"),
        ("1 mg/0 mL", "zero"),
        ("10 mL/day", "mass"),
        ("5 seconds", "mass"),
        ("99999999 mg", "too large"),
    ],
)
def test_unreadable_amounts_say_why(text, says):
    with pytest.raises(AmountError, match=says):
        parse_amount(text)
