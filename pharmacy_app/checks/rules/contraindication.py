"""Contraindications: who must not take LDN (shared/domain/ldn.md, "Who must not take it").

Pregnancy, breastfeeding, severe liver or kidney disease, acute hepatitis and known
naltrexone hypersensitivity block (the founding guide; the naltrexone product label lists
acute hepatitis, liver failure and hypersensitivity as contraindications). A condition that
is named without its severity, or is in the past, is a warning for the pharmacist. Negations
("not pregnant", "no liver disease") raise nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..document import OrderDocument
from ..findings import Finding, Severity
from .text import find_phrase, is_denied, is_negated, is_past, normalize
from .vocabulary import CROSS_SENSITIVE, NALTREXONE_NAMES, THYROID_HORMONES


@dataclass(frozen=True, slots=True)
class _Condition:
    code: str
    block: re.Pattern[str]  # the contraindication itself
    caution: re.Pattern[str] | None  # the same organ or state, severity not stated
    why: str


_CONDITIONS = (
    _Condition(
        "contraindication.pregnancy",
        re.compile(r"\b(?:pregnan(?:t|cy)|gravid|expecting a baby)\b"),
        re.compile(r"\b(?:trying to conceive|ttc|planning (?:a )?pregnancy|ivf)\b"),
        "LDN is not to be taken in pregnancy (founding guide; product label precaution).",
    ),
    _Condition(
        "contraindication.breastfeeding",
        re.compile(
            r"\b(?:breast\s*feeding|breastfeeds?|chest\s*feeding|lactating|lactation|"
            r"nursing(?!\s+(?:home|facility|student|staff|care))(?: mother| infant)?)\b"
        ),
        re.compile(r"\b(?:post\s*partum|postpartum)\b"),
        "LDN is not to be taken while breastfeeding (founding guide).",
    ),
    _Condition(
        "contraindication.severe_liver_disease",
        re.compile(
            r"\b(?:severe liver disease|severe hepatic|cirrhosis|cirrhotic|liver failure|"
            r"hepatic failure|end stage liver|esld|decompensated liver|"
            r"child pugh c|liver transplant)\b"
        ),
        re.compile(
            r"\b(?:liver disease|hepatic impairment|hepatic disease|liver impairment|"
            r"fatty liver|nafld|nash|masld|elevated lfts?|elevated liver|"
            r"liver enzymes|hepatic)\b"
        ),
        "Severe liver disease is a contraindication to naltrexone (founding guide; product label).",
    ),
    _Condition(
        "contraindication.acute_hepatitis",
        re.compile(
            r"\b(?:acute hepatitis|active hepatitis|hepatitis (?:[abcde] )?acute|"
            r"acute hep [abce]|hep [abcde] acute)\b"
        ),
        re.compile(r"\b(?:hepatitis|hep [abcde])\b"),
        "Acute hepatitis is a contraindication to naltrexone (product label; founding guide).",
    ),
    _Condition(
        "contraindication.severe_kidney_disease",
        re.compile(
            r"\b(?:severe kidney disease|severe renal|esrd|end stage renal|"
            r"end stage kidney|eskd|dialysis|hemodialysis|kidney failure|renal failure|"
            r"ckd (?:stage )?(?:4|5|iv|v)|stage (?:4|5|iv|v) ckd)\b"
        ),
        re.compile(
            r"\b(?:ckd|chronic kidney disease|kidney disease|renal disease|"
            r"renal impairment|renal insufficiency)\b"
        ),
        "Severe kidney disease is a contraindication to LDN (founding guide; product label "
        "precaution).",
    ),
)
_ALLERGY_WORDS = frozenset(
    {
        "allergy",
        "allergic",
        "allergies",
        "hypersensitivity",
        "hypersensitive",
        "anaphylaxis",
        "reaction",
        "intolerance",
    }
)
_TRANSPLANT = re.compile(r"\b(?:transplant|transplanted|transplantation)\b")
_HASHIMOTO = re.compile(r"\b(?:hashimoto|hashimotos|autoimmune thyroiditis)\b")
_NO_ALLERGIES = frozenset(
    {"nkda", "nka", "none", "no known allergies", "no known drug allergies", "na", "n a"}
)


def check(document: OrderDocument) -> list[Finding]:
    """Findings at `patient.conditions[i]` and `patient.allergies[i]`."""
    patient = document.patient
    findings: list[Finding] = []
    for index, written in enumerate(patient.conditions):
        findings += _condition(written, f"patient.conditions[{index}]", document)
    for index, written in enumerate(patient.allergies):
        findings += _allergy(written, f"patient.allergies[{index}]", document)
    return findings


def _condition(written: str, field: str, document: OrderDocument) -> list[Finding]:
    text = normalize(written)
    for condition in _CONDITIONS:
        found = condition.block.search(text)
        if found and not is_denied(text, found.start(), found.end()):
            if is_past(text):
                return [
                    Finding(
                        condition.code + "_history",
                        Severity.WARN,
                        field,
                        f'"{written}" is recorded as past. {condition.why} Confirm it '
                        "no longer applies.",
                    )
                ]
            return [
                Finding(
                    condition.code,
                    Severity.BLOCK,
                    field,
                    f'"{written}": {condition.why} Contact the prescriber.',
                )
            ]
        caution = condition.caution.search(text) if condition.caution else None
        if caution and not is_denied(text, caution.start(), caution.end()):
            return [
                Finding(
                    condition.code + "_unconfirmed",
                    Severity.WARN,
                    field,
                    f'"{written}" may matter: {condition.why} Confirm the severity or '
                    "status before compounding.",
                )
            ]
    allergy = find_phrase(text, NALTREXONE_NAMES)
    if allergy and _ALLERGY_WORDS.intersection(text.split()) and not is_negated(text, allergy[1]):
        return [
            Finding(
                "contraindication.naltrexone_allergy",
                Severity.BLOCK,
                field,
                f'"{written}": a known hypersensitivity to naltrexone is a contraindication. '
                "Do not compound; contact the prescriber.",
            )
        ]
    if _TRANSPLANT.search(text):
        return [
            Finding(
                "contraindication.transplant",
                Severity.WARN,
                field,
                f'"{written}": LDN modulates the immune system; in transplant '
                "patients its use needs the prescriber's confirmation.",
            )
        ]
    if _HASHIMOTO.search(text) and _takes_thyroid_hormone(document):
        return [
            Finding(
                "contraindication.thyroid_start_low",
                Severity.INFO,
                field,
                "Hashimoto's with thyroid hormone: start LDN low; the thyroid dose may "
                "need lowering as LDN takes effect.",
            )
        ]
    return []


def _allergy(written: str, field: str, document: OrderDocument) -> list[Finding]:
    text = normalize(written)
    if not text or text in _NO_ALLERGIES:
        return []
    found = find_phrase(text, NALTREXONE_NAMES)
    if found and not is_negated(text, found[1]):
        return [
            Finding(
                "contraindication.naltrexone_allergy",
                Severity.BLOCK,
                field,
                f'Allergy to "{written}": a known hypersensitivity to naltrexone is a '
                "contraindication. Do not compound; contact the prescriber.",
            )
        ]
    found = find_phrase(text, CROSS_SENSITIVE)
    if found and not is_negated(text, found[1]):
        return [
            Finding(
                "contraindication.antagonist_allergy",
                Severity.WARN,
                field,
                f'Allergy to "{written}", an opioid antagonist related to naltrexone. '
                "Confirm there is no cross-sensitivity.",
            )
        ]
    for index, excipient in enumerate(document.preparation.excipients):
        if _shares_a_name(text, normalize(excipient)):
            return [
                Finding(
                    "contraindication.excipient_allergy",
                    Severity.WARN,
                    field,
                    f'The patient lists "{written}" and the preparation contains '
                    f'"{excipient}" (preparation.excipients[{index}]). Choose another '
                    "filler or confirm with the prescriber.",
                )
            ]
    return []


def _shares_a_name(allergy: str, excipient: str) -> bool:
    """An allergy names an excipient when all the allergy's main words are in it
    ("lactose" in "lactose monohydrate"; "lactose intolerance" too)."""
    ignored = {
        "intolerance",
        "intolerant",
        "allergy",
        "allergic",
        "to",
        "sensitivity",
        "rash",
        "hives",
    }
    wanted = {w for w in allergy.split() if w not in ignored and len(w) > 2}
    return bool(wanted) and wanted <= set(excipient.split())


def _takes_thyroid_hormone(document: OrderDocument) -> bool:
    return any(
        THYROID_HORMONES.intersection(normalize(m).split()) or "np thyroid" in normalize(m)
        for m in document.patient.medications
    )
