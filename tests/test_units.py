"""One unit conversion for stock, worksheets and costs: Pint's factors as exact Decimals,
giving the digits the hand-written tables gave."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pharmacy_app.checks import AmountError, parse_amount
from pharmacy_app.units import MCG_PER_MG, MG_PER_G, UnitError, convert, factor

# The tables the compounding worksheet (amount to stock unit) and the cost lines (component
# unit to the lot's stock unit) used before Pint did the conversion.
OLD_TO_STOCK = {
    ("mg", "g"): Decimal("0.001"),
    ("g", "g"): Decimal(1),
    ("mL", "mL"): Decimal(1),
    ("each", "each"): Decimal(1),
}
OLD_STOCK_TO_COST = {"mg": Decimal("0.001"), "g": Decimal(1), "mL": Decimal(1), "each": Decimal(1)}
# An amount the cost table priced is always in the unit its stock is kept in, or mg of stock
# kept in g (the pairings the worksheet took the amount from stock with).
COST_PAIRINGS = [(unit, "g" if unit == "mg" else unit) for unit in OLD_STOCK_TO_COST]
AMOUNTS = [Decimal(t) for t in ("0", "1", "1000", "1500", "0.5", "1234.567", "90.000", "4.5E+3")]


@pytest.mark.parametrize(("from_unit", "to_unit"), list(OLD_TO_STOCK))
def test_each_stock_pairing_has_the_old_factor_digit_for_digit(from_unit, to_unit):
    assert factor(from_unit, to_unit).as_tuple() == OLD_TO_STOCK[(from_unit, to_unit)].as_tuple()


@pytest.mark.parametrize(("from_unit", "to_unit"), list(OLD_TO_STOCK))
@pytest.mark.parametrize("amount", AMOUNTS)
def test_each_stock_amount_is_the_old_one_digit_for_digit(from_unit, to_unit, amount):
    old = amount * OLD_TO_STOCK[(from_unit, to_unit)]
    assert convert(amount, from_unit, to_unit).as_tuple() == old.as_tuple()


@pytest.mark.parametrize(("from_unit", "to_unit"), COST_PAIRINGS)
@pytest.mark.parametrize("amount", AMOUNTS)
def test_each_cost_quantity_is_the_old_one_digit_for_digit(from_unit, to_unit, amount):
    old = amount * OLD_STOCK_TO_COST[from_unit]
    assert convert(amount, from_unit, to_unit).as_tuple() == old.as_tuple()


@given(st.decimals(min_value=0, max_value=10**7, places=3, allow_nan=False))
def test_any_weighing_converts_as_the_old_table_did(amount):
    for (from_unit, to_unit), old in OLD_TO_STOCK.items():
        assert convert(amount, from_unit, to_unit).as_tuple() == (amount * old).as_tuple()


@pytest.mark.parametrize(
    ("from_unit", "to_unit"),
    [("each", "mg"), ("mg", "each"), ("each", "g"), ("mL", "g"), ("g", "mL"), ("mg", "mL")],
)
def test_amounts_of_different_kinds_are_refused_by_name(from_unit, to_unit):
    with pytest.raises(UnitError, match=f"in {from_unit} cannot be converted to {to_unit}"):
        convert(Decimal(1), from_unit, to_unit)


def test_an_unknown_stock_unit_is_refused():
    with pytest.raises(UnitError, match="bottle is not a unit"):
        factor("bottle", "g")


def test_the_named_factors_are_plain_whole_numbers():
    assert (MG_PER_G.as_tuple(), MCG_PER_MG.as_tuple()) == (
        Decimal(1000).as_tuple(),
        Decimal(1000).as_tuple(),
    )


@pytest.mark.parametrize("text", ["2 each", "1 eaches"])
def test_the_stock_count_is_not_a_prescription_unit(text):
    with pytest.raises(AmountError, match="is not a unit this pharmacy reads"):
        parse_amount(text)
