"""Reading amounts as prescriptions write them ("4.5mg", "4500 mcg", "1 mg/mL", "2 caps").

Units are resolved by Pint, with exact Decimal arithmetic; only the splitting of a number
from its unit is done here. Parsed amounts are cached by their text, since a pharmacy's
orders repeat the same few strengths all day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pint

from ..units import EACH, MG_PER_G, exact, registry
from ..units import factor as conversion_factor

# Canonical units the rules work in.
MG = "mg"
ML = "mL"
# Countable dose units a sig may use ("1 capsule", "5 drops", "1 click").
COUNT_UNITS = ("capsule", "tablet", "drop", "click", "troche", "spray")
# Units a strength can be "per" while still being the amount in one unit ("4.5 mg/capsule").
_UNIT_DOSE_FORMS = ("capsule", "tablet", "troche")
LARGEST_AMOUNT = Decimal(1_000_000)

# The units a prescription for LDN is written in, by Pint's name. Others Pint knows are
# refused rather than misread: "u" (atomic mass unit; on prescriptions an error-prone "units"),
# "ct" (carat; on prescriptions a count), grains, drams and ounces.
_PRESCRIPTION_UNITS = frozenset(
    {
        "milligram",
        "microgram",
        "gram",
        "nanogram",
        "milliliter",
        "liter",
        "microliter",
        "cubic_centimeter",
        "gm",
        "mcg",
    }
)
# Plural abbreviations as typed ("4.5 mLs", "2 mgs"): read as the singular.
_PLURALS = {"mls": "ml", "mgs": "mg", "mcgs": "mcg", "gms": "gm", "ccs": "cc"}
_MASS = registry.milligram.dimensionality
_VOLUME = registry.milliliter.dimensionality

_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+"
_UNIT = r"[^\W\d_]+\.?"  # one word of letters, as "mg", "mcg", "µg", "mL.", "capsules"
_AMOUNT = re.compile(
    rf"^\s*(?P<num>{_NUMBER})\s*(?P<unit>{_UNIT})?\s*"
    rf"(?:(?:/|\bper\b)\s*(?P<den_num>{_NUMBER})?\s*(?P<den_unit>{_UNIT})\s*)?$",
    re.IGNORECASE,
)
_DECIMAL_COMMA = re.compile(r"^\s*\d+,\d{1,2}(?!\d)")


class AmountError(ValueError):
    """Text that cannot be read as an amount, with a reason a person can act on."""


@dataclass(frozen=True, slots=True)
class Amount:
    """A number with its unit: mass in mg, volume in mL, or a count of a dose unit.

    A concentration carries `per`, the unit of its denominator (`mL`, `g` or a count unit),
    with `value` being mg per one of that unit. `written` is the unit as Pint named it,
    so a rule can tell "1 g" of cream from "1000 mg" of drug.
    """

    value: Decimal
    unit: str
    written: str
    per: str | None = None

    @property
    def is_mass(self) -> bool:
        return self.per is None and self.unit == MG

    @property
    def is_volume(self) -> bool:
        return self.per is None and self.unit == ML

    @property
    def is_count(self) -> bool:
        return self.per is None and self.unit in COUNT_UNITS

    @property
    def is_concentration(self) -> bool:
        return self.per is not None


@lru_cache(maxsize=8192)
def parse_amount(text: str) -> Amount:
    """Read an amount such as "4.5 mg", "500 µg", "1 mg/mL" or "3 mL"; raise AmountError.

    Also read as written on prescriptions: "naltrexone 4.5 mg", "one capsule", "1 cap(s)",
    "½ mL"."""
    match = _AMOUNT.match(_plain_text(text))
    if _DECIMAL_COMMA.match(text):
        raise AmountError(f'"{text.strip()}": write decimals with a point, such as "4.5 mg".')
    if match is None or not match["unit"]:
        raise AmountError(f'"{text.strip()}" is not an amount with a unit, such as "4.5 mg".')
    value = _number(match["num"])
    unit, factor, written = _resolve_unit(match["unit"])
    if match["den_unit"] is None:
        return Amount(_bounded(value * factor, text), unit, written)
    if unit != MG:
        raise AmountError(f'"{text.strip()}": a strength per volume must be a mass, such as mg/mL.')
    den_value = _number(match["den_num"]) if match["den_num"] else Decimal(1)
    den_unit, den_factor, _ = _resolve_unit(match["den_unit"])
    if den_unit == MG:
        # mg per gram of cream: keep the denominator in grams.
        den_unit, den_factor = "g", den_factor / MG_PER_G
    if den_value == 0:
        raise AmountError(f'"{text.strip()}" divides by zero.')
    per_one = value * factor / (den_value * den_factor)
    if den_unit in _UNIT_DOSE_FORMS:
        # "4.5 mg/cap" is the strength of one capsule: an amount per unit, not a concentration.
        return Amount(_bounded(per_one, text), MG, written)
    return Amount(_bounded(per_one, text), MG, written, per=den_unit)


_DRUG_NAME = re.compile(
    r"^\s*(?:low[\s-]*dose\s+)?(?:naltrexone|ldn)(?:\s+(?:hcl|hydrochloride))?\s*[:,-]?\s*",
    re.IGNORECASE,
)
_NUMBER_WORDS = {
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "half": "0.5",
    "½": "0.5",
    "a": "1",
    "an": "1",
}
_NUMBER_WORD = re.compile(r"^\s*(" + "|".join(_NUMBER_WORDS) + r")\b\s*", re.IGNORECASE)


# What e-prescriptions append to a strength: the salt ("4.5 mg HCl", "(as HCl)") and the
# form ("4.5 mg capsules"); read past. The base and release words are refused with the reason.
_SALT = re.compile(r"\s*\(?\s*(?:as\s+)?(?:hcl|hydrochloride)\s*\)?\s*$", re.IGNORECASE)
_FORM_AFTER_MASS = re.compile(
    r"((?:mg|mcg|µg|μg|ug|g|milligrams?|micrograms?)\.?)\s*(?:capsules?|caps?|tablets?|tabs?)"
    r"\.?\s*$",
    re.IGNORECASE,
)
_BASE = re.compile(r"\bbase\b", re.IGNORECASE)
_RELEASE_WORD = re.compile(r"\s(?:er|sr|xr|xl|cr|dr|ir|la|ec)\.?\s*$", re.IGNORECASE)


def _plain_text(text: str) -> str:
    """Drop a leading drug name, a trailing salt or form, spell number words as digits and
    "cap(s)" as "caps"."""
    if _BASE.search(text):
        raise AmountError(
            f'"{text.strip()}": LDN strengths are written as the HCl salt (4.5 mg of naltrexone '
            "base is 4.98 mg of the HCl salt). Convert it, or confirm with the prescriber."
        )
    if _RELEASE_WORD.search(text):
        raise AmountError(
            f'"{text.strip()}": the strength is an amount only (such as "4.5 mg"); write the '
            "release type in its own field."
        )
    text = _FORM_AFTER_MASS.sub(r"\1", _SALT.sub("", _DRUG_NAME.sub("", text)))
    text = text.replace("(s)", "s")
    text = text.replace("½", "half ") if text.lstrip().startswith("½") else text
    return _NUMBER_WORD.sub(lambda m: _NUMBER_WORDS[m[1].lower()] + " ", text)


def _number(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", ""))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise AmountError(f'"{text}" is not a number.') from exc


def _bounded(value: Decimal, text: str) -> Decimal:
    if value <= 0:
        raise AmountError(f'"{text.strip()}" must be more than zero.')
    if value > LARGEST_AMOUNT:
        raise AmountError(f'"{text.strip()}" is too large to be a real amount.')
    return exact(value)


@lru_cache(maxsize=512)
def _resolve_unit(raw: str) -> tuple[str, Decimal, str]:
    """Map written unit text to (canonical unit, factor to it, Pint's name for it)."""
    cleaned = raw.strip().rstrip(".").replace("μ", "u").replace("µ", "u")
    # Prescriptions write units in any case ("MG", "ML"); Pint is case-sensitive and would
    # read "Mg" as megagram, so read units in lower case.
    cleaned = re.sub(r"\s+", " ", cleaned.lower())
    if cleaned in {"capsules", "caps"}:
        cleaned = "capsule"
    cleaned = _PLURALS.get(cleaned, cleaned)
    try:
        units = registry.parse_units(cleaned)
    except (
        pint.errors.UndefinedUnitError,
        pint.errors.DefinitionSyntaxError,
        ValueError,
        AttributeError,
        TypeError,
        SyntaxError,
    ) as exc:
        raise AmountError(
            f'"{raw.strip()}" is not a unit this pharmacy reads (use mg, mcg, mL, or capsule).'
        ) from exc
    written = str(units)
    if len(units._units) != 1:
        raise AmountError(f'"{raw.strip()}" is not a single unit.')
    dims = units.dimensionality
    if written in ("teaspoon", "tablespoon"):
        raise AmountError(
            f'"{raw.strip()}": household measures are not used for dosing; write the dose in '
            "mL (1 teaspoon = 5 mL, 1 tablespoon = 15 mL)."
        )
    # "each" is how stock counts tablets and vials, not a unit a prescription is written in.
    if (dims in (_MASS, _VOLUME) and written not in _PRESCRIPTION_UNITS) or dims == EACH:
        raise AmountError(
            f'"{raw.strip()}" is not a unit this pharmacy reads (use mg, mcg, mL, or capsule).'
        )
    if dims == _MASS:
        return MG, conversion_factor(written, MG), written
    if dims == _VOLUME:
        return ML, conversion_factor(written, ML), written
    for count_unit in COUNT_UNITS:
        if dims == registry.parse_units(count_unit).dimensionality:
            return count_unit, Decimal(1), written
    raise AmountError(f'"{raw.strip()}" is not a mass, a volume or a dose unit.')
