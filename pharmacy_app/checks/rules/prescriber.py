"""Prescriber: a licensed prescriber is required; a naturopath only where the state allows.

LDN needs a prescription from a licensed health-care provider, or in some states a
naturopath (the founding guide, shared/domain/ldn.md "Getting LDN"). The naturopath states
are a pharmacy setting (CheckPolicy.naturopath_states).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..document import OrderDocument
from ..findings import Finding, Severity
from ..policy import CheckPolicy

# Credentials with prescriptive authority for LDN, after folding ("M.D." -> "MD").
PRESCRIBERS = frozenset(
    {
        "MD",
        "DO",
        "MBBS",
        "MBCHB",
        "NP",
        "APRN",
        "ARNP",
        "CRNP",
        "CNP",
        "FNP",
        "FNPC",
        "FNPBC",
        "ANP",
        "AGNP",
        "AGPCNP",
        "AGACNP",
        "PNP",
        "PMHNP",
        "WHNP",
        "DNP",
        "NPC",
        "APN",
        "PA",
        "PAC",
        "CNS",
    }
)
NATUROPATHS = frozenset({"ND", "NMD", "DNM"})
# Licensed, but LDN is outside their usual scope: the pharmacist confirms.
LIMITED_SCOPE = frozenset({"DDS", "DMD", "DPM", "OD", "CNM"})
# Not prescribers.
NOT_PRESCRIBERS = frozenset(
    {
        "DC",
        "RN",
        "LPN",
        "LVN",
        "LAC",
        "RPH",
        "PHARMD",
        "PHD",
        "CHT",
        "RD",
        "LMT",
        "PT",
        "DPT",
        "MA",
        "CMA",
        "LCSW",
        "PSYD",
        "DACM",
    }
)
# US states, DC and territories (USPS codes).
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP".split()
)
# What people type when they do not have the licence number.
PLACEHOLDERS = frozenset(
    {
        "none",
        "pending",
        "n/a",
        "na",
        "unknown",
        "tbd",
        "to follow",
        "not available",
        "not given",
        "missing",
        "0",
        "00000",
        "xxx",
        "see attached",
        "on file",
        "?",
    }
)
_PLACEHOLDER_WORDS = frozenset(
    {
        "pending",
        "unknown",
        "tbd",
        "none",
        "missing",
        "verification",
        "verify",
        "follow",
        "available",
        "attached",
        "file",
        "applied",
        "awaiting",
        "na",
    }
)
_SEPARATORS = re.compile(r"[,;/&]| and ")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")
# States as faxes write them: the full name or the AP style abbreviation ("Ore.", "Wash.").
STATE_NAMES = {
    "ALABAMA": "AL", "ALA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARIZ": "AZ",
    "ARKANSAS": "AR", "ARK": "AR", "CALIFORNIA": "CA", "CALIF": "CA", "CAL": "CA",
    "COLORADO": "CO", "COLO": "CO", "CONNECTICUT": "CT", "CONN": "CT", "DELAWARE": "DE",
    "DEL": "DE", "DISTRICT OF COLUMBIA": "DC", "WASHINGTON DC": "DC", "FLORIDA": "FL",
    "FLA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "ILL": "IL",
    "INDIANA": "IN", "IND": "IN", "IOWA": "IA", "KANSAS": "KS", "KAN": "KS", "KANS": "KS",
    "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD",
    "MASSACHUSETTS": "MA", "MASS": "MA", "MICHIGAN": "MI", "MICH": "MI", "MINNESOTA": "MN",
    "MINN": "MN", "MISSISSIPPI": "MS", "MISS": "MS", "MISSOURI": "MO", "MONTANA": "MT",
    "MONT": "MT", "NEBRASKA": "NE", "NEB": "NE", "NEBR": "NE", "NEVADA": "NV", "NEV": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK",
    "OKLA": "OK", "OREGON": "OR", "ORE": "OR", "OREG": "OR", "PENNSYLVANIA": "PA",
    "PENN": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TENN": "TN", "TEXAS": "TX", "TEX": "TX", "UTAH": "UT",
    "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA", "WASH": "WA",
    "WEST VIRGINIA": "WV", "W VA": "WV", "WISCONSIN": "WI", "WIS": "WI", "WISC": "WI",
    "WYOMING": "WY", "WYO": "WY", "PUERTO RICO": "PR", "GUAM": "GU",
    "VIRGIN ISLANDS": "VI", "US VIRGIN ISLANDS": "VI", "AMERICAN SAMOA": "AS",
    "NORTHERN MARIANA ISLANDS": "MP",
}  # fmt: skip


@lru_cache(maxsize=256)
def state_code(written: str) -> str | None:
    """The USPS code of a state as written ("OR", "Oregon", "Ore.", "N.Y.", "OR - Oregon",
    "Oregon (OR)"); None if unknown or if the parts name different states."""
    whole = _one_state(written)
    if whole is not None:
        return whole
    codes = {_one_state(part) for part in re.split(r"[-–()/,]", written) if part.strip()}
    return codes.pop() if len(codes) == 1 and None not in codes else None


def _one_state(written: str) -> str | None:
    folded = " ".join(re.sub(r"[^A-Z]+", " ", written.upper()).split())
    if folded.replace(" ", "") in STATES and len(folded.replace(" ", "")) == 2:
        return folded.replace(" ", "")
    return STATE_NAMES.get(folded)


def _is_placeholder(licence: str) -> bool:
    """ "pending", "N/A", "to follow", "pending verification": no licence number at all."""
    folded = licence.strip().casefold()
    if folded in PLACEHOLDERS:
        return True
    words = set(re.sub(r"[^a-z0-9]+", " ", folded).split())
    return not re.search(r"\d", folded) and bool(words & _PLACEHOLDER_WORDS)


def check(document: OrderDocument, policy: CheckPolicy) -> list[Finding]:
    """Findings on credential, licence, state and NPI (each part cached by its text: a
    pharmacy sees the same prescribers all day)."""
    p = document.prescriber
    code = state_code(p.state)
    return [
        *_credential(p.credential, code, policy),
        *_licence(p.license_number),
        *_state(p.state),
        *_npi(p.npi),
    ]


@lru_cache(maxsize=4096)
def _licence(licence: str) -> tuple[Finding, ...]:
    letters = len(_NOT_ALNUM.sub("", licence))
    if letters == 0 or _is_placeholder(licence):
        return (
            Finding(
                "prescriber.license_missing",
                Severity.BLOCK,
                "prescriber.license_number",
                "No licence number: LDN may only be dispensed on a licensed prescriber's "
                "prescription. Obtain and verify the licence number.",
            ),
        )
    if letters < 3:
        return (
            Finding(
                "prescriber.license_suspect",
                Severity.WARN,
                "prescriber.license_number",
                f'Licence number "{licence}" is too short to be real; verify it.',
            ),
        )
    return ()


@lru_cache(maxsize=256)
def _state(state: str) -> tuple[Finding, ...]:
    if not state.strip():
        return (
            Finding(
                "prescriber.state_missing",
                Severity.WARN,
                "prescriber.state",
                "The prescriber's licensing state is missing; it is needed to verify the licence.",
            ),
        )
    if state_code(state) is None:
        return (
            Finding(
                "prescriber.state_unknown",
                Severity.WARN,
                "prescriber.state",
                f'"{state}" is not a US state code (such as OR). Verify the licensing state.',
            ),
        )
    return ()


@lru_cache(maxsize=4096)
def _npi(npi: str) -> tuple[Finding, ...]:
    if npi and not npi_is_valid(npi):
        return (
            Finding(
                "prescriber.npi_invalid",
                Severity.WARN,
                "prescriber.npi",
                f'NPI "{npi}" fails its check digit; verify it.',
            ),
        )
    return ()


# Credentials written out in words, as some e-prescriptions and faxes do.
SPELLED_OUT = {
    "NURSE PRACTITIONER": "NP",
    "PHYSICIAN ASSISTANT": "PA",
    "PHYSICIAN ASSOCIATE": "PA",
    "DOCTOR OF MEDICINE": "MD",
    "MEDICAL DOCTOR": "MD",
    "PHYSICIAN": "MD",
    "DOCTOR OF OSTEOPATHIC MEDICINE": "DO",
    "OSTEOPATHIC PHYSICIAN": "DO",
    "NATUROPATHIC DOCTOR": "ND",
    "NATUROPATHIC PHYSICIAN": "ND",
    "NATUROPATH": "ND",
    "CHIROPRACTOR": "DC",
    "REGISTERED NURSE": "RN",
    "PHARMACIST": "RPH",
}


@lru_cache(maxsize=1024)
def credential_codes(written: str) -> tuple[str, ...]:
    """ "M.D., FACP" -> ["MD", "FACP"]; "PA-C" -> ["PAC", "PA", "C"];
    "Nurse Practitioner" -> ["NP"]. Hyphenated credentials give the whole and its parts."""
    text = written.upper()
    for words, code in SPELLED_OUT.items():
        text = re.sub(rf"\b{words}\b", code, text)
    codes: list[str] = []
    for part in _SEPARATORS.split(text):
        tokens = part.replace(".", "").split()
        if tokens and all(len(t) == 1 for t in tokens):
            tokens = ["".join(tokens)]  # "M. D." -> "MD"
        for token in tokens:
            pieces = [re.sub(r"[^A-Z]", "", p) for p in token.split("-")]
            whole = "".join(pieces)
            codes += [c for c in dict.fromkeys([whole, *pieces]) if c]
    return tuple(codes)


@lru_cache(maxsize=1024)
def _credential(written: str, state: str | None, policy: CheckPolicy) -> tuple[Finding, ...]:
    return tuple(_credential_findings(written, state, policy))


def _credential_findings(written: str, state: str | None, policy: CheckPolicy) -> list[Finding]:
    field = "prescriber.credential"
    codes = credential_codes(written)
    if not codes:
        return [
            Finding(
                "prescriber.credential_missing",
                Severity.WARN,
                field,
                "The prescriber's credential (MD, DO, NP, PA...) is missing; confirm "
                "they are licensed to prescribe.",
            )
        ]
    if any(c in PRESCRIBERS for c in codes):
        return []
    if any(c in NATUROPATHS for c in codes):
        return _naturopath(written, state, policy)
    if any(c in LIMITED_SCOPE for c in codes):
        return [
            Finding(
                "prescriber.scope",
                Severity.WARN,
                field,
                f'"{written}" prescribers may prescribe only within their scope of '
                "practice; confirm LDN is within it.",
            )
        ]
    if any(c in NOT_PRESCRIBERS for c in codes):
        return [
            Finding(
                "prescriber.not_a_prescriber",
                Severity.BLOCK,
                field,
                f'"{written}" is not a credential that can prescribe LDN; a licensed '
                "prescriber (MD, DO, NP, PA) must write the prescription.",
            )
        ]
    return [
        Finding(
            "prescriber.credential_unknown",
            Severity.WARN,
            field,
            f'Credential "{written}" is not recognised; confirm the prescriber may prescribe LDN.',
        )
    ]


def _naturopath(written: str, state: str | None, policy: CheckPolicy) -> list[Finding]:
    field = "prescriber.credential"
    allowed = policy.naturopath_states
    where = [s for s in (state, policy.pharmacy_state) if s]
    refused = [s for s in where if s not in allowed]
    if refused:
        return [
            Finding(
                "prescriber.naturopath_not_allowed",
                Severity.BLOCK,
                field,
                f'A naturopath ("{written}") may not prescribe LDN for dispensing in '
                f"{', '.join(refused)} under this pharmacy's settings. A licensed MD, "
                "DO, NP or PA must write the prescription.",
            )
        ]
    if not policy.pharmacy_state:
        return [
            Finding(
                "prescriber.naturopath_unverified",
                Severity.WARN,
                field,
                "A naturopath's prescription: set the pharmacy's state so the checker "
                "can tell whether naturopaths may prescribe here.",
            )
        ]
    return []


def npi_is_valid(npi: str) -> bool:
    """The NPI check digit (Luhn over "80840" + the first nine digits; CMS NPI standard)."""
    digits = re.sub(r"\D", "", npi)
    if len(digits) != 10:
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + digits[:9])):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10 == int(digits[9])
