"""What a name or one line of text may not hold: characters that are not text a person typed
but instructions to the screen, or nothing visible at all.

Refused: control characters (Cc: NUL, tabs, line breaks, terminal escapes), format characters
(Cf: bidirectional overrides and isolates, zero-width spaces and joiners, soft hyphens),
private-use characters (Co), unpaired surrogates (Cs), and the line and paragraph separators
(Zl, Zp), and the other characters Unicode says show as nothing (Default_Ignorable_Code_Point
in DerivedCoreProperties.txt: the combining grapheme joiner, Hangul fillers, variation
selectors...). A right-to-left override turns "Ann Lee" on a label into something else, or
hides "then take 10 capsules three times a day" from the checker while the label prints it;
a zero-width space or a Hangul filler makes a second patient record that looks like the first.
Plain spaces, accents, apostrophes and every script's letters (CJK, Greek, Cyrillic...) are
fine. Free text of several lines (a prescription's directions) may also hold line breaks and
tabs.
"""

from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Co": "a private-use character",
    "Cs": "an unpaired surrogate",
    "Cn": "an unassigned code point",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}

LINE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85")
# What free text of several lines may hold besides visible text and spaces.
MULTILINE = frozenset("\t\n\r")
# Default_Ignorable_Code_Point characters outside the refused categories (Unicode 15.1,
# DerivedCoreProperties.txt): they render as nothing at all.
_IGNORABLE_RANGES = (
    (0x034F, 0x034F),  # COMBINING GRAPHEME JOINER
    (0x115F, 0x1160),  # HANGUL CHOSEONG / JUNGSEONG FILLER
    (0x17B4, 0x17B5),  # KHMER VOWEL INHERENT AQ / AA
    (0x180B, 0x180F),  # MONGOLIAN FREE VARIATION SELECTORS
    (0x2065, 0x2065),  # reserved
    (0x2800, 0x2800),  # BRAILLE PATTERN BLANK (not default-ignorable, but shows as nothing)
    (0x3164, 0x3164),  # HANGUL FILLER
    (0xFE00, 0xFE0F),  # VARIATION SELECTORS 1-16
    (0xFFA0, 0xFFA0),  # HALFWIDTH HANGUL FILLER
    (0xFFF0, 0xFFF8),  # reserved
    (0x1D173, 0x1D17A),  # MUSICAL SYMBOL BEGIN BEAM ... (format controls)
    (0xE0000, 0xE0FFF),  # tags, variation selectors 17-256, reserved
)
INVISIBLE = frozenset(chr(c) for low, high in _IGNORABLE_RANGES for c in range(low, high + 1))


def hidden_character_problem(text: str, *, lines: bool = False) -> str | None:
    """Why `text` cannot be stored as a name or one line of text (or, with `lines`, as free
    text of several lines), naming its first hidden character; None when every character is
    visible text or a plain space."""
    if text.isascii() and text.isprintable():
        return None  # the usual case, answered without looking at each character
    for character in text:
        if lines and character in MULTILINE:
            continue
        category = unicodedata.category(character)
        kind = HIDDEN_CATEGORIES.get(category)
        if kind is None and character in INVISIBLE:
            kind = "a character that shows as nothing"
        if kind is None:
            continue
        name = unicodedata.name(character, "")
        code = f"U+{ord(character):04X}" + (f" {name}" if name else "")
        if not lines and (character in LINE_BREAKS or category in ("Zl", "Zp")):
            return f"Use one line of text, without tabs or line breaks (found {code})."
        return f"Contains {kind} ({code}): use letters, digits, spaces and punctuation only."
    return None


def hidden_character_refusal(text: str, *, lines: bool = False) -> str | None:
    """The sentence a person is shown when `text` hides a character (forms and services
    alike); None when it does not."""
    problem = hidden_character_problem(text, lines=lines)
    return f"{problem[:1].upper()}{problem[1:]}: type it again." if problem else None
