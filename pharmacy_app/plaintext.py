"""What a name or one line of text may not hold: characters that are not text a person typed
but instructions to the screen, or nothing visible at all.

Refused: control characters (Cc: NUL, tabs, line breaks, terminal escapes), format characters
(Cf: bidirectional overrides and isolates, zero-width spaces and joiners, soft hyphens),
private-use characters (Co), unpaired surrogates (Cs), and the line and paragraph separators
(Zl, Zp). A right-to-left override turns "Ann Lee" on a label into something else, and a
zero-width space makes a second patient record that looks like the first. Plain spaces,
accents, apostrophes and every script's letters (CJK, Greek, Cyrillic...) are fine.
"""

from __future__ import annotations

import unicodedata

HIDDEN_CATEGORIES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Co": "a private-use character",
    "Cs": "an unpaired surrogate",
    "Zl": "a line separator",
    "Zp": "a paragraph separator",
}

LINE_BREAKS = frozenset("\t\n\v\f\r\x1c\x1d\x1e\x85")


def hidden_character_problem(text: str) -> str | None:
    """Why `text` cannot be stored as a name or one line of text, naming its first hidden
    character; None when every character is visible text or a plain space."""
    for character in text:
        category = unicodedata.category(character)
        kind = HIDDEN_CATEGORIES.get(category)
        if kind is None:
            continue
        name = unicodedata.name(character, "")
        code = f"U+{ord(character):04X}" + (f" {name}" if name else "")
        if character in LINE_BREAKS or category in ("Zl", "Zp"):
            return f"Use one line of text, without tabs or line breaks (found {code})."
        return f"Contains {kind} ({code}): use letters, digits, spaces and punctuation only."
    return None
