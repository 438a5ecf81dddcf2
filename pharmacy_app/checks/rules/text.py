"""Reading free text the way prescriptions, faxes and EHR pastes write it: case, punctuation
and spacing fold away, and each mention is read in its own clause.

The scope rules follow NegEx and ConText (Chapman et al. 2001; Harkema et al. 2009):
- a negation reaches forward a few words within its clause ("not pregnant"), unless it governs
  something else ("no change in oxycodone dose", "do not crush OxyContin": pseudo-negations);
- "but", "except", "just" and the like end its reach, and so do ";", ".", ":" and " - ";
- a label answered after a colon, a dash or a bracket is read by its answer ("Pregnancy: no",
  "Opioid use: none", "Lactation: yes", "Norco (discontinued)", "tramadol - stopped 2023");
- a header governs the list under it ("Discontinued: tramadol", "Denies: fever, chills, opioid
  use", "FHx: mother with cirrhosis");
- "history of", "stopped" and the like make a mention past, unless the text says it goes on
  ("tapering off methadone, currently 10 mg", "stopped Norco but restarted");
- a family member's or another person's condition is not the patient's;
- a comma list opened by "no" or "denies" may carry its negation on, but is not trusted to
  clear a contraindication: such a mention is reported as doubtful for the pharmacist.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache

_SUBSCRIPTS = str.maketrans("₀₁₂₃₄₅₆₇₈₉", "0123456789")
_NOT_WORD = re.compile(r"[^a-z0-9]+")


def _words(*text: str) -> frozenset[str]:
    return frozenset(w for t in text for w in t.split())


# Words that, before a term in its clause, say it is absent ("not pregnant", "w/o CaCO3").
_NEGATIONS = _words(
    "no not denies denied deny negative never without none nor neg avoid avoids exclude "
    "excluding instead rather"
)
# What a negation may govern instead of the term after it: "no change in oxycodone dose",
# "no issues with Norco", "do not crush OxyContin", "never misses her methadone".
_PSEUDO_NEGATED = _words(
    "change changes increase increases decrease decreases issues issue problems problem side "
    "complaints concerns crush chew open cut split break misses missed skip longer refills "
    "refill interactions other new"
)
# Words that open a negated list ("denies fever, chills, ..."): the list may carry it on.
_LIST_NEGATIONS = _words("no denies denied negative without none neg")
# Words that say a mention in a negated list is affirmed after all ("ESRD on dialysis").
_AFFIRMED = _words(
    "on currently current now active yes positive confirmed diagnosed dx weeks wks wk "
    "trimester stage daily prn bid tid qid qhs hs mg mcg ml patch takes taking uses using infant"
)
# Words that say the use goes on, whatever past word stands near ("tapering off methadone,
# currently 10 mg"; "stopped Norco but restarted").
_GOES_ON = _words(
    "currently still restarted resumed relapsed continues continuing tapering weaning now"
)
# Words that say a thing belongs to the past when they stand before it ("hx of oxycodone").
# They describe history, which for a lasting disease (cirrhosis, ESRD) is still current.
_HISTORY = _words("history hx past previous previously prior former formerly remote ex pmh")
# Words that say a thing has stopped ("stopped 2023", "Norco (discontinued)"), before or after.
_STOPPED = _words(
    "stopped discontinued dc dcd dced quit ceased ended off resolved recovered remission "
    "weaned completed finished cured cleared stopping inactive"
)
# What may stand between a stop word and the thing it stops ("stopped taking oxycodone").
_BETWEEN = _words("taking using the his her their all of from it them")
# What may follow a stop word when it stops the thing before it ("tramadol - stopped in
# 2023"); a stop word followed by anything else stops that ("quit drinking", "off alcohol").
_AFTER_STOP = _words(
    "in on since at last ago year years yr yrs month months mo mos week weeks wk wks day days "
    "due to by after before per for use usage of it them taking using the a an recently now "
    "completely over from about approx around and all full fully partial with was were is has "
    "been had jan feb mar apr may jun jul aug sep sept oct nov dec january february march april "
    "june july august september october november december spring summer fall autumn winter "
    "early late mid this that pt patient dr md prescriber side effects effect nausea surgery "
    "sustained"
)
# Another person: their condition is not the patient's ("FHx: mother with cirrhosis",
# "husband on methadone", "dialysis nurse").
_OTHERS = _words(
    "mother mom mum father dad sister brother sibling siblings son daughter husband wife "
    "partner spouse grandmother grandfather grandma grandpa aunt uncle cousin family fhx fh "
    "boyfriend girlfriend roommate"
)
_OCCUPATIONS = _words("nurse nurses student students tech technician unit center clinic staff")
# A mention right before these is an allergy to it, not use of it ("Codeine (allergy)").
_ALLERGIC = _words("allergy allergic allergies intolerance intolerant hypersensitivity")
# Answers to a label ("Pregnancy: no", "Lactation: yes", "Pregnant: unknown").
_ANSWER_DENIED = _words(
    "no none not n na nil negative neg denies denied never ruled false postmenopausal "
    "menopausal male hysterectomy sterile"
)
_ANSWER_PRESENT = _words("yes y positive current currently active present confirmed true")
_ANSWER_DOUBTFUL = _words("unknown unsure possible possibly maybe unlikely pending uncertain")
# Headers that govern the list after them.
_HEADER_PAST = _words("discontinued stopped past previous prior hx history inactive former")
_HEADER_DENIED = _words("negative denies denied no none not")
# Words that end a negation's reach within a clause, as a new clause of their own.
_BREAK_WORDS = re.compile(
    r"\b(?:but|except|however|although|though|whereas|unless|other\s+than|apart\s+from|"
    r"besides|aside\s+from|just|only)\b",
    re.IGNORECASE,
)
# Punctuation that ends a clause, and what it says: ":" and "?" end a label, " - " and "("
# end a term its answer or note follows, ";" and "." end a sentence. A full stop ends one only
# before a capital letter and after a word that is not a pharmacy abbreviation ("Calc. Carb."
# stays one clause).
_HARD_BREAK = re.compile(
    r"(?P<mark>[;:()\[\]{}\n|!?])|(?P<dash>\s[-–—]+\s|\s[-–—]+$|^[-–—]+\s)"
    r"|(?P<word>\b[A-Za-z]{1,20})(?P<dot>\.)(?=\s+[A-Z])"
)
_ABBREVIATIONS = _words(
    "calc carb precip sod bicarb tab tabs cap caps no approx dr st hcl mg mcg ml inj susp soln "
    "sol oz pt vs hx dx tx rx sx pmh qty disp sig max min mfr sr jr mr mrs ms"
)
# Shorthand folded before reading: "d/c", "h/o", "w/o", "s/p", "No. 3".
_SHORTHAND = (
    (re.compile(r"(?i)\bd/c(?:'?d)?\b"), "dc"),
    (re.compile(r"(?i)\bh/o\b"), "hx"),
    (re.compile(r"(?i)\bs/p\b"), "hx"),
    (re.compile(r"(?i)\bw/o\b"), "without"),
    (re.compile(r"(?i)\bno\.(?=\s*\d)"), "#"),
)
_DENIED_AFTER = re.compile(
    r"^(?:\w+\s+){0,2}?(?:ruled out|negative|denied|excluded|neg|not allowed|not needed|"
    r"not used|not wanted|do not use|not to be used|avoided|no longer possible|not possible|"
    r"n a|na|not applicable)\b"
)
# After a term, words that leave it in doubt: "pregnancy unlikely", "pregnancy possible".
_DOUBT_AFTER = re.compile(r"^(?:\w+\s+){0,1}?(?:unlikely|possible|unknown|uncertain|pending)\b")


class Standing(IntEnum):
    """How a mention stands in its text, from absent to present now."""

    DENIED = 0  # "not pregnant", "pregnancy ruled out", "FHx: cirrhosis"
    PAST = 1  # "hx of oxycodone", "tramadol - stopped 2023"
    DOUBTFUL = 2  # "denies fever, chills, pregnancy", "Pregnant: unknown"
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
    """Words [start, end) of a text's words; `soft` when it follows a comma; `ends` is what
    ended it (":", "?", "-", "(", ";", "." or "" for a comma or a break word)."""

    start: int
    end: int
    soft: bool
    ends: str


@dataclass(frozen=True, slots=True)
class Text:
    """A free-text entry read for meaning: its normalized words and its clauses, with, for
    each clause, the clause answering it, the header governing it, and whether a negated list
    may cover it."""

    written: str
    normalized: str
    words: tuple[str, ...]
    clauses: tuple[Clause, ...]
    answers: tuple[Standing | None, ...]
    headers: tuple[Standing | None, ...]
    history_headers: tuple[bool, ...]  # the header is a history ("Past medical history:")
    negated_lists: tuple[bool, ...]

    def word_at(self, char: int) -> int:
        """The index of the word that starts at or contains character `char` of normalized."""
        return self.normalized.count(" ", 0, char)

    def clause_of(self, word: int) -> int:
        for index, clause in enumerate(self.clauses):
            if clause.start <= word < clause.end:
                return index
        return len(self.clauses) - 1

    def standing(
        self,
        start: int,
        end: int | None = None,
        history_counts: bool = True,
        *,
        today: dt.date,
    ) -> Standing:
        """How the mention of words [start, end) stands on `today` (a year written after it,
        "2019", before today's makes it past). With `history_counts` false, history alone
        ("history of", "PMH:", "2019") does not make it past: a lasting disease such as
        cirrhosis or ESRD in a history is still the patient's."""
        return self._standing(start, end, history_counts, today)

    def denied(self, start: int, end: int | None = None) -> bool:
        """Whether the mention of words [start, end) is denied ("no oxycodone"). No date is
        needed: a year only tells past from present, never denies."""
        return self._standing(start, end, True, None) is Standing.DENIED

    def _standing(
        self, start: int, end: int | None, history_counts: bool, today: dt.date | None
    ) -> Standing:
        end = start + 1 if end is None else end
        at = self.clause_of(start)
        clause = self.clauses[at]
        before = self.words[clause.start : start]
        after = self.words[end : clause.end]
        if (
            _negated_before(before)
            or _DENIED_AFTER.match(" ".join(after))
            or _other_person(before, after)
        ):
            return Standing.DENIED
        answer = self.answers[at]
        if answer is not None:
            return answer
        if _DOUBT_AFTER.match(" ".join(after)):
            return Standing.DOUBTFUL
        goes_on = self._goes_on(at)
        header = self.headers[at]
        if header is not None and not (
            header is Standing.PAST
            and (goes_on or (self.history_headers[at] and not history_counts))
        ):
            return header
        past = _stopped_before(before) or _stopped_after(after)
        if history_counts:
            past = (
                past
                or _history_before(before)
                or (today is not None and _dated_in_past(after, today))
            )
        if past:
            return Standing.PRESENT if goes_on else Standing.PAST
        if self.negated_lists[at] and not _AFFIRMED.intersection(
            self.words[clause.start : clause.end]
        ):
            return Standing.DOUBTFUL
        return Standing.PRESENT

    def _goes_on(self, at: int) -> bool:
        """Whether this clause or the next says the use or condition continues."""
        last = min(at + 2, len(self.clauses))
        return any(
            _GOES_ON.intersection(self.words[c.start : c.end]) for c in self.clauses[at:last]
        )


@lru_cache(maxsize=16384)
def read(written: str) -> Text:
    """`written` split into clauses and normalized, with each clause's answer, header and list
    negation worked out once."""
    return _read(written, _unabbreviated(written))


def _unabbreviated(written: str) -> str:
    if "/" not in written and "." not in written:
        return written  # the shorthand all has a slash or a full stop
    for pattern, replacement in _SHORTHAND:
        written = pattern.sub(replacement, written)
    return written


def _read(written: str, unabbreviated: str) -> Text:
    all_words: list[str] = []
    clauses: list[Clause] = []
    for hard, ends in _split_hard(unabbreviated):
        pieces = _BREAK_WORDS.sub(lambda m: "\0" + m[0], hard).split("\0")
        for piece_index, piece in enumerate(pieces):
            parts = piece.split(",")
            for comma_index, part in enumerate(parts):
                part_words = normalize(part).split()
                if not part_words:
                    if clauses and ends in (":", "?", ";", ".") and comma_index == len(parts) - 1:
                        # "Opioids (including tramadol): none": the label ends at the colon.
                        clauses[-1] = Clause(
                            clauses[-1].start, clauses[-1].end, clauses[-1].soft, ends
                        )
                    continue
                last = piece_index == len(pieces) - 1 and comma_index == len(parts) - 1
                clauses.append(
                    Clause(
                        len(all_words),
                        len(all_words) + len(part_words),
                        comma_index > 0,
                        ends if last else "",
                    )
                )
                all_words += part_words
    if not clauses:
        clauses.append(Clause(0, 0, False, ""))
    words_ = tuple(all_words)
    return Text(
        written,
        " ".join(words_),
        words_,
        tuple(clauses),
        _answers(words_, clauses),
        *_headers(words_, clauses),
        _negated_lists(words_, clauses),
    )


def _split_hard(written: str) -> list[tuple[str, str]]:
    """The text cut at hard breaks, each piece with the mark that ended it."""
    pieces, last = [], 0
    for found in _HARD_BREAK.finditer(written):
        start = found.start()
        if found["word"] is not None:
            if found["word"].lower() in _ABBREVIATIONS or len(found["word"]) < 3:
                continue
            mark, start = ".", found.start("dot")
        elif found["dash"] is not None:
            mark = "-"
        else:
            mark = found["mark"]
            mark = {"!": ".", "\n": ";", "|": ";", "[": "(", "{": "(", "]": ")", "}": ")"}.get(
                mark, mark
            )
        pieces.append((written[last:start], mark))
        last = found.end()
    pieces.append((written[last:], ""))
    return pieces


def _answers(words_: tuple[str, ...], clauses: list[Clause]) -> tuple[Standing | None, ...]:
    """For each clause, what the answer to its label says of it: "Pregnancy: no" (and every
    clause of a label: "Opioids (including tramadol): none"), "Is she pregnant? No", and short
    notes after a term: "Norco (discontinued)", "tramadol - not taking", "oxycodone,
    discontinued 2023"; None when nothing answers."""
    answers: list[Standing | None] = [None] * len(clauses)
    label_start = 0
    for index, clause in enumerate(clauses[:-1]):
        following = clauses[index + 1]
        said = words_[following.start : following.end]
        answer = _answer(said)
        if clause.ends in (":", "?"):
            if answer is not None:
                for labelled in range(label_start, index + 1):
                    answers[labelled] = answer
            label_start = index + 1
        elif len(said) <= 3 and (
            (clause.ends in ("-", "(") and answer is not None)
            or (clause.ends == "" and following.soft and answer is Standing.PAST)
        ):
            answers[index] = answer
        if clause.ends in (";", "."):
            label_start = index + 1
    return tuple(answers)


def _answer(answer: tuple[str, ...]) -> Standing | None:
    if not answer:
        return None
    first, text = answer[0], " ".join(answer)
    if text.startswith(
        ("not taking", "not currently", "not using", "no longer", "never filled", "never taken")
    ) or ("remission" in answer[:3]):
        return Standing.PAST
    if first in _ANSWER_DENIED or text.startswith(("do not", "n a")):
        return Standing.DENIED
    if first in _ANSWER_PRESENT:
        return Standing.PRESENT
    if first in _ANSWER_DOUBTFUL:
        return Standing.DOUBTFUL
    if first in _OTHERS:
        return Standing.DENIED
    if _STOPPED.intersection(answer[:4]) and _stopped_after(answer):
        return Standing.PAST  # "discontinued 2023", "pt stopped", "treated and cured 2018"
    return None


def _headers(
    words_: tuple[str, ...], clauses: list[Clause]
) -> tuple[tuple[Standing | None, ...], tuple[bool, ...]]:
    """For each clause, the header governing it ("Discontinued: tramadol", "Denies: fever,
    chills, opioid use", "FHx: mother with cirrhosis") until the sentence ends, and whether
    that header is a history ("Past medical history:", "Hx:")."""
    headers: list[Standing | None] = [None] * len(clauses)
    histories = [False] * len(clauses)
    current: tuple[Standing | None, bool] = (None, False)
    label_start = 0
    for index, clause in enumerate(clauses):
        headers[index], histories[index] = current
        if clause.ends == ":":
            current = _header(words_[clauses[label_start].start : clause.end])
            label_start = index + 1
        elif clause.ends in (";", ".", "?"):
            current, label_start = (None, False), index + 1
    return tuple(headers), tuple(histories)


def _header(label: tuple[str, ...]) -> tuple[Standing | None, bool]:
    if not label:
        return None, False
    text = " ".join(label)
    first = label[1] if label[0] in ("pt", "patient") and len(label) > 1 else label[0]
    if label[0] in _OTHERS or "family" in label:
        return Standing.DENIED, False
    if "not taking" in text or first in _HEADER_PAST:
        return Standing.PAST, first in _HISTORY
    if first in _HEADER_DENIED and not (len(label) > 1 and label[1] in _PSEUDO_NEGATED):
        return Standing.DENIED, False
    return None, False


def _negated_lists(words_: tuple[str, ...], clauses: list[Clause]) -> tuple[bool, ...]:
    """For each clause, whether an earlier comma clause of its sentence opens a negated list
    ("denies fever, chills, pregnancy"); a lone "no" is an answer, not a list."""
    flags: list[bool] = []
    covered = False
    for clause in clauses:
        if not clause.soft:
            covered = False
        flags.append(covered)
        first = words_[clause.start] if clause.end > clause.start else ""
        if first in _LIST_NEGATIONS and clause.end - clause.start > 1:
            covered = True
    return tuple(flags)


def _negated_before(before: tuple[str, ...] | list[str], window: int = 4) -> bool:
    near = list(before[-window:])
    for index, word in enumerate(near):
        if word not in _NEGATIONS:
            continue
        following = near[index + 1] if index + 1 < len(near) else None
        if following in _PSEUDO_NEGATED:
            continue  # "no change in oxycodone dose", "do not crush OxyContin"
        if word in ("instead", "rather") and following not in ("of", "than"):
            continue
        return True
    if "ruled out" in " ".join(near):
        return True
    # "non" negates only the word it is joined to: "non-sustained", not "non-GMO chalk".
    return bool(before) and before[-1] == "non"


def _other_person(before: tuple[str, ...], after: tuple[str, ...]) -> bool:
    """A family member's or another person's condition: "mother with cirrhosis", "sister
    pregnant", "dialysis nurse", "husband on methadone"."""
    return bool(_OTHERS.intersection(before)) or (bool(after[:1]) and after[0] in _OCCUPATIONS)


def _history_before(before: tuple[str, ...] | list[str], window: int = 5) -> bool:
    """ "hx of oxycodone", "history of pregnancy loss" (not "prior auth" or "past medical
    history", which lists what the patient has)."""
    near = list(before[-window:])
    return any(
        word in _HISTORY
        and near[index + 1 : index + 2] not in (["auth"], ["authorization"])
        and near[index + 1 : index + 3] != ["medical", "history"]
        for index, word in enumerate(near)
    )


def _stopped_before(before: tuple[str, ...] | list[str], window: int = 5) -> bool:
    """ "stopped oxycodone", "stopped taking oxycodone", "no longer on Norco"."""
    near = list(before[-window:])
    for index, word in enumerate(near):
        if word in _STOPPED and all(w in _BETWEEN or len(w) == 1 for w in near[index + 1 :]):
            return True
    return "no longer" in " ".join(near)


_YEAR = re.compile(r"^(?:19|20)\d\d$")


def _dated_in_past(after: tuple[str, ...] | list[str], today: dt.date) -> bool:
    """ "gestational diabetes 2019", "percocet after surgery in 2019", "codeine last winter"."""
    this_year = today.year
    text = " ".join(after)
    return (
        any(_YEAR.match(w) and int(w) < this_year for w in after)
        or bool(re.search(r"\blast (?:year|winter|spring|summer|fall|autumn)\b", text))
        or bool(re.search(r"\b(?:years|yrs|months) ago\b", text))
    )


def _stopped_after(after: list[str] | tuple[str, ...]) -> bool:
    """A stop word after the mention that stops it, not something else ("quit drinking")."""
    for index, word in enumerate(after):
        if word not in _STOPPED:
            continue
        following = [w for w in after[index + 1 :] if len(w) > 1]
        nxt = following[0] if following else None
        if nxt is None or nxt.isdigit() or nxt in _AFTER_STOP or nxt in _STOPPED:
            return True
    return "no longer" in " ".join(after)


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


def strongest(
    text: Text, pattern: re.Pattern[str], history_counts: bool = True, *, today: dt.date
) -> tuple[Standing, re.Match[str]] | None:
    """The mention of `pattern` that stands strongest on `today` (present over doubtful over
    past); None when every mention is denied or there is none."""
    best: tuple[Standing, re.Match[str]] | None = None
    for match, start, end in mentions(text, pattern):
        standing = text.standing(start, end, history_counts, today=today)
        if standing is not Standing.DENIED and (best is None or standing > best[0]):
            best = (standing, match)
    return best


def mentioned(text: Text, pattern: re.Pattern[str]) -> bool:
    """Whether `text` mentions `pattern` other than to deny it (what `strongest` finds, on
    any day)."""
    return any(not text.denied(start, end) for _match, start, end in mentions(text, pattern))
