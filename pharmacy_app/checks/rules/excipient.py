"""Excipients: no calcium carbonate, nothing that slows release, unknown fillers confirmed.

Calcium carbonate slows absorption and reduces effectiveness (the founding guide), and tightly
packed it may not dissolve (thecompounder.com, "LDN fillers"). Methylcellulose-type fillers
(HPMC) are avoided because they slow release. Swidan recommends microcrystalline cellulose,
sucrose or lactose. See shared/domain/ldn.md, "Formulation".
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..document import DosageForm, OrderDocument
from ..findings import Finding, Severity
from .text import is_negated, normalize

# Calcium carbonate in every way it is written, matched on normalize()d text:
# "Calcium Carbonate USP", "calc. carb.", "CaCO₃", "precipitated chalk", "E170", oyster shell.
CALCIUM_CARBONATE = re.compile(
    r"\b(?:ca(?:lc(?:ium)?)?\s*carb(?:onate?|onat)?s?|caco\s*3|chalk|calcite|aragonite|"
    r"limestone|e\s*170|oyster\s*shells?|coral\s*calcium|tums|carbonate\s+of\s+(?:calcium|lime))\b"
)
# Fillers that slow release: methylcellulose and hypromellose (HPMC) types.
SLOWS_RELEASE = re.compile(
    r"\b(?:hpmc|hypromellose|hydroxy\s*propyl\s*methyl\s*cellulose|hydroxypropylmethylcellulose|"
    r"methyl\s*cellulose|methylcellulose|methocel|carbomer|carbopol|xanthan|guar|"
    r"polyethylene\s*oxide|ethylcellulose|ethyl\s*cellulose)\b"
)
# A capsule shell is packaging, not a filler: HPMC ("vegetable") shells are acceptable.
SHELL = re.compile(r"\b(?:capsule|capsules|shell|shells|caps)\b")
# Accepted fillers and vehicles, as normalize()d words that make up their names. Quality
# words (USP, NF, monohydrate, grade numbers) are ignored when comparing.
ACCEPTED = (
    # Capsule fillers (Swidan; thecompounder.com).
    "microcrystalline cellulose",
    "mcc",
    "avicel",
    "cellulose microcrystalline",
    "lactose",
    "lactose monohydrate",
    "lactose anhydrous",
    "sucrose",
    "sodium bicarbonate",
    "acidophilus",
    "lactobacillus acidophilus",
    "probiotic",
    "acidophilus probiotic",
    # Vehicles and preservatives for oral liquids and drops (Fawcett 1997 and common bases).
    "purified water",
    "sterile water",
    "water",
    "distilled water",
    "glycerin",
    "glycerol",
    "vegetable glycerin",
    "simple syrup",
    "syrup",
    "ora sweet",
    "ora sweet sf",
    "ora plus",
    "ora blend",
    "ora blend sf",
    "syrspend",
    "syrspend sf",
    "ascorbic acid",
    "sodium benzoate",
    "potassium sorbate",
    "methylparaben",
    "propylparaben",
    "citric acid",
    "sodium citrate",
    "flavor",
    "flavoring",
    "flavour",
    "stevia",
    "sucralose",
    "mct oil",
    "fractionated coconut oil",
    # Cream bases.
    "versabase",
    "versabase cream",
    "lipoderm",
    "pentravan",
    "vanicream",
    "cream base",
    "emollient base",
    "hrt base",
    "anhydrous base",
    "dermabase",
)
_QUALIFIERS = frozenset(
    {
        "usp",
        "nf",
        "bp",
        "ep",
        "ph",
        "eur",
        "fcc",
        "grade",
        "powder",
        "monohydrate",
        "anhydrous",
        "filler",
        "102",
        "101",
        "200",
        "302",
        "pharma",
        "pharmaceutical",
        "fine",
        "granular",
        "vehicle",
        "base",
        "preservative",
        "sf",
        "sugar",
        "free",
        "as",
        "qs",
        "q",
        "s",
        "ad",
    }
)


def check(document: OrderDocument, accepted_extra: frozenset[str] = frozenset()) -> list[Finding]:
    """Findings on each excipient, indexed by its place in the list."""
    findings: list[Finding] = []
    excipients = document.preparation.excipients
    for index, written in enumerate(excipients):
        finding = _excipient(written, index, accepted_extra)
        if finding is not None:
            findings.append(finding)
    if document.preparation.dosage_form is DosageForm.CAPSULE and not excipients:
        findings.append(
            Finding(
                "excipient.none_written",
                Severity.INFO,
                "preparation.excipients",
                "No filler written: the pharmacy's standard filler will be used "
                "(microcrystalline cellulose unless the master formulation says otherwise).",
            )
        )
    return findings


@lru_cache(maxsize=4096)
def _excipient(written: str, index: int, accepted_extra: frozenset[str]) -> Finding | None:
    field = f"preparation.excipients[{index}]"
    text = normalize(written)
    carbonate = CALCIUM_CARBONATE.search(text)
    if not text or (carbonate and _excluded(text, carbonate)):
        return None
    if carbonate:
        return Finding(
            "excipient.calcium_carbonate",
            Severity.BLOCK,
            field,
            f'Calcium carbonate filler ("{written}") must not be used: it slows absorption and '
            "reduces the effect of LDN, and packed in a capsule it may not dissolve. Use "
            "microcrystalline cellulose, lactose or sucrose instead.",
        )
    shell = SHELL.search(text)
    if SLOWS_RELEASE.search(text) and not shell:
        return Finding(
            "excipient.slows_release",
            Severity.WARN,
            field,
            f'"{written}" is a methylcellulose-type excipient that slows release; LDN should '
            "release immediately. Prefer microcrystalline cellulose.",
        )
    if shell or _is_accepted(_core(text), accepted_extra):
        return None
    return Finding(
        "excipient.unknown",
        Severity.WARN,
        field,
        f'"{written}" is not on the list of accepted LDN fillers and vehicles. Confirm it '
        "does not slow release or contain calcium carbonate.",
    )


def _excluded(text: str, match: re.Match[str]) -> bool:
    """ "no calcium carbonate", "CaCO3-free": a note that it is left out, not an excipient."""
    after = text[match.end() :].split()
    return is_negated(text, text[: match.start()].count(" ")) or after[:1] == ["free"]


def _core(text: str) -> str:
    """An excipient's name without quality words: "Avicel PH-102 NF" -> "avicel"."""
    return " ".join(w for w in normalize(text).split() if w not in _QUALIFIERS)


_ACCEPTED_CORES = frozenset(_core(a) for a in ACCEPTED)


def _is_accepted(core: str, accepted_extra: frozenset[str]) -> bool:
    """True when the name is made only of accepted fillers: "microcrystalline cellulose
    (Avicel PH-102)" and "MCC / lactose" pass, "MCC with talc" does not."""
    accepted = _ACCEPTED_CORES | {_core(a) for a in accepted_extra}
    if core in accepted:
        return True
    pattern = _accepted_pattern(frozenset(accepted))
    rest = pattern.sub(" ", f" {core} ")
    return not rest.replace(" and ", " ").replace(" or ", " ").strip() and rest != f" {core} "


@lru_cache(maxsize=16)
def _accepted_pattern(accepted: frozenset[str]) -> re.Pattern[str]:
    names = sorted((a for a in accepted if a), key=len, reverse=True)
    return re.compile(r"(?<=\s)(?:" + "|".join(map(re.escape, names)) + r")(?=\s)")
