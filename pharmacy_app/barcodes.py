"""What the pharmacy's barcodes say and how a scan is read: the fill code on every patient label
(Rx number and fill number), the batch number on the filled container, and Code 128 drawn
as one SVG path (encoded by python-barcode).

A fill code is the Rx number, "-F" and the fill number in at least two digits:
`100001-F02` is fill 2 (refill 1) of RX-100001. The Rx number's "RX-" prefix is left out,
so that its digits are encoded in pairs (Code 128's set C) and the bars stay as wide as the
bare Rx number's were (33 mm at 0.25 mm a module, where "RX-100001-F02" takes 47 mm and no
longer fits beside the text of a 3 x 2 in label); an Rx number of another form is kept
whole. The code is split at its last "-F", so it stays unambiguous whatever the Rx number,
and it holds only characters every keyboard-wedge scanner types the same on any layout.

Pharmacy scanners act as keyboards: a scan arrives as text followed by Enter (or Tab), and
a scanner may be set to add a prefix or suffix (CR, LF, Tab, an AIM symbology identifier such
as "]C0" for Code 128). `clean_scan` removes them, and codes are compared without regard to
case (a scanner with Caps Lock on, or a code typed by hand, sends lower case)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import barcode
from markupsafe import Markup

MODULE_MM = 0.25  # bar module width: 2 dots at 203 dpi, 3 at 300 dpi
BAR_HEIGHT_MM = 6.0
QUIET_MODULES = 10  # the quiet zone Code 128 asks for on each side
CODE_CHARACTERS = re.compile(r"[A-Z0-9-]{1,30}")
FILL_SEPARATOR = "-F"
RX_PREFIX = "RX-"  # the prefix of the Rx numbers the app gives (orders.services.RX_PREFIX)
# An AIM symbology identifier a scanner may be set to send first: "]" and two characters
# (ISO/IEC 15424: "]C0" Code 128, "]d2" DataMatrix).
_AIM_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class FillCode:
    """A fill as its label's barcode names it."""

    rx_number: str
    fill_number: int

    @property
    def text(self) -> str:
        return fill_code(self.rx_number, self.fill_number)


def fill_code(rx_number: str, fill_number: int) -> str:
    """The payload of a fill's label barcode: `100001-F02` for fill 2 of RX-100001."""
    rx = rx_number.upper()
    digits = rx.removeprefix(RX_PREFIX)
    return f"{digits if digits.isdigit() else rx}{FILL_SEPARATOR}{fill_number:02d}"


def clean_scan(scanned: str) -> str:
    """What a scanner (or a person) typed, without the Enter, Tab, spaces, control
    characters or AIM prefix around it, in upper case."""
    text = _CONTROL.sub("", scanned or "").strip()
    return _AIM_PREFIX.sub("", text).strip().upper()


def parse_fill_code(scanned: str) -> FillCode | None:
    """The fill a scanned label names, or None when the scan is not a fill code (a batch
    number, a bare Rx number, a stray keystroke)."""
    text = clean_scan(scanned)
    rx_number, separator, number = text.rpartition(FILL_SEPARATOR)
    if (
        not separator
        or not rx_number
        or not CODE_CHARACTERS.fullmatch(rx_number)
        or not re.fullmatch(r"[0-9]{2,3}", number)
        or int(number) == 0
    ):
        return None
    if rx_number.isdigit():
        rx_number = RX_PREFIX + rx_number
    return FillCode(rx_number, int(number))


def same_code(scanned: str, expected: str) -> bool:
    """Whether a scan is the code expected (case, spaces and scanner additions aside)."""
    return bool(expected) and clean_scan(scanned) == clean_scan(expected)


def code128_svg(payload: str) -> Markup:
    """Code 128 of `payload`, drawn as one SVG path: one element a label instead of one per
    bar keeps a batch of 100 labels fast to lay out."""
    if not CODE_CHARACTERS.fullmatch(payload):
        raise ValueError("not a code this pharmacy prints")
    modules = barcode.get("code128", payload).build()[0]
    bars, x = [], QUIET_MODULES
    for run in re.finditer(r"1+|0+", modules):
        if run.group()[0] == "1":
            bars.append(f"M{x} 0h{len(run.group())}v1h-{len(run.group())}z")
        x += len(run.group())
    width = x + QUIET_MODULES
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * MODULE_MM:.2f}mm" '
        f'height="{BAR_HEIGHT_MM}mm" viewBox="0 0 {width} 1" preserveAspectRatio="none" '
        f'role="img" aria-label="Barcode {payload}"><path d="{"".join(bars)}"/></svg>'
    )
