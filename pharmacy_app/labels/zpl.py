"""Labels as ZPL, for Zebra thermal printers: the same text and barcode as the PDF
(templates/labels/_label.html), laid out in the dots of the stock's printer.

One format (`^XA` ... `^XZ`) a label, sized to the roll's label (`^PW`, `^LL`) at its 203 or
300 dpi. The layout follows the PDF's: the fill code's Code 128 at the top right with its
text, the Rx number and the filled date below it; the patient's name and the drug with its
strength and form beside it; then the directions, the auxiliary warnings, the detail line,
the fine print and the pharmacy's line across the label. Each item is a field block whose
lines are broken here (zpl_text.py), so nothing runs past the label's width or over the next
item.

Type sizes are in points converted to dots as pt x dpi / 72, rounded up: 12 pt is 34 dots at
203 dpi and 50 at 300 dpi (font 0's height is its em, as a point size is). The patient, the
drug and the directions are printed at 12 pt (16 CCR 1707.5; USP <17> asks 11 pt for a sans
serif) and never smaller; the auxiliary warnings at 8 pt; the rest at the largest of 8 to 4
pt that lets the label fit. A label that does not fit even so is refused, never cut."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..barcodes import BAR_HEIGHT_MM, CODE_CHARACTERS, MODULE_MM, QUIET_MODULES
from ..workflow import WorkflowError
from .models import LabelStock
from .rendering import units_kept
from .zpl_text import LINE_BREAK, NO_BREAK, field_data, plain, refuse_unprintable, wrapped

CRITICAL_PT = 12
AUXILIARY_PT = 8
# The rest, largest first, down to the PDF's smallest fine print (4 pt: 12 dots at 203 dpi,
# a capital about 8 dots tall, still read on a thermal print; labels/fitting.py).
SMALL_PT = (8, 7, 6, 5, 4)
LEADING = Decimal("0.25")  # line spacing, of the type size (USP <17>: 25-30%)
ITEM_GAP = Decimal("0.3")  # space between items, of the smaller one's type size
SEPARATOR = NO_BREAK + "· "
NARROWEST_BESIDE = Decimal("0.3")  # of the label's width, for the text beside the barcode


class LabelDoesNotFit(WorkflowError):
    """A label whose content does not fit its stock with its critical items at 12 pt."""


def dots(pt: int, dpi: int) -> int:
    """A type size in points as a ZPL character height in dots (pt x dpi / 72, rounded up)."""
    return math.ceil(pt * dpi / 72)


@dataclass(frozen=True, slots=True)
class Page:
    """A roll's label in dots at its printer's resolution: its size and the area inside its
    padding, moved by the printer's nudge (and kept on the label)."""

    name: str
    dpi: int
    width: int
    length: int
    left: int
    right: int
    top: int
    bottom: int

    @classmethod
    def of(cls, stock: LabelStock) -> Page:
        if stock.is_sheet:
            raise WorkflowError(
                f"{stock.name} is a laser sheet: ZPL is for a thermal roll's Zebra printer. "
                "Print this stock as PDF (Print label), or choose a roll stock."
            )
        per_mm = Decimal(stock.dpi) / Decimal("25.4")

        def mm(value: Decimal) -> int:
            return int((Decimal(value) * per_mm).to_integral_value())

        width, length = mm(stock.label_width_mm), mm(stock.label_height_mm)
        padding, dx, dy = mm(stock.padding_mm), mm(stock.offset_x_mm), mm(stock.offset_y_mm)
        return cls(
            name=stock.name,
            dpi=stock.dpi,
            width=width,
            length=length,
            left=max(0, padding + dx),
            right=min(width, width - padding + dx),
            top=max(0, padding + dy),
            bottom=min(length, length - padding + dy),
        )

    def dots_of(self, mm: float | Decimal) -> int:
        return round(float(mm) * self.dpi / 25.4)


@dataclass(frozen=True, slots=True)
class Block:
    """A field block: lines of text at one height, at (x, y), within `width` dots."""

    x: int
    y: int
    width: int
    height: int
    lines: tuple[str, ...]

    @property
    def spacing(self) -> int:
        return math.ceil(self.height * LEADING)

    @property
    def bottom(self) -> int:
        return self.y + len(self.lines) * (self.height + self.spacing) - self.spacing

    def zpl(self) -> str:
        text = LINE_BREAK.join(field_data(line) for line in self.lines)
        return (
            f"^FO{self.x},{self.y}^A0N,{self.height},{self.height}"
            f"^FB{self.width},{len(self.lines)},{self.spacing},L,0^FH^FD{text}^FS"
        )


@dataclass(frozen=True, slots=True)
class Barcode:
    """The fill code's Code 128, without the printer's interpretation line (its text is a
    block below it, as on the PDF)."""

    x: int
    y: int
    module: int
    height: int
    payload: str

    @staticmethod
    def widest_modules(payload: str) -> int:
        # Every character in code set B, the widest encoding the printer's automatic mode can
        # choose: start, data, check character (11 modules each) and stop (13).
        return 11 * (len(payload) + 2) + 13

    @property
    def bottom(self) -> int:
        return self.y + self.height

    def zpl(self) -> str:
        # Automatic mode (A) packs the Rx number's digits in pairs (code set C), as the PDF's
        # barcode does; the payload is only A-Z, 0-9 and "-" (barcodes.CODE_CHARACTERS).
        return (
            f"^FO{self.x},{self.y}^BY{self.module},2,{self.height}"
            f"^BCN,{self.height},N,N,N,A^FD{self.payload}^FS"
        )


def render_zpl(labels: list[dict[str, Any]], stock: LabelStock) -> str:
    """The ZPL of every label on this roll stock, in the order given: one format each."""
    page = Page.of(stock)
    return "".join(label_zpl(values, page) for values in labels)


def label_zpl(values: dict[str, Any], page: Page) -> str:
    """One label's format, with the rest of its text at the largest size that fits."""
    for key, value in values.items():
        for text in _texts(value):
            refuse_unprintable(text, f"label's {key.replace('_', ' ')}")
    for small in SMALL_PT:
        items = laid_out(values, page, dots(small, page.dpi))
        if max(item.bottom for item in items) <= page.bottom:
            return (
                f"^XA^CI28^PW{page.width}^LL{page.length}^LH0,0"
                + "".join(item.zpl() for item in items)
                + "^XZ"
            )
    raise LabelDoesNotFit(
        f"The label for {values.get('rx_number', 'this order')} does not fit {page.name} as ZPL "
        f"with its patient, drug and directions at {CRITICAL_PT} pt: choose a larger label "
        "stock."
    )


def laid_out(values: dict[str, Any], page: Page, small: int) -> list[Block | Barcode]:
    """The label's barcode and blocks, in the PDF's order, the secondary text `small` dots
    high."""
    critical = dots(CRITICAL_PT, page.dpi)
    width = page.right - page.left
    payload = _text(values, "fill_code")
    if not CODE_CHARACTERS.fullmatch(payload):
        raise WorkflowError(f"“{payload[:40]}” is not a fill code this pharmacy prints.")
    module = max(1, page.dots_of(MODULE_MM))
    code_width = Barcode.widest_modules(payload) * module
    if code_width > width:
        raise LabelDoesNotFit(f"{page.name} is too narrow for the label's barcode.")
    code_x = page.right - code_width
    items: list[Block | Barcode] = [
        Barcode(code_x, page.top, module, page.dots_of(BAR_HEIGHT_MM), payload)
    ]
    code = Column(code_x, code_width, 0, code_width)
    y = items[0].bottom + _gap(small)
    for text in (
        payload,
        _text(values, "rx_number"),
        _joined("Filled ", values, "date_filled"),
    ):
        y = code.add(items, text, y, small)
    code_bottom = y
    # Beside the barcode, leaving it its quiet zone; below it, across the label.
    beside = Column(page.left, code_x - QUIET_MODULES * module - page.left, code_bottom, width)
    if beside.narrow < width * NARROWEST_BESIDE:
        beside = Column(page.left, width, code_bottom, width)
    y = page.top
    drug = " ".join(t for t in (units_kept(_text(values, "drug")), _text(values, "form")) if t)
    for text in (_text(values, "patient"), drug):
        y = beside.add(items, text, y, critical)
    across = Column(page.left, width, 0, width)
    directions = units_kept(_text(values, "directions"))
    y = across.add(items, directions, max(y, code_bottom), critical)
    # The critical block's last item, when prescribed: its purpose.
    y = across.add(items, _text(values, "purpose"), y, critical)
    for warning in _texts(values.get("auxiliary")):
        y = across.add(items, warning, y, max(small, dots(AUXILIARY_PT, page.dpi)))
    for text in (_detail_line(values), _fine_print(values), _pharmacy_line(values)):
        y = across.add(items, text, y, small)
    return items


@dataclass(frozen=True, slots=True)
class Column:
    """Where text goes: from `x`, `narrow` dots wide above `until` (beside the barcode), then
    `wide`."""

    x: int
    narrow: int
    until: int
    wide: int

    def add(self, items: list[Block | Barcode], text: str, y: int, height: int) -> int:
        """Add `text` at y as a block (two when it runs from beside the barcode to below it;
        none when it is empty), and say where the next item goes."""
        if not text:
            return y
        pitch = height + math.ceil(height * LEADING)
        beside = max(0, min(-(-(self.until - y) // pitch), 99))  # lines that start above it
        lines = wrapped(text, height, [self.narrow] * beside + [self.wide])
        for count, width in ((beside, self.narrow), (len(lines) - beside, self.wide)):
            if count > 0 and lines:
                block = Block(self.x, y, width, height, tuple(lines[:count]))
                items.append(block)
                lines, y = lines[count:], block.bottom + (pitch - height)
        return y - (pitch - height) + _gap(height)


def _gap(height: int) -> int:
    return math.ceil(height * ITEM_GAP)


def _detail_line(values: dict[str, Any]) -> str:
    """Discard date, storage, quantity, refills, prescriber and batch, as on the PDF: each
    fact keeps its words together, and a separator stays at the end of its line."""
    return SEPARATOR.join(
        part
        for part in (
            _joined("Discard after ", values, "discard_after", together=True),
            _text(values, "storage"),
            _joined("Qty ", values, "quantity", together=True),
            _joined("Refills: ", values, "refills", together=True),
            _joined("Prescriber: ", values, "prescriber"),
            _joined("Batch ", values, "batch", together=True),
            _joined("Looks like: ", values, "description"),
        )
        if part
    )


def _fine_print(values: dict[str, Any]) -> str:
    return " ".join(
        text for key in ("compounded", "warnings", "caution") for text in _texts(values.get(key))
    )


def _pharmacy_line(values: dict[str, Any]) -> str:
    return SEPARATOR.join(_texts(values.get("pharmacy")))


def _joined(prefix: str, values: dict[str, Any], key: str, together: bool = False) -> str:
    text = _text(values, key)
    joined = prefix + text if text else ""
    return joined.replace(" ", NO_BREAK) if together else joined


def _text(values: dict[str, Any], key: str) -> str:
    return " ".join(_texts(values.get(key)))


def _texts(value: Any) -> list[str]:
    """A label value as the texts it prints: none for None or "", one for a string or a
    number, each part of a list, a tuple or a dict's values (the pharmacy's name, address and
    phone), in order."""
    if value is None:
        return []
    if isinstance(value, dict):
        return _texts(list(value.values()))
    if isinstance(value, Iterable) and not isinstance(value, str):
        return [text for part in value for text in _texts(part)]
    text = plain(str(value))
    return [text] if text else []
