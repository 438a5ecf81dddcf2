"""Text for ZPL: what the printer's resident font prints, how wide it prints it, lines broken
to a width, and field data escaped so that no text can end a field or start a command.

The label is printed in the Zebra printer's resident scalable font, font 0 (`^A0`, CG
Triumvirate Bold Condensed), with UTF-8 field data (`^CI28`). Lines are broken here, not by
the printer, from the font's advance widths: a field block (`^FB`) is told exactly how many
lines it has, so nothing below it is overprinted and a label's height is known before it is
sent."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from ..workflow import WorkflowError

# Advance widths of font 0 in 32nds of the character height (`^A0N,h,h`), for the printable
# ASCII characters from the space (0x20) to "~" (0x7E): measured on the ZD621 203 dpi profile
# of the zpl renderer (zplkit 0.3.2), ten of each character between two I's. A character
# outside ASCII is as wide as its base letter ("é" as "e"); any other is given a full em.
_ASCII_WIDTHS = (
    "9 9 15 15 15 29 20 9 9 9 15 29 9 29 9 9 15 15 15 15 15 15 15 15 15 15 9 9 32 29 32 14 "
    "29 18 18 17 19 16 16 19 20 9 14 18 15 24 20 18 18 18 19 17 16 20 17 26 18 18 16 9 15 9 "
    "16 16 9 15 16 14 16 15 9 16 16 8 8 14 8 24 16 15 16 16 11 14 9 16 14 21 14 14 12 16 16 "
    "16 32"
)
WIDTH_32NDS = {chr(0x20 + i): int(w) for i, w in enumerate(_ASCII_WIDTHS.split())}
FULL_EM = 32
# What font 0 prints with ^CI28, as assumed here: ASCII, the Latin-1 supplement and Latin
# Extended-A (the Western and Central European letters of the ^CI code pages), and common
# punctuation. CJK, Cyrillic, Greek, Arabic or Vietnamese letters need a font downloaded to
# the printer, which is not assumed: such a label is refused on ZPL and printed as PDF.
PRINTABLE_RANGES = ((0x20, 0x7E), (0xA0, 0x17F))
PRINTABLE_EXTRA = frozenset("–—‘’‚“”„•…€")
PDF_INSTEAD = (
    "print this label as PDF (Print label), which has fonts for every script, or download a "
    "font for it to the printer"
)


def printable(character: str) -> bool:
    """Whether font 0 prints this character (see PRINTABLE_RANGES)."""
    code = ord(character)
    return character in PRINTABLE_EXTRA or any(a <= code <= b for a, b in PRINTABLE_RANGES)


def refuse_unprintable(text: str, what: str) -> None:
    """A WorkflowError naming the first character the printer's font cannot print."""
    for character in text:
        if not printable(character) and not _blank(character):
            raise WorkflowError(
                f"The {what} has “{character}”, which the Zebra printer's resident font (^A0) "
                f"cannot print: {PDF_INSTEAD}."
            )


def char_width(character: str, height: int) -> int:
    """A character's advance in dots at `height` dots, rounded up (never narrower than the
    printer's)."""
    units = WIDTH_32NDS.get(" " if character == NO_BREAK else character)
    if units is None:
        base = unicodedata.normalize("NFD", character)[:1]
        units = WIDTH_32NDS.get(base, FULL_EM) if base != character else FULL_EM
    return math.ceil(units * height / 32)


def text_width(text: str, height: int) -> int:
    return sum(char_width(c, height) for c in text)


def plain(text: str) -> str:
    """Text as one line of words: control characters and runs of white space become one
    space; a no-break space (an amount and its unit, "4.5 mg") stays one, keeping its words on
    one line."""
    kept = "".join(NO_BREAK if c in KEPT_TOGETHER else " " if _blank(c) else c for c in text)
    return " ".join(word for word in kept.split(" ") if word)


def wrapped(text: str, height: int, widths: Sequence[int]) -> list[str]:
    """`text` broken into lines at `height` dots, line i at most `widths[i]` dots wide (the
    last width for every line after), at spaces where it can be, else inside a word too long
    for its line (a long name is never cut off)."""
    lines: list[str] = []

    def room() -> int:
        return widths[min(len(lines), len(widths) - 1)]

    line = ""
    for word in plain(text).split(" "):
        trial = f"{line} {word}" if line else word
        if text_width(trial, height) <= room():
            line = trial
            continue
        if line:
            lines.append(line)
        line = word
        while text_width(line, height) > room():
            cut = _longest_fitting(line, height, room())
            lines.append(line[:cut])
            line = line[cut:]
    if line or not lines:
        lines.append(line)
    return lines


def _longest_fitting(word: str, height: int, width: int) -> int:
    used = 0
    for index, character in enumerate(word):
        used += char_width(character, height)
        if used > width:
            return max(index, 1)
    return len(word)


def field_data(text: str) -> str:
    """Text as a field's data, for a field with ^FH (hex escapes, `_`) in a field block:
    `^`, `~` and `_` as hex (they would start a command or an escape), a backslash doubled
    (a field block's escape), a no-break space as a space (the line is already broken),
    anything else as it is (UTF-8 under ^CI28)."""
    return "".join(_ESCAPES.get(c, c) for c in text)


NO_BREAK = "\u00a0"
KEPT_TOGETHER = frozenset("\u00a0\u202f\u2007")  # no-break spaces: narrow, figure
_ESCAPES = {"^": "_5E", "~": "_7E", "_": "_5F", "\\": "\\\\", NO_BREAK: " "}
LINE_BREAK = "\\&"  # a new line in a field block


def _blank(character: str) -> bool:
    return character.isspace() or unicodedata.category(character) in ("Cc", "Cf", "Zl", "Zp")
