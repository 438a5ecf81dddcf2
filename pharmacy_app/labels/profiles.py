"""Label profiles: what a state's rules ask of a prescription label, as data (issue 12).

The pharmacy's state (`PHARMACY_STATE`) chooses the profile; a state without one of its own
gets the USP <17> default. Each profile says which items make the critical block and in what
order, their smallest type, the smallest type of a warning, and which elements it requires.
Sources, with the rules' wording: shared/domain/ldn.md, "Label rules in detail".

- USP <17> (patient-centred labels): patient name, drug name and strength, directions at the
  top, "at least 12 pt Times or 11 pt Arial" for them (labels print in a sans serif: 11 pt);
  the purpose when prescribed.
- California, 16 CCR 1707.5: patient name; drug name and strength; directions; purpose (if
  on the prescription), in that order, "at least 12 pt sans-serif".
- Oregon, OAR 855-041-1130 and 855-045-0240 (compounded drugs): the general elements plus a
  physical description of the medicine, each active ingredient's generic name and strength,
  dosage form and route, total quantity, the BUD, handling and storage; ORS 689.564: a
  bilingual label and patient information on request.

The federal "transfer" caution (21 USC 353(b)(2) context) is for Schedule II-IV drugs;
naltrexone is not scheduled, so no profile prints it unless it says so."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..settings import settings

# Where a warning stops being fine print: the "not below 8 pt".
WARNING_MIN_PT = Decimal(8)


@dataclass(frozen=True, slots=True)
class LabelProfile:
    code: str  # "USP", "CA", "OR"
    name: str  # as the admin and an inspector read it
    source: str  # the rule it follows
    critical: tuple[str, ...]  # the critical block's items, in order
    critical_min_pt: Decimal
    warning_min_pt: Decimal
    physical_description: bool  # the medicine's appearance is printed
    bilingual_on_request: bool  # a second language below English when the patient asks
    federal_caution: bool  # the controlled-substance transfer caution


USP_17 = LabelProfile(
    code="USP",
    name="USP <17> (default)",
    source="USP General Chapter <17> Prescription Container Labeling",
    critical=("patient", "drug", "directions", "purpose"),
    critical_min_pt=Decimal(11),
    warning_min_pt=WARNING_MIN_PT,
    physical_description=False,
    bilingual_on_request=False,
    federal_caution=False,
)
CALIFORNIA = LabelProfile(
    code="CA",
    name="California",
    source="16 CCR 1707.5 (patient-centered labels)",
    critical=("patient", "drug", "directions", "purpose"),
    critical_min_pt=Decimal(12),
    warning_min_pt=WARNING_MIN_PT,
    physical_description=False,
    bilingual_on_request=False,
    federal_caution=False,
)
OREGON = LabelProfile(
    code="OR",
    name="Oregon",
    source="OAR 855-041-1130, OAR 855-045-0240, ORS 689.564",
    critical=("patient", "drug", "directions", "purpose"),
    critical_min_pt=Decimal(11),
    warning_min_pt=WARNING_MIN_PT,
    physical_description=True,
    bilingual_on_request=True,
    federal_caution=False,
)
PROFILES = {p.code: p for p in (USP_17, CALIFORNIA, OREGON)}


def profile_for(state: str) -> LabelProfile:
    """The profile of a state (its USPS code), the USP <17> default for any other."""
    return PROFILES.get(state.strip().upper(), USP_17)


def current_profile() -> LabelProfile:
    """The profile of the pharmacy's state (PHARMACY_STATE)."""
    return profile_for(settings().pharmacy_state)
