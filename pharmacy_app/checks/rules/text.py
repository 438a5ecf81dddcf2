"""Reading free text the way prescriptions write it: case, punctuation and spacing fold away,
and each mention is read in its own clause ("non-smoker, pregnant" is pregnant; "denies opioid
use; tramadol 50 mg" takes tramadol; "methadone 80 mg (hx heroin)" takes methadone now).

The scope rules follow the NegEx idea (Chapman et al. 2001): a negation reaches forward a few
words within its clause, "but", "except" and the like end its reach, and a comma list opened by
"no" or "denies" may carry it on. A list carrying a negation is not trusted to clear a
contraindication: such a mention is reported as doubtful for the pharmacist to confirm.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NOT_WORD = re.compile(r"[^a-z0-9]+")
# Words that, before a term in its clause, say the patient does NOT have it ("not pregnant").
_NEGATIONS = frozenset(
    {"no", "not", "denies", "denied", "deny", "negative", "never", "without", "none", "nor", "neg"}
)
# Words that open a negated list ("denies fever, chills, ..."): the list may carry it on.
_LIST_NEGATIONS = frozenset({"no", "denies", "denied", "negative", "without", "none", "neg"})
# Words that say a mention in a negated list is affirmed after all ("ESRD on dialysis").
_AFFIRMED = frozenset(
    {
        "on",
        "currently",
        "current",
        "now",
        "active",
        "yes",
        "positive",
        "confirmed",
        "diagnosed",
        "dx",
        "weeks",
        "wks",
        "wk",
        "trimester",
        "stage",
        "daily",
        "prn",
        "bid",
        "tid",
        "qid",
        "qhs",
        "hs",
        "mg",
        "mcg",
        "ml",
        "patch",
        "takes",
        "taking",
        "uses",
        "using",
    }
)
# Words that say a thing belongs to the past when they stand before it ("hx of oxycodone").
_PAST_BEFORE = frozenset(
    {
        "history",
        "hx",
        "past",
        "previous",
        "previously",
        "prior",
        "former",
        "formerly",
        "remote",
        "ex",
    }
)
# Words that say a thing has stopped ("stopped 2023", "Norco (discontinued)"), before or after.
_STOPPED = frozenset(
    {
        "stopped",
        "discontinued",
        "dc",
        "dcd",
        "dced",
        "quit",
        "ceased",
        "ended",
        "off",
        "resolved",
        "recovered",
        "remission",
        "weaned",
        "completed",
        "finished",
        "cured",
        "cleared",
        "stopping",
    }
)
# Words that may stand between a stop word and what it stops: "stopped taking it in 2023".
# A stop word followed by anything else stops that other thing ("quit drinking", "off alcohol").
_FUNCTION_WORDS = frozenset(
    {
        "in",
        "on",
        "since",
        "at",
        "last",
        "ago",
        "year",
        "years",
        "yr",
        "yrs",
        "month",
        "months",
        "mo",
        "mos",
        "week",
        "weeks",
        "wk",
        "wks",
        "day",
        "days",
        "due",
        "to",
        "by",
        "after",
        "before",
        "per",
        "for",
        "use",
        "usage",
        "of",
        "it",
        "them",
        "taking",
        "using",
        "the",
        "a",
        "an",
        "recently",
        "now",
        "completely",
        "over",
        "from",
        "about",
        "approx",
        "around",
        "and",
        "all",
        "full",
        "fully",
        "partial",
        "with",
        "was",
        "were",
        "is",
        "has",
        "been",
        "had",
        "jan",
        "feb",
        "mar",
        "apr",
        "may",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "january",
        "february",
        "march",
        "april",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "spring",
        "summer",
        "fall",
        "autumn",
        "winter",
        "early",
        "late",
        "mid",
        "this",
        "that",
        "pt",
        "patient",
        "dr",
        "md",
        "prescriber",
        "side",
        "effects",
        "effect",
        "nausea",
        "surgery",
    }
)
# Words that end a negation's reach within a clause, as a new clause of their own.
_BREAK_WORDS = re.compile(
    r"\b(?:but|except|however|although|though|whereas|unless|other\s+than|apart\s+from|"
    r"besides|instead\s+of|aside\s+from)\b",
    re.IGNORECASE,
)
# Punctuation that ends a clause. A full stop ends one only before a capital letter and
# after a word that is not a pharmacy abbreviation ("Calc. Carb." stays one clause).
_HARD_BREAK = re.compile(r"[;:()\[\]{}\n|!?]|\s[-–—]+\s|\s[-–—]+$|^[-–—]+\s|\.(?=\s+[A-Z])")
_ABBREVIATIONS = frozenset(
    {
        "calc",
        "carb",
        "precip",
        "sod",
        "bicarb",
        "tab",
        "tabs",
        "cap",
        "caps",
        "no",
        "approx",
        "dr",
        "st",
        "hcl",
        "mg",
        "mcg",
        "ml",
        "inj",
        "susp",
        "soln",
        "sol",
        "oz",
        "pt",
        "vs",
        "hx",
        "dx",
        "tx",
        "rx",
        "sx",
        "pmh",
        "qty",
        "disp",
        "sig",
        "max",
        "min",
        "mfr",
    }
)
_SOFT_BREAK = ","


class Standing(IntEnum):
    """How a mention stands in its text, from absent to present now."""

    DENIED = 0  # "not pregnant", "pregnancy ruled out"
    PAST = 1  # "hx of oxycodone", "tramadol - stopped 2023"
    DOUBTFUL = 2  # in a list a negation may reach: "denies fever, chills, pregnancy"
    PRESENT = 3


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


@dataclass(frozen=True, slots=True)
class Clause:
    """Words [start, end) of a text's normalize()d words; `soft` when it follows a comma."""

    start: int
    end: int
    soft: bool


@dataclass(frozen=True, slots=True)
class Text:
    """A free-text entry read for meaning: its normalize()d form and its clauses."""

    written: str
    normalized: str
    words: tuple[str, ...]
    clauses: tuple[Clause, ...]

    def word_at(self, char: int) -> int:
        """The index of the word that starts at or contains character `char` of normalized."""
        return self.normalized.count(" ", 0, char)

    def clause_of(self, word: int) -> int:
        for index, clause in enumerate(self.clauses):
            if clause.start <= word < clause.end:
                return index
        return len(self.clauses) - 1

    def standing(self, start: int, end: int | None = None) -> Standing:
        """How the mention of words [start, end) stands: denied, past, doubtful or present."""
        end = start + 1 if end is None else end
        at = self.clause_of(start)
        clause = self.clauses[at]
        before = self.words[clause.start : start]
        after = list(self.words[end : clause.end])
        follower = self._qualifier_after(at)
        if follower is not None:
            after += self.words[follower.start : follower.end]
        if _negated_before(before) or _denied_after(after):
            return Standing.DENIED
        if _past_before(before, self.words[start:end]) or _stopped_after(after):
            return Standing.PAST
        if self._in_negated_list(at) and not _AFFIRMED.intersection(
            self.words[clause.start : clause.end]
        ):
            return Standing.DOUBTFUL
        return Standing.PRESENT

    def _qualifier_after(self, at: int) -> Clause | None:
        """The next clause when it only qualifies this one ("Pregnancy: no", "Norco
        (discontinued)", "hepatitis C, acute")."""
        if at + 1 >= len(self.clauses):
            return None
        following = self.clauses[at + 1]
        first = self.words[following.start] if following.end > following.start else ""
        if first in _STOPPED or first in _NEGATIONS or first in _DENIED_AFTER_SOLE:
            return following
        return None

    def _in_negated_list(self, at: int) -> bool:
        """True when earlier comma clauses of this one open with a list negation."""
        index = at
        while index > 0 and self.clauses[index].soft:
            index -= 1
            opener = self.clauses[index]
            if opener.end > opener.start and self.words[opener.start] in _LIST_NEGATIONS:
                return True
        return False


@lru_cache(maxsize=16384)
def read(written: str) -> Text:
    """`written` split into clauses and normalize()d; the clauses' words, joined, are exactly
    normalize(written)'s words."""
    pieces: list[tuple[str, bool]] = []
    for hard in _split_hard(written):
        for piece in _BREAK_WORDS.sub(lambda m: "\0" + m[0], hard).split("\0"):
            for comma_index, part in enumerate(piece.split(_SOFT_BREAK)):
                pieces.append((part, comma_index > 0))
    all_words: list[str] = []
    clauses: list[Clause] = []
    for part, soft in pieces:
        part_words = normalize(part).split()
        if not part_words:
            continue
        clauses.append(Clause(len(all_words), len(all_words) + len(part_words), soft))
        all_words += part_words
    if not clauses:
        clauses.append(Clause(0, 0, False))
    return Text(written, " ".join(all_words), tuple(all_words), tuple(clauses))


def _split_hard(written: str) -> list[str]:
    pieces, last = [], 0
    for found in _HARD_BREAK.finditer(written):
        if found[0] == ".":
            before = normalize(written[last : found.start()]).split()
            if not before or before[-1] in _ABBREVIATIONS or len(before[-1]) < 3:
                continue
        pieces.append(written[last : found.start()])
        last = found.end()
    pieces.append(written[last:])
    return pieces


def _negated_before(before: tuple[str, ...] | list[str], window: int = 4) -> bool:
    near = before[-window:]
    if any(w in _NEGATIONS for w in near) or "ruled out" in " ".join(near):
        return True
    # "non" negates only the word it is joined to: "non-sustained", not "non-GMO chalk".
    return bool(before) and before[-1] == "non"


_DENIED_AFTER_SOLE = frozenset({"no", "none", "n", "denies", "denied", "negative", "neg"})
_DENIED_AFTER = re.compile(r"^(?:\w+\s+){0,2}?(?:ruled out|negative|denied|excluded|neg)\b")


def _denied_after(after: list[str]) -> bool:
    """ "pregnancy ruled out", "pregnancy test negative", "Pregnancy: no"."""
    if len(after) == 1 and after[0] in _DENIED_AFTER_SOLE:
        return True
    return bool(_DENIED_AFTER.match(" ".join(after)))


def _past_before(
    before: tuple[str, ...] | list[str], term: tuple[str, ...], window: int = 5
) -> bool:
    near = list(before[-window:])
    for index, word in enumerate(near):
        rest = near[index + 1 :]
        if word in _PAST_BEFORE and rest[:1] not in (["auth"], ["authorization"]):
            return True
        if word in _STOPPED and all(w in _FUNCTION_WORDS or len(w) == 1 for w in rest):
            return True  # "stopped oxycodone", "stopped taking oxycodone"
    return "no longer" in " ".join(near)


def _stopped_after(after: list[str]) -> bool:
    """A stop word after the mention that stops it, not something else ("quit drinking")."""
    for index, word in enumerate(after):
        if word not in _STOPPED:
            continue
        following = [w for w in after[index + 1 :] if len(w) > 1]
        nxt = following[0] if following else None
        if nxt is None or nxt.isdigit() or nxt in _FUNCTION_WORDS or nxt in _STOPPED:
            return True
    return "no longer" in " ".join(after)


def find_phrase(normalized: str, phrases: tuple[str, ...]) -> tuple[str, int] | None:
    """The leftmost of `phrases` (normalized, whole words; earlier phrases win at the same
    place) found in `normalized`, and the word index where it starts; None if absent."""
    found = _phrase_pattern(phrases).search(normalized)
    if found is None:
        return None
    return found.group(), normalized.count(" ", 0, found.start())


def find_phrases(normalized: str, phrases: tuple[str, ...]) -> list[tuple[str, int]]:
    """Every place one of `phrases` stands in `normalized`, as (phrase, word index)."""
    return [
        (found.group(), normalized.count(" ", 0, found.start()))
        for found in _phrase_pattern(phrases).finditer(normalized)
    ]


@lru_cache(maxsize=64)
def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, phrases)) + r")(?!\S)")


def mentions(text: Text, pattern: re.Pattern[str]) -> list[tuple[re.Match[str], int, int]]:
    """Every match of `pattern` in `text.normalized` that lies within one clause, or ends
    with whole clauses that only complete it ("hepatitis C, acute"), with the word range
    [start, end) it covers ("Tylenol, 3 times a day" names no Tylenol #3)."""
    found = []
    for match in pattern.finditer(text.normalized):
        start = text.word_at(match.start())
        end = text.word_at(max(match.start(), match.end() - 1)) + 1
        last = text.clause_of(end - 1)
        if text.clause_of(start) == last or text.clauses[last].end == end:
            found.append((match, start, end))
    return found


def phrase_pattern(phrases: tuple[str, ...] | list[str]) -> re.Pattern[str]:
    """A pattern for any of `phrases` as whole words of normalize()d text."""
    return _phrase_pattern(tuple(phrases))


def strongest(text: Text, pattern: re.Pattern[str]) -> tuple[Standing, re.Match[str]] | None:
    """The mention of `pattern` that stands strongest (present over doubtful over past);
    None when every mention is denied or there is none."""
    best: tuple[Standing, re.Match[str]] | None = None
    for match, start, end in mentions(text, pattern):
        standing = text.standing(start, end)
        if standing is not Standing.DENIED and (best is None or standing > best[0]):
            best = (standing, match)
    return best
