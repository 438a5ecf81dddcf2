"""Reading free text the way prescriptions write it: case, punctuation and spacing fold away."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Words that, before a term, say the patient does NOT have it ("not pregnant", "denies...").
_NEGATIONS = frozenset(
    {"no", "not", "non", "denies", "denied", "negative", "never", "without", "none", "nor", "neg"}
)
# Words that say a condition or medicine is in the past ("history of", "stopped").
_PAST = frozenset(
    {
        "history",
        "hx",
        "past",
        "previous",
        "previously",
        "prior",
        "former",
        "formerly",
        "resolved",
        "stopped",
        "discontinued",
        "dc",
        "quit",
        "remote",
        "recovered",
        "ceased",
        "ended",
        "tapered",
        "off",
    }
)


@lru_cache(maxsize=16384)
def normalize(text: str) -> str:
    """Lower-case words separated by single spaces, accents and punctuation removed:
    "CaCO₃ (precipitated), USP" -> "caco3 precipitated usp"."""
    if text.isascii():
        return _NOT_WORD.sub(" ", text.lower()).strip()
    folded = unicodedata.normalize("NFKD", text.translate(_SUBSCRIPTS))
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", folded).strip()


def words(text: str) -> list[str]:
    return normalize(text).split()


def find_phrase(normalized: str, phrases: tuple[str, ...]) -> tuple[str, int] | None:
    """The leftmost of `phrases` (normalized, whole words; earlier phrases win at the same
    place) found in `normalized`, and the word index where it starts; None if absent."""
    found = _phrase_pattern(phrases).search(normalized)
    if found is None:
        return None
    return found.group(), normalized.count(" ", 0, found.start())


@lru_cache(maxsize=64)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, phrases)) + r")(?!\S)")


def is_negated(normalized: str, word_index: int, window: int = 4) -> bool:
    """True when a negation stands within `window` words before the term."""
    before = normalized.split()[max(0, word_index - window) : word_index]
    return any(w in _NEGATIONS for w in before) or "ruled out" in " ".join(before)


_DENIED_AFTER_SOLE = re.compile(r"^\s*(?:no|none|n|denies|negative)\s*$")
_DENIED_AFTER = re.compile(r"^\s*(?:\w+\s+){0,2}?(?:ruled out|negative|denied|excluded|neg)\b")


def is_denied(normalized: str, start: int, end: int) -> bool:
    """True when a term at characters [start, end) is negated before ("not pregnant") or
    after ("pregnancy ruled out", "pregnancy test negative", "Pregnancy: no")."""
    after = normalized[end:]
    return (
        is_negated(normalized, normalized[:start].count(" "))
        or bool(_DENIED_AFTER.match(after))
        or bool(_DENIED_AFTER_SOLE.match(after))
    )


def is_past(normalized: str) -> bool:
    """True when the text says the thing is in the past ("hx of", "stopped in 2023")."""
    return any(w in _PAST for w in normalized.split()) or "no longer" in normalized
