"""Units: one Pint registry with exact Decimal magnitudes, shared by the checker's amounts,
the compounding worksheet, stock and costs.

A conversion factor is looked up in Pint once and kept (Pint takes about 0.3 ms a
conversion, a cached factor well under a microsecond), and comes back as a plain Decimal
("0.001", "1", "1000"), so an amount times a factor has the digits the old hand-written
tables gave.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

import pint

registry: pint.UnitRegistry = pint.UnitRegistry(
    non_int_type=Decimal, autoconvert_offset_to_baseunit=False
)
registry.define("mcg = microgram")
registry.define("gm = gram")
# Dose units a prescription counts ("2 capsules", "5 drops"), each its own dimension so a
# count of capsules never converts to one of drops.
registry.define("capsule = [capsule] = cap")
registry.define("tablet = [tablet] = tab")
registry.define("drop = [drop] = gtt")
registry.define("click = [click] = pump")
registry.define("troche = [troche]")
registry.define("spray = [spray]")
# The stock unit of things counted, not weighed or measured (tablets, capsule shells, vials).
registry.define("each = [each]")
EACH = registry.each.dimensionality


class UnitError(ValueError):
    """Two units that do not convert into each other (each to mg), or text that is no unit."""


def exact(value: Decimal) -> Decimal:
    """A Decimal without trailing zeros or exponent: 0.001000 -> 0.001, 1E+3 -> 1000."""
    value = value.normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value


@lru_cache(maxsize=256)
def factor(from_unit: str, to_unit: str) -> Decimal:
    """How many `to_unit` one `from_unit` is, exactly (mg to g: 0.001; g to g: 1). Raise
    UnitError for units of different kinds (each to mg, mL to g) or an unknown unit."""
    try:
        magnitude = registry.Quantity(Decimal(1), from_unit).to(to_unit).magnitude
    except pint.errors.DimensionalityError as exc:
        raise UnitError(f"An amount in {from_unit} cannot be converted to {to_unit}.") from exc
    except pint.errors.UndefinedUnitError as exc:
        raise UnitError(f"{', '.join(exc.unit_names)} is not a unit.") from exc
    return exact(Decimal(magnitude))


def convert(amount: Decimal, from_unit: str, to_unit: str) -> Decimal:
    """`amount` of `from_unit` in `to_unit` (1500 mg in g: 1.500)."""
    return amount * factor(from_unit, to_unit)


# Named factors for the arithmetic that works in mg and states results in g (or mcg).
MG_PER_G = factor("g", "mg")
MCG_PER_MG = factor("mg", "mcg")
