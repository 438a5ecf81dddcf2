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


# ---------------------------------------------------------------------------------------------
# Contract tests: what parse_amount reads and refuses.
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "unit", "per"),
    [
        ("4.5 mg", "4.5", "mg", None),
        ("4.5mg", "4.5", "mg", None),
        ("4.5 MG", "4.5", "mg", None),
        ("4.5 Mg", "4.5", "mg", None),  # not megagrams
        ("  4.5 mg  ", "4.5", "mg", None),
        ("4.5 mg.", "4.5", "mg", None),
        ("4500 mcg", "4.5", "mg", None),
        ("4500 MCG", "4.5", "mg", None),
        ("4,500 mcg", "4.5", "mg", None),
        ("500 µg", "0.5", "mg", None),  # micro sign U+00B5
        ("500 μg", "0.5", "mg", None),  # Greek small letter mu U+03BC
        ("500 ug", "0.5", "mg", None),
        ("1,000 mcg", "1", "mg", None),
        ("0.1 mg", "0.1", "mg", None),  # exact, not the binary float 0.1000000000000000055...
        (".5 mg", "0.5", "mg", None),
        ("1 mg/mL", "1", "mg", "mL"),
        ("1mg/ml", "1", "mg", "mL"),
        ("1 mg / mL", "1", "mg", "mL"),
        ("1.5 MG/ML", "1.5", "mg", "mL"),
        ("5 mg/5 mL", "1", "mg", "mL"),
        ("0.5 mg per mL", "0.5", "mg", "mL"),
        ("500 mcg/mL", "0.5", "mg", "mL"),
        ("3 mL", "3", "mL", None),
        ("3 ml", "3", "mL", None),
        ("3 ML", "3", "mL", None),
        ("3 cc", "3", "mL", None),
        ("1 capsule", "1", "capsule", None),
        ("1 Capsule", "1", "capsule", None),
        ("2 caps", "2", "capsule", None),
        ("2 capsules", "2", "capsule", None),
    ],
)
def test_parse_amount_reads_what_prescriptions_write(text, value, unit, per):
    amount = parse_amount(text)
    assert isinstance(amount.value, Decimal)
    assert amount.value == Decimal(value)
    assert str(amount.value.normalize()) == str(Decimal(value).normalize())
    assert (amount.unit, amount.per) == (unit, per)


@pytest.mark.parametrize(
    "text",
    [
        "4,5 mg",
        "4,50 mg",
        "mg",
        "4.5",
        "4.5 mgg",
        "0 mg",
        "0.0 mg",
        "-1 mg",
        "-4.5 mg",
        "4.5 mg SR",
        "",
        "   ",
        "4.5 mg mg",
        "4..5 mg",
        "4.5.1 mg",
        "NaN mg",
        "inf mg",
        "1e3 mg",
        "four point five mg",
        "3 mL/mg",
        "1 mg/0 mL",
        "10 mL/day",
        "4.5 mg; 3 mg",
    ],
)
def test_parse_amount_refuses_unreadable_text_with_a_reason(text):
    with pytest.raises(AmountError) as caught:
        parse_amount(text)
    assert str(caught.value).strip()


def test_amount_error_is_a_value_error():
    assert issubclass(AmountError, ValueError)


def test_mass_units_convert_exactly_to_mg():
    assert parse_amount("4500 mcg").value == parse_amount("4.5 mg").value
    assert parse_amount("0.0045 g").value == Decimal("4.5")
