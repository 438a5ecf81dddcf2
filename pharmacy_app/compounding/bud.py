"""Beyond-use dates (USP <795>): the default rule for a preparation's kind, the storage that
rule holds under, the lot-expiry cap, and a supply that outlasts its BUD. Pure functions.

Sources: shared/domain/ldn.md ("USP <795>"). A BUD is the compounding date plus the rule's
days, printed as "Discard after" that date (date-only BUDs, as pharmacies write them).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from ..checks.findings import plain


class BudRule(StrEnum):
    """USP <795> default beyond-use dates when there is no stability data."""

    AQUEOUS_UNPRESERVED = "aqueous_unpreserved"  # 14 days, refrigerator
    AQUEOUS_PRESERVED = "aqueous_preserved"  # 35 days
    NONAQUEOUS_LIQUID = "nonaqueous_liquid"  # 90 days
    SOLID = "solid"  # other non-aqueous forms (capsules, tablets, troches, ointments): 180 days

    @property
    def days(self) -> int:
        return {
            "aqueous_unpreserved": 14,
            "aqueous_preserved": 35,
            "nonaqueous_liquid": 90,
            "solid": 180,
        }[self.value]

    @property
    def storage(self) -> str:
        if self is BudRule.AQUEOUS_UNPRESERVED:
            return "Store in a refrigerator, 2-8 °C"
        return "Store at room temperature, 20-25 °C, or in a refrigerator"

    @property
    def label(self) -> str:
        return {
            "aqueous_unpreserved": "Aqueous, not preserved (USP <795>: 14 days)",
            "aqueous_preserved": "Aqueous, preserved (USP <795>: 35 days)",
            "nonaqueous_liquid": "Non-aqueous liquid (USP <795>: 90 days)",
            "solid": "Non-aqueous solid, e.g. capsules (USP <795>: 180 days)",
        }[self.value]


# The rules that fit a dosage form, by whether its vehicle is aqueous (water activity >= 0.6).
# USP <795> gives aqueous preparations 35 days preserved or 14 unpreserved, whatever their
# form; non-aqueous oral liquids (drops are taken by mouth) 90 days; other non-aqueous forms
# (capsules, an anhydrous cream or ointment) 180 days. Capsules are never aqueous.
RULES_BY_FORM: dict[tuple[str, bool], tuple[BudRule, ...]] = {
    ("capsule", False): (BudRule.SOLID,),
    ("oral_liquid", True): (BudRule.AQUEOUS_PRESERVED, BudRule.AQUEOUS_UNPRESERVED),
    ("oral_liquid", False): (BudRule.NONAQUEOUS_LIQUID,),
    ("sublingual_drops", True): (BudRule.AQUEOUS_PRESERVED, BudRule.AQUEOUS_UNPRESERVED),
    ("sublingual_drops", False): (BudRule.NONAQUEOUS_LIQUID,),
    ("topical_cream", True): (BudRule.AQUEOUS_PRESERVED, BudRule.AQUEOUS_UNPRESERVED),
    ("topical_cream", False): (BudRule.SOLID,),
}


@dataclass(frozen=True)
class BeyondUseDate:
    date: dt.date
    storage: str
    why: str


def beyond_use_date(
    rule: BudRule, compounded_on: dt.date, lot_expiries: list[dt.date]
) -> BeyondUseDate:
    """The USP <795> default for the preparation's kind, never later than the earliest
    expiry of any component used."""
    by_rule = compounded_on + dt.timedelta(days=rule.days)
    earliest = min(lot_expiries) if lot_expiries else None
    if earliest is not None and earliest < by_rule:
        return BeyondUseDate(
            earliest,
            rule.storage,
            f"earliest component expiry ({earliest.isoformat()}) comes before "
            f"the {rule.days}-day USP <795> limit",
        )
    return BeyondUseDate(by_rule, rule.storage, f"{rule.label}")


def rule_problem(dosage_form: str, aqueous: bool, rule: BudRule) -> str | None:
    """Why this BUD rule does not fit the preparation; None when it does."""
    allowed = RULES_BY_FORM.get((dosage_form, aqueous))
    form = dosage_form.replace("_", " ")
    if allowed is None:
        return f"A {form} is never aqueous: it is a non-aqueous solid (USP <795>: 180 days)."
    if rule in allowed:
        return None
    water = "an aqueous" if aqueous else "a non-aqueous"
    return f"{rule.label} does not fit {water} {form}: use " + " or ".join(r.label for r in allowed)


_COLD = re.compile(r"refrigerat|fridge|2\s*(?:-|–|to)\s*8\s*°?\s*C", re.IGNORECASE)
_WARM = re.compile(r"room\s+temp|20\s*(?:-|–|to)\s*25|ambient|do\s+not\s+refrigerate", re.I)


def storage_problem(rule: BudRule, storage: str) -> str | None:
    """Why a formula's storage text contradicts its BUD rule; None when it does not. The
    14-day default for an unpreserved aqueous preparation holds only in a refrigerator."""
    if rule is not BudRule.AQUEOUS_UNPRESERVED or not storage.strip():
        return None
    if _COLD.search(storage) and not _WARM.search(storage):
        return None
    return (
        "An unpreserved aqueous preparation keeps its 14-day BUD only in a refrigerator: "
        f'write "{rule.storage}" (or leave it blank to use that).'
    )


def storage_for(rule: BudRule, storage: str) -> str:
    """The storage a record carries: the formula's words unless they contradict the rule."""
    if not storage.strip() or storage_problem(rule, storage):
        return rule.storage
    return storage


def supply_beyond_bud(
    *,
    days_supply: int,
    quantity: Decimal,
    unit: str,
    compounded_on: dt.date,
    bud: dt.date,
) -> str | None:
    """A warning when the prescribed supply lasts longer than the preparation may be used;
    None when the BUD covers it."""
    usable = (bud - compounded_on).days
    if days_supply <= usable:
        return None
    left_over = (quantity * (days_supply - usable) / days_supply).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return (
        f"The {days_supply}-day supply outlasts the beyond-use date ({bud.isoformat()}, "
        f"{usable} days): {days_supply - usable} days' worth ({plain(left_over)} {unit}) "
        "would be past its BUD. Shorten the supply (change the order to at most "
        f"{usable} days, with refills for the rest), or a pharmacist accepts it with a "
        "reason (for example, the patient will discard what is left on the BUD)."
    )
