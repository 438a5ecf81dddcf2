"""Contraindications: who must not take LDN (shared/domain/ldn.md, "Who must not take it").

Pregnancy, breastfeeding, severe liver or kidney disease, acute hepatitis and known
naltrexone hypersensitivity block (the founding guide; the naltrexone product label lists
acute hepatitis, liver failure and hypersensitivity as contraindications). A condition that
is named without its severity, is in the past, or stands in a list that a negation may reach
is a warning for the pharmacist. Negations ("not pregnant", "no liver disease") raise nothing.
Every mention in an entry is read, so a problem list in one line ("NAFLD, ESRD on HD") is
judged on its worst item.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from ..document import OrderDocument
from ..findings import Finding, Severity
from .text import Standing, Text, mentioned, normalize, phrase_pattern, read, strongest
from .vocabulary import CROSS_SENSITIVE, NALTREXONE_NAMES, THYROID_HORMONES


@dataclass(frozen=True, slots=True)
class _Condition:
    code: str
    block: re.Pattern[str]  # the contraindication itself
    caution: re.Pattern[str] | None  # the same organ or state, severity not stated
    why: str
    mild: re.Pattern[str] | None = None  # a stated mild severity: no finding for the caution
    # A lasting disease: in a history ("history of cirrhosis", "PMH:") it is still current.
    lasting: bool = False


_CONDITIONS = (
    _Condition(
        "contraindication.pregnancy",
        re.compile(
            r"\b(?:pregnan(?:t|cy)(?! (?:loss|losses|termination|planned|planning))|gravid|"
            r"expecting (?:a baby|a child|twins|triplets)|gestation|gestational|"
            r"(?:1st|2nd|3rd|first|second|third) trimester|intrauterine pregnancy|iup|edd|"
            r"due date|g\d+ ?p\d+ (?:\w+ ){0,2}\d+ ?(?:wks?|weeks))\b"
        ),
        re.compile(
            r"\b(?:trying to conceive|ttc|planning (?:a )?pregnancy|pregnancy planned|ivf|"
            r"hcg pending|possible pregnancy|missed period)\b"
        ),
        "LDN is not to be taken in pregnancy (founding guide; product label precaution).",
    ),
    _Condition(
        "contraindication.breastfeeding",
        re.compile(
            r"\b(?:breast\s*feeding|breastfeeds?|chest\s*feeding|lactating|lactation|"
            r"nursing(?!\s+(?:home|facility|student|staff|care|school))(?: mother| infant)?|"
            r"pumping|breast milk|expressing milk|breast pump)\b"
        ),
        re.compile(r"\b(?:post\s*partum|postpartum)\b"),
        "LDN is not to be taken while breastfeeding (founding guide).",
    ),
    _Condition(
        "contraindication.severe_liver_disease",
        re.compile(
            r"\b(?:severe liver disease|severe hepatic|cirrhosis|cirrhotic|liver failure|"
            r"hepatic failure|end stage liver|esld|decompensated liver|"
            r"child pugh c|child pugh class c|hepatic encephalopathy)\b"
        ),
        re.compile(
            r"\b(?:liver disease|hepatic impairment|hepatic disease|liver impairment|"
            r"fatty liver|nafld|nash|masld|mash|elevated lfts?|elevated liver|"
            r"(?<!normal )liver enzymes(?! (?:normal|wnl|within))|hepatic(?! (?:wnl|normal))|"
            r"child pugh|"
            r"transaminitis|primary biliary|pbc|primary sclerosing|psc|"
            r"autoimmune hepatitis)\b"
        ),
        "Severe liver disease is a contraindication to naltrexone (founding guide; product label).",
        lasting=True,
    ),
    _Condition(
        "contraindication.acute_hepatitis",
        re.compile(
            r"\b(?:acute (?:\w+ ){0,2}hepatitis|active hepatitis|hepatitis (?:[abcde] )?acute|"
            r"acute hep [abce]|hep [abcde] acute|hepatitis (?:[abcde] )?active)\b"
        ),
        re.compile(
            r"\b(?:hepatitis|hep [abcde]|hbv|hcv|hbsag)(?!(?: \w+){0,3} (?:vaccin\w*|immun\w*|"
            r"series|ab|antibod\w*))\b"
        ),
        "Acute hepatitis is a contraindication to naltrexone (product label; founding guide).",
    ),
    _Condition(
        "contraindication.severe_kidney_disease",
        re.compile(
            r"\b(?:severe kidney disease|severe renal|esrd|end stage renal|"
            r"end stage kidney|eskd|dialysis|hemodialysis|haemodialysis|on hd|"
            r"kidney failure|renal failure|"
            r"(?:ckd|chronic kidney disease) (?:stage |g)?(?:4|5|5d|iv|v)|"
            r"(?:stage|g) ?(?:4|5|iv|v) (?:ckd|chronic kidney|kidney|renal))\b"
        ),
        re.compile(
            r"\b(?:ckd|chronic kidney disease|kidney disease|renal disease|"
            r"renal impairment|renal insufficiency|kidney impairment)\b"
        ),
        "Severe kidney disease is a contraindication to LDN (founding guide; product label "
        "precaution).",
        lasting=True,
        # KDIGO stages 1 and 2: kidney function normal or mildly decreased.
        mild=re.compile(r"\b(?:ckd (?:stage |g)?(?:1|2|i|ii)|(?:stage|g) ?(?:1|2|i|ii) ckd)\b"),
    ),
)
# Kidney function written as a number: eGFR or creatinine clearance in mL/min. KDIGO: under
# 30 is severely decreased (G4) or failure (G5); 30-59 moderately decreased (G3).
_KIDNEY_FUNCTION = re.compile(
    r"\b(?:e?gfr|crcl|cr\s*cl|creatinine\s+clearance)\b\D{0,12}?([<>≤≥]=?)?\s*(\d+(?:\.\d+)?)",
    re.IGNORECASE,
)
_SEVERE_BELOW_ML_MIN = 30
_MODERATE_BELOW_ML_MIN = 60
# A serum creatinine at or above this (mg/dL) may mean an eGFR near 30 in an adult: confirm.
_CREATININE = re.compile(r"\b(?:serum )?creatinine\b\D{0,8}?(\d+(?:\.\d+)?)", re.IGNORECASE)
_CREATININE_CONFIRM_FROM = 2.0

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
# What the patient had when a reaction is an expected side effect rather than
# hypersensitivity (naltrexone label: nausea, headache, dizziness, sleep problems; LDN: vivid
# dreams). Hypersensitivity words win when both are written.
_SIDE_EFFECTS = frozenset(
    {
        "nausea",
        "nauseous",
        "injection",
        "site",
        "vomiting",
        "gi",
        "upset",
        "stomach",
        "dreams",
        "vivid",
        "nightmares",
        "insomnia",
        "sleep",
        "headache",
        "headaches",
        "dizziness",
        "dizzy",
        "anxiety",
        "fatigue",
        "tired",
        "intolerance",
        "intolerant",
        "diarrhea",
        "jittery",
        "irritability",
        "side",
        "effects",
    }
)
_HYPERSENSITIVITY = frozenset(
    {
        "rash",
        "hives",
        "urticaria",
        "anaphylaxis",
        "anaphylactic",
        "swelling",
        "angioedema",
        "itching",
        "itch",
        "itchy",
        "pruritus",
        "allergic",
        "hypersensitivity",
        "sjs",
        "stevens",
        "wheezing",
        "wheeze",
        "breathing",
        "throat",
        "edema",
        "blisters",
        "blistering",
    }
)
# An organ or marrow transplant (immunosuppressed), not a hair or faecal transplant.
_TRANSPLANT = re.compile(
    r"\b(?:(?:kidney|renal|liver|hepatic|heart|cardiac|lung|pancreas|pancreatic|islet|organ|"
    r"bone marrow|marrow|stem cell|solid organ|bmt|sct) (?:\w+ )?transplant\w*|"
    r"transplant (?:recipient|patient|rejection|candidate|list|evaluation)|post transplant|"
    r"awaiting (?:\w+ )?transplant|transplanted (?:kidney|liver|heart|lung))\b"
)
_HASHIMOTO = re.compile(r"\b(?:hashimoto|hashimotos|autoimmune thyroiditis)\b")
_NO_ALLERGIES = frozenset(
    {"nkda", "nka", "none", "no known allergies", "no known drug allergies", "na", "n a"}
)
_NALTREXONE = phrase_pattern(NALTREXONE_NAMES)
_CROSS_SENSITIVE = phrase_pattern(CROSS_SENSITIVE)


def check(document: OrderDocument, today: dt.date) -> list[Finding]:
    """Findings on `today` at `patient.conditions[i]` and `patient.allergies[i]`."""
    patient = document.patient
    findings: list[Finding] = []
    for index, written in enumerate(patient.conditions):
        field = f"patient.conditions[{index}]"
        findings += _condition(written, field, today)
        if _HASHIMOTO.search(normalize(written)) and _takes_thyroid_hormone(document):
            findings.append(
                Finding(
                    "contraindication.thyroid_start_low",
                    Severity.INFO,
                    field,
                    "Hashimoto's with thyroid hormone: start LDN low; the thyroid dose may "
                    "need lowering as LDN takes effect.",
                )
            )
    for index, written in enumerate(patient.allergies):
        field = f"patient.allergies[{index}]"
        findings += _allergy(written, field) or _excipient_allergy(written, field, document)
    return findings


@lru_cache(maxsize=4096)
def _condition(written: str, field: str, today: dt.date) -> tuple[Finding, ...]:
    """Every finding one condition entry gives (cached: problem lists repeat)."""
    text = read(written)
    findings = [
        finding
        for condition in _CONDITIONS
        if (finding := _judge(condition, text, written, field, today)) is not None
    ]
    if not any(f.code.startswith("contraindication.severe_kidney") for f in findings):
        findings += _kidney_function(written, field) or _creatinine(written, field)
    if mentioned(text, _NALTREXONE) and _ALLERGY_WORDS.intersection(text.words):
        findings.append(_naltrexone_allergy(text, written, field))
    if mentioned(text, _TRANSPLANT):
        findings.append(
            Finding(
                "contraindication.transplant",
                Severity.WARN,
                field,
                f'"{written}": LDN modulates the immune system; in transplant '
                "patients its use needs the prescriber's confirmation.",
            )
        )
    return tuple(findings)


def _judge(
    condition: _Condition, text: Text, written: str, field: str, today: dt.date
) -> Finding | None:
    """The one finding a condition family gives for an entry: its worst mention."""
    found = strongest(text, condition.block, history_counts=not condition.lasting, today=today)
    if found is not None and found[0] is Standing.PRESENT:
        return Finding(
            condition.code,
            Severity.BLOCK,
            field,
            f'"{written}": {condition.why} Contact the prescriber.',
        )
    if found is not None and found[0] is Standing.DOUBTFUL:
        return Finding(
            condition.code + "_unconfirmed",
            Severity.WARN,
            field,
            f'"{written}" names "{found[1][0]}" in a list that a negation may cover. '
            f"{condition.why} Confirm whether it applies before compounding.",
        )
    if found is not None:
        return Finding(
            condition.code + "_history",
            Severity.WARN,
            field,
            f'"{written}" is recorded as past. {condition.why} Confirm it no longer applies.',
        )
    caution = strongest(text, condition.caution, today=today) if condition.caution else None
    if caution is None or (condition.mild and condition.mild.search(text.normalized)):
        return None
    if caution[0] is Standing.PAST:  # "hepatitis A as a child (resolved)", "HCV cured 2018"
        return Finding(
            condition.code + "_history",
            Severity.INFO,
            field,
            f'"{written}" is recorded as past and its severity was not a contraindication. '
            "Nothing to decide unless it has come back.",
        )
    return Finding(
        condition.code + "_unconfirmed",
        Severity.WARN,
        field,
        f'"{written}" may matter: {condition.why} Confirm the severity or status before '
        "compounding.",
    )


def _kidney_function(written: str, field: str) -> list[Finding]:
    """eGFR or creatinine clearance written as a number ("eGFR 12", "CrCl <30 mL/min")."""
    found = _KIDNEY_FUNCTION.search(written)
    if found is None:
        return []
    value = float(found[2])
    below = (found[1] or "").startswith(("<", "≤"))
    if value < _SEVERE_BELOW_ML_MIN or (below and value <= _SEVERE_BELOW_ML_MIN):
        return [
            Finding(
                "contraindication.severe_kidney_disease",
                Severity.BLOCK,
                field,
                f'"{written}": kidney function under {_SEVERE_BELOW_ML_MIN} mL/min is severe '
                "kidney disease (KDIGO G4-G5), a contraindication to LDN (founding guide). "
                "Contact the prescriber.",
            )
        ]
    if value < _MODERATE_BELOW_ML_MIN or (below and value <= _MODERATE_BELOW_ML_MIN):
        return [
            Finding(
                "contraindication.severe_kidney_disease_unconfirmed",
                Severity.WARN,
                field,
                f'"{written}": kidney function is moderately decreased (KDIGO G3). Confirm it '
                "is not severe kidney disease before compounding.",
            )
        ]
    return []


def _creatinine(written: str, field: str) -> list[Finding]:
    found = _CREATININE.search(written)
    if found is None or float(found[1]) < _CREATININE_CONFIRM_FROM:
        return []
    return [
        Finding(
            "contraindication.severe_kidney_disease_unconfirmed",
            Severity.WARN,
            field,
            f'"{written}": a serum creatinine this high may mean severely decreased kidney '
            "function. Confirm the eGFR before compounding.",
        )
    ]


# An allergy line lists several allergens, each with its reaction: "PCN (hives), naltrexone
# (nausea)". Each item is read on its own.
_ITEM_BREAK = re.compile(r"[,;]|\.(?=\s)|\s(?:and|&)\s")


def allergy_items(written: str) -> list[str]:
    """The allergens of one allergy line, each with its own reaction in brackets."""
    items, depth, last = [], 0, 0
    for index, char in enumerate(written):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth <= 0 and _ITEM_BREAK.match(written, index):
            items.append(written[last:index])
            last = index + 1
    items.append(written[last:])
    return [item.strip() for item in items if item.strip()]


def _naltrexone_allergy(text: Text, written: str, field: str) -> Finding:
    """Hypersensitivity to naltrexone blocks; a side effect written as an allergy warns. Only
    the reaction written with naltrexone counts ("PCN (hives), naltrexone (nausea)")."""
    own = next((i for i in allergy_items(written) if mentioned(read(i), _NALTREXONE)), written)
    reaction = set(read(own).words)
    if reaction & _SIDE_EFFECTS and not reaction & _HYPERSENSITIVITY:
        return Finding(
            "contraindication.naltrexone_intolerance",
            Severity.WARN,
            field,
            f'"{written}" reads as a side effect of naltrexone, not hypersensitivity. Confirm '
            "with the patient or prescriber; side effects at full doses (50 mg) do not rule "
            "out LDN, but a true allergy does.",
        )
    return Finding(
        "contraindication.naltrexone_allergy",
        Severity.BLOCK,
        field,
        f'"{written}": a known hypersensitivity to naltrexone is a contraindication. '
        "Do not compound; contact the prescriber.",
    )


@lru_cache(maxsize=4096)
def _allergy(written: str, field: str) -> tuple[Finding, ...]:
    """An allergy to naltrexone or a related antagonist (cached by its text)."""
    text = read(written)
    if not text.normalized or text.normalized in _NO_ALLERGIES:
        return ()
    if mentioned(text, _NALTREXONE):
        return (_naltrexone_allergy(text, written, field),)
    if mentioned(text, _CROSS_SENSITIVE):
        return (
            Finding(
                "contraindication.antagonist_allergy",
                Severity.WARN,
                field,
                f'Allergy to "{written}", an opioid antagonist related to naltrexone. '
                "Confirm there is no cross-sensitivity.",
            ),
        )
    return ()


def allergy_to(written: str, excipient: str) -> bool:
    """Whether an allergy as written ("Lactose (GI upset)", "milk protein", "lactose
    intolerance") names this excipient ("Lactose monohydrate"): the checker's own reading,
    for a formula's filler or vehicle chosen after the order was checked."""
    text = read(written)
    if not text.normalized or text.normalized in _NO_ALLERGIES:
        return False
    if text.normalized.split()[0] in _DENIED:  # "no lactose allergy", "denies latex"
        return False
    return any(_shares_a_name(item, normalize(excipient)) for item in _allergens(written))


# An entry that says the patient does not have it.
_DENIED = frozenset({"no", "not", "denies", "denied", "none", "negative"})


def _excipient_allergy(written: str, field: str, document: OrderDocument) -> tuple[Finding, ...]:
    for index, excipient in enumerate(document.preparation.excipients):
        if allergy_to(written, excipient):
            return (
                Finding(
                    "contraindication.excipient_allergy",
                    Severity.WARN,
                    field,
                    f'The patient lists "{written}" and the preparation contains '
                    f'"{excipient}" (preparation.excipients[{index}]). Choose another '
                    "filler or confirm with the prescriber.",
                ),
            )
    return ()


# Allergens that name an excipient by its source: milk protein rides on pharmaceutical
# lactose; hereditary fructose intolerance forbids sucrose.
_ALLERGEN_SOURCES = {"milk": "lactose", "dairy": "lactose", "fructose": "sucrose"}


@lru_cache(maxsize=4096)
def _allergens(written: str) -> tuple[str, ...]:
    """Each allergen's name, without its reaction: "PCN, Lactose (GI upset)" -> ["pcn",
    "lactose"]; a source stands for the excipient it taints ("milk protein" -> "lactose")."""
    names = []
    for item in allergy_items(written):
        name = read(item).clauses[0]
        words_ = read(item).words[name.start : name.end]
        names.append(" ".join(_ALLERGEN_SOURCES.get(w, w) for w in words_))
    return tuple(names)


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
        "protein",
        "hereditary",
        "products",
        "product",
        "foods",
    }
    wanted = {w for w in allergy.split() if w not in ignored and len(w) > 2}
    return bool(wanted) and wanted <= set(excipient.split())


def _takes_thyroid_hormone(document: OrderDocument) -> bool:
    return any(
        THYROID_HORMONES.intersection(normalize(m).split()) or "np thyroid" in normalize(m)
        for m in document.patient.medications
    )
