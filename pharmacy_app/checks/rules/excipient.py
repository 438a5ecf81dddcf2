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
from .text import Text, normalize, read

# Calcium carbonate in every way it is written, matched on normalize()d text:
# "Calcium Carbonate USP", "calc. carb.", "CaCO₃", "precipitated chalk", "E170", oyster shell.
CALCIUM_CARBONATE = re.compile(
    r"\b(?:ca(?:l|lc|lcium)?\s*carb(?:onate?|onat)?s?|calcium\s+(?:as|from)\s+carbonate|"
    r"caco\s*3|chalk|calcite|aragonite|"
    r"limestone|e\s*170|oyster\s*shells?|coral\s*calcium|tums|caltrate|os\s*cal|viactiv|"
    r"carbonate\s+of\s+(?:calcium|lime))\b"
)
# Fillers that slow release: methylcellulose and hypromellose (HPMC) types.
SLOWS_RELEASE = re.compile(
    r"\b(?:hpmc|hypromellose|hydroxy\s*propyl\s*methyl\s*cellulose|hydroxypropylmethylcellulose|"
    r"methyl\s*cellulose|methylcellulose|methocel|carbomer|carbopol|xanthan|guar|"
    r"polyethylene\s*oxide|ethylcellulose|ethyl\s*cellulose)\b"
)
# Capsule shells that resist stomach acid make a delayed-release preparation (DRcaps are
# acid-resistant HPMC shells): LDN must release immediately (shared/domain/ldn.md).
DELAYED_SHELL = re.compile(
    r"\b(?:drcaps?|dr\s*caps?|dr\s*capsules?|delayed\s*release|enteric|acid\s*resistant|"
    r"gastro\s*resistant)\b"
)
# A capsule shell is packaging, not a filler: HPMC ("vegetable") shells are acceptable. The
# words that describe a shell are left out when the rest of the entry is judged, so
# "dicalcium phosphate (caps)" is still judged as dicalcium phosphate.
SHELL = re.compile(r"\b(?:capsule|capsules|shell|shells|caps)\b")
_SHELL_WORDS = frozenset(
    {
        "capsule",
        "capsules",
        "shell",
        "shells",
        "caps",
        "gelatin",
        "vegetable",
        "veggie",
        "vegetarian",
        "size",
        "hard",
        "clear",
        "white",
        "empty",
        "opaque",
        "fill",
        "vcaps",
        "plus",
        "hpmc",
        "hypromellose",
    }
)
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
    "baking soda",
    "nahco3",
    "sodium bicarb",
    "sod bicarb",
    "bicarb",
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
        "to",
        "fill",
        "fast",
        "flo",
        "pcca",
        "medisca",
        "fagron",
    }
)


def check(document: OrderDocument, accepted_extra: frozenset[str] = frozenset()) -> list[Finding]:
    """Findings on each excipient, indexed by its place in the list."""
    findings: list[Finding] = []
    excipients = document.preparation.excipients
    for index, written in enumerate(excipients):
        finding = excipient_finding(written, index, accepted_extra)
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
def excipient_finding(written: str, index: int, accepted_extra: frozenset[str]) -> Finding | None:
    field = f"preparation.excipients[{index}]"
    text = read(written)
    if not text.normalized or text.normalized in ("none", "no filler", "n a", "na"):
        return None
    delayed = _present(text, DELAYED_SHELL)
    if delayed:
        return Finding(
            "excipient.delayed_release",
            Severity.BLOCK,
            field,
            f'"{written}" makes the preparation delayed release (acid-resistant or enteric '
            "shells). LDN must be immediate release: use ordinary gelatin or HPMC shells.",
        )
    carbonate = _present(text, CALCIUM_CARBONATE)
    if carbonate is None and CALCIUM_CARBONATE.search(text.normalized):
        return None  # "no calcium carbonate", "CaCO3-free": a note that it is left out
    if carbonate:
        return Finding(
            "excipient.calcium_carbonate",
            Severity.BLOCK,
            field,
            f'Calcium carbonate filler ("{written}") must not be used: it slows absorption and '
            "reduces the effect of LDN, and packed in a capsule it may not dissolve. Use "
            "microcrystalline cellulose, lactose or sucrose instead.",
        )
    shell = SHELL.search(text.normalized)
    slows = _present(text, SLOWS_RELEASE)
    if slows and not shell:
        return Finding(
            "excipient.slows_release",
            Severity.WARN,
            field,
            f'"{written}" is a methylcellulose-type excipient that slows release; LDN should '
            "release immediately. Prefer microcrystalline cellulose.",
        )
    core = _core(_affirmed_words(text))
    if shell:
        core = " ".join(w for w in core.split() if w not in _SHELL_WORDS)
        if not core or slows:
            return None
    if _is_accepted(core, accepted_extra):
        return None
    return Finding(
        "excipient.unknown",
        Severity.WARN,
        field,
        f'"{written}" is not on the list of accepted LDN fillers and vehicles. Confirm it '
        "does not slow release or contain calcium carbonate.",
    )


def _present(text: Text, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """The first mention of `pattern` that the entry does not negate. Matched over the whole
    entry ("Calcium (as carbonate)"), negated only within its own clause ("non-GMO calcium
    carbonate" is calcium carbonate; "no MCC; use Ca carb" is too); "-free" excludes it."""
    for match in pattern.finditer(text.normalized):
        start = text.word_at(match.start())
        end = text.word_at(max(match.start(), match.end() - 1)) + 1
        if text.words[end : end + 1] == ("free",):
            continue
        if not text.denied(start, end):
            return match
    return None


def _affirmed_words(text: Text) -> str:
    """The entry without what it says is left out: "MCC (no HPMC)" -> "mcc",
    "acidophilus (dairy free)" -> "acidophilus", "HPMC-free" -> ""."""
    kept: list[str] = []
    for clause in text.clauses:
        words_ = text.words[clause.start : clause.end]
        if not words_ or words_[0] in ("no", "not", "without", "non"):
            continue
        kept += [
            w for i, w in enumerate(words_) if w != "free" and words_[i + 1 : i + 2] != ("free",)
        ]
    return " ".join(kept)


_GRADE = re.compile(r"^(?:ph\d+|\d+)$")


def _core(text: str) -> str:
    """An excipient's name without quality words: "Avicel PH-102 NF" -> "avicel"."""
    return " ".join(
        w for w in normalize(text).split() if w not in _QUALIFIERS and not _GRADE.match(w)
    )


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
