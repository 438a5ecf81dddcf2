"""Labels to PDF: one template for rolls and sheets, a Code 128 barcode of the fill code
(`barcodes.py`: Rx number and fill number), and text that shrinks to fit instead of
spilling or being cut (`fitting.py`).

Every label is laid out at full scale first; only the labels that run past their label are
searched for the largest scale that fits. On a roll each label is a page, so the pages found
by the search go straight into the PDF; on a sheet, the sheet is laid out again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app

from ..barcodes import code128_svg
from ..pdf import layout, plain_values
from .fitting import PX_PER_MM, Piece, joined, largest_fitting, lay_out_all, overflowing, parts
from .models import LabelStock

# Body text at full scale, in points; the template sizes every part from it: the patient's
# name, drug and strength and directions 1.6 em (11 pt, the size USP <17> gives for a sans
# serif), the fine print 0.85 em (5.9 pt). As large as lets a typical capsule label fit a
# 4 x 2 in label (roll or Avery 5163) at full scale; a 3 x 2 in roll scales it down a little.
BASE_PT = 6.9
UNIT_AFTER_NUMBER = re.compile(r"(?<=\d) (?=(?:mg|mL|g|capsules?|drops?|days?|weeks?)\b)")


@dataclass(frozen=True, slots=True)
class StockLayout:
    """A label stock's geometry as plain values: what the label templates lay out with (never
    the live stock row)."""

    name: str
    label_width_mm: Decimal
    label_height_mm: Decimal
    page_size_mm: tuple[Decimal, Decimal]
    padding_mm: Decimal
    offset_x_mm: Decimal
    offset_y_mm: Decimal
    margin_top_mm: Decimal
    margin_left_mm: Decimal
    gap_x_mm: Decimal
    gap_y_mm: Decimal
    columns: int
    is_sheet: bool
    per_page: int
    first_position: int

    @classmethod
    def of(cls, stock: LabelStock) -> StockLayout:
        return plain_values(cls, stock)


def render_labels(labels: list[dict[str, Any]], stock: LabelStock) -> bytes:
    """One PDF with every label, in the order given."""
    geometry = StockLayout.of(stock)
    if geometry.is_sheet:
        return _render_sheets(labels, geometry)
    return _render_roll(labels, geometry)


def _render_roll(labels: list[dict[str, Any]], stock: StockLayout) -> bytes:
    """A page a label; a big batch is laid out in parts on every core."""
    chunks = parts(len(labels))
    pieces = lay_out_all(
        [(_html(labels[a:b], stock, [1.0] * (b - a)), b - a) for a, b in chunks],
        _text_height_px(stock, in_boxes=False),
        in_boxes=False,
        write="fitting",  # a label that runs over is replaced by its fitted page
    )
    pages: list[tuple[Piece, int]] = []
    needed: dict[int, float] = {}
    for (a, _b), piece in zip(chunks, pieces, strict=True):
        pages += [(piece, number) for number in piece.first_pages]
        needed |= {a + index: share for index, share in piece.needed.items()}
    for index, (_scale, piece, number) in zip(needed, _fitted(labels, stock, needed), strict=True):
        pages[index] = (piece, number)
    return joined(pages)


def _render_sheets(labels: list[dict[str, Any]], stock: StockLayout) -> bytes:
    """Labels in their boxes, sheet by sheet; a label that runs below its box is fitted and
    the sheets laid out again."""
    scales = [1.0] * len(labels)
    document = layout(_html(labels, stock, scales))
    needed = overflowing(document, _text_height_px(stock, in_boxes=True), len(labels), True)
    if needed:
        for index, (scale, _piece, _page) in zip(
            needed, _fitted(labels, stock, needed), strict=True
        ):
            scales[index] = scale
        document = layout(_html(labels, stock, scales))
    return bytes(document.write_pdf())


def _fitted(
    labels: list[dict[str, Any]], stock: StockLayout, needed: dict[int, float]
) -> list[tuple[float, Piece, int]]:
    if not needed:
        return []
    return largest_fitting(
        [labels[index] for index in needed],
        list(needed.values()),
        lambda trial, scales: _html(trial, stock, scales, as_roll=True),
        _text_height_px(stock, in_boxes=False),
        stock.name,
        pages_wanted=not stock.is_sheet,
    )


def _text_height_px(stock: StockLayout, in_boxes: bool) -> float:
    """How tall a label's text may be. On a roll the page margins are the padding and the
    label starts at the top margin; in a box on a sheet the label fills the box, padding
    inside, and its text may reach the box's height less the bottom padding."""
    padding = stock.padding_mm if in_boxes else 2 * stock.padding_mm
    return float(stock.label_height_mm - padding) * PX_PER_MM


def render_calibration(stock: LabelStock) -> bytes:
    """A page with every label's outline and centre cross, to check alignment."""
    geometry = StockLayout.of(stock)
    return bytes(
        layout(
            _template(
                "labels/calibration.html",
                stock=geometry,
                boxes=_boxes(geometry, geometry.per_page),
            )
        ).write_pdf()
    )


def _html(
    labels: list[dict[str, Any]],
    stock: StockLayout,
    scales: list[float],
    as_roll: bool = False,
) -> str:
    items = [
        {
            **values,
            "index": index,
            "font_pt": BASE_PT * scale,
            "drug": units_kept(values["drug"]),
            "directions": units_kept(values["directions"]),
            "barcode": code128_svg(values["fill_code"]),
        }
        for index, (values, scale) in enumerate(zip(labels, scales, strict=True))
    ]
    sheet = stock.is_sheet and not as_roll
    pages = (
        [items[i : i + stock.per_page] for i in range(0, len(items), stock.per_page)]
        if sheet
        else [[item] for item in items]
    )
    return _template(
        "labels/labels.html",
        stock=stock,
        sheet=sheet,
        pages=pages,
        boxes=_boxes(stock, stock.per_page) if sheet else None,
    )


def units_kept(text: str) -> str:
    """An amount stays on one line with its unit ("4.5 mg", not "4.5" and "mg" apart)."""
    return UNIT_AFTER_NUMBER.sub("\u00a0", text)


def _template(name: str, **context: Any) -> str:
    """Labels carry all their values: render without the pages' context (no database)."""
    return current_app.jinja_env.get_template(name).render(**context)


def _boxes(stock: StockLayout, count: int) -> list[dict[str, Decimal]]:
    """Top-left corners of the labels on a sheet, row by row, with the printer offset."""
    boxes = []
    for index in range(count):
        row, column = divmod(index, stock.columns)
        boxes.append(
            {
                "left": stock.margin_left_mm
                + column * (stock.label_width_mm + stock.gap_x_mm)
                + stock.offset_x_mm,
                "top": stock.margin_top_mm
                + row * (stock.label_height_mm + stock.gap_y_mm)
                + stock.offset_y_mm,
            }
        )
    return boxes
