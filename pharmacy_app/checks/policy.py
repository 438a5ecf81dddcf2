"""The pharmacy's configurable thresholds for the checker, with documented defaults.

Dose thresholds follow the synthesis in shared/domain/ldn.md ("Suggested default
thresholds"), which rests on Toljan & Vrooman 2018 (PMC6313374) for the dose bands and on
dosing summaries for 25-50 mg as the addiction-treatment dose. A pharmacy may change them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True, slots=True)
class CheckPolicy:
    """Thresholds in mg of naltrexone HCl per day, and the pharmacy's regulatory settings."""

    # Under this a daily dose is very-low-dose territory (info; a titration start).
    very_low_below_mg: Decimal = Decimal("0.5")
    # Under this a daily dose is ultra-low-dose (< 1 µg/day per Toljan & Vrooman): a warning,
    # usually a mg/mcg slip.
    ultra_low_below_mg: Decimal = Decimal("0.001")
    # The usual LDN range tops out here (4.5 mg/day is the classic target dose).
    usual_max_mg: Decimal = Decimal("4.5")
    # Above usual_max up to this: a warning.
    high_max_mg: Decimal = Decimal("6")
    # At or above this the dose is not a low dose at all: blocked.
    not_low_dose_from_mg: Decimal = Decimal("10")
    # States where a naturopathic doctor (ND) may prescribe LDN (configurable per pharmacy;
    # general knowledge, not a legal opinion).
    naturopath_states: frozenset[str] = frozenset(
        {
            "AK",
            "AZ",
            "CA",
            "CO",
            "CT",
            "DC",
            "HI",
            "ID",
            "KS",
            "ME",
            "MD",
            "MA",
            "MN",
            "MT",
            "NH",
            "NM",
            "ND",
            "OR",
            "PA",
            "RI",
            "UT",
            "VT",
            "WA",
        }
    )
    # The state the pharmacy dispenses in; an ND's prescription is judged by it.
    pharmacy_state: str = ""
    # Fillers and vehicles this pharmacy accepts beyond the built-in list (names as written).
    accepted_excipients: frozenset[str] = frozenset()
    # Refills beyond what a year of supply allows are implausible for a non-controlled Rx.
    max_prescription_days: int = 365
    # A prescription older than this (days from written to received) is stale.
    max_prescription_age_days: int = 365

    @classmethod
    def from_settings(cls, settings: Mapping[str, object]) -> CheckPolicy:
        """Build a policy from a mapping such as Flask config keys `CHECK_<FIELD>` (upper
        case); unknown or empty values keep the defaults."""
        policy = cls()
        changes: dict[str, Any] = {}
        for f in fields(cls):
            raw = settings.get(f"CHECK_{f.name.upper()}")
            if raw in (None, ""):
                continue
            changes[f.name] = _coerce(getattr(policy, f.name), raw, f.name)
        if settings.get("PHARMACY_STATE") and "pharmacy_state" not in changes:
            changes["pharmacy_state"] = str(settings["PHARMACY_STATE"]).strip().upper()
        return replace(policy, **changes) if changes else policy


def _coerce(default: object, raw: object, name: str) -> object:
    try:
        if isinstance(default, Decimal):
            return Decimal(str(raw))
        if isinstance(default, bool):
            return str(raw).lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(str(raw))
        if isinstance(default, frozenset):
            items: Iterable[str] = raw.split(",") if isinstance(raw, str) else raw  # type: ignore[assignment]
            return frozenset(s.strip().upper() for s in items if s.strip())
        return str(raw).strip().upper()
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"setting CHECK_{name.upper()}={raw!r} is not valid") from exc


DEFAULT_POLICY = CheckPolicy()
