"""Labels to PDF: one template for rolls and sheets, a Code 128 barcode made by
python-barcode, and text that shrinks to fit instead of spilling or being cut.

Fit: each label gets a type scale from an estimate of how much of the label its text fills;
the laid-out document is then checked (a roll label that overflows shows as an extra page) and
any label that does not fit is shrunk step by step. A label that cannot fit even at the
smallest readable size is refused, never cut."""

from __future__ import annotations

import io
import math
import re
from decimal import Decimal
from typing import Any

import barcode
from barcode.writer import SVGWriter
from flask import render_template
from markupsafe import Markup

from ..orders.services import WorkflowError
from ..pdf import layout
from .models import LabelStock

SMALLEST_SCALE = 0.55  # 10 pt names and 7 pt text at full scale; 5.5 pt x 0.55 stays legible
STEP = 0.88
# Share of the text area each character takes at full scale (mm², by text role), with room
# for wrapping; calibrated on rendered labels (tests/labels).
CHAR_AREA = {"name": 9.0, "directions": 6.0, "body": 3.6, "fine": 2.2}
FIXED_MM = 16.0  # height of the pharmacy line and barcode row


def barcode_svg(rx_number: str) -> Markup:
    """Code 128 of the Rx number, as inline SVG (scanners read Code 128)."""
    if not re.fullmatch(r"[A-Z0-9-]{1,20}", rx_number):
        raise ValueError("not an Rx number")
    out = io.BytesIO()
    barcode.get("code128", rx_number, writer=SVGWriter()).write(
        out,
        options={
            "module_height": 6.0,
            "module_width": 0.25,
            "quiet_zone": 2.5,
            "write_text": False,
        },
    )
    svg = out.getvalue().decode()
    return Markup(svg[svg.index("<svg") :])  # the library's own markup, from a checked value


def render_labels(labels: list[dict[str, Any]], stock: LabelStock) -> bytes:
    """One PDF with every label, in the order given."""
    scales = [_estimated_scale(values, stock) for values in labels]
    if stock.is_sheet:
        scales = [
            scale
            if scale >= 0.999 and _usage(values, stock) < 0.75
            else _fitted_scale(values, stock, scale)
            for values, scale in zip(labels, scales, strict=True)
        ]
        return bytes(layout(_html(labels, stock, scales)).write_pdf())
    document = layout(_html(labels, stock, scales))
    if len(document.pages) != len(labels):
        scales = [
            _fitted_scale(values, stock, scale)
            for values, scale in zip(labels, scales, strict=True)
        ]
        document = layout(_html(labels, stock, scales))
    return bytes(document.write_pdf())


def render_calibration(stock: LabelStock) -> bytes:
    """A page with every label's outline and centre cross, to check alignment."""
    return bytes(
        layout(
            render_template(
                "labels/calibration.html", stock=stock, boxes=_boxes(stock, stock.per_page)
            )
        ).write_pdf()
    )


def _html(
    labels: list[dict[str, Any]], stock: LabelStock, scales: list[float], as_roll: bool = False
) -> str:
    items = [
        {**values, "scale": scale, "barcode": barcode_svg(values["rx_number"])}
        for values, scale in zip(labels, scales, strict=True)
    ]
    sheet = stock.is_sheet and not as_roll
    pages = (
        [items[i : i + stock.per_page] for i in range(0, len(items), stock.per_page)]
        if sheet
        else [[item] for item in items]
    )
    return render_template(
        "labels/labels.html",
        stock=stock,
        sheet=sheet,
        pages=pages,
        boxes=_boxes(stock, stock.per_page) if sheet else None,
    )


def _fitted_scale(values: dict[str, Any], stock: LabelStock, start: float) -> float:
    scale = min(start, 1.0)
    while scale >= SMALLEST_SCALE:
        if len(layout(_html([values], stock, [scale], as_roll=True)).pages) == 1:
            return scale
        scale *= STEP
    raise WorkflowError(
        f"The label for {values['rx_number']} does not fit {stock.name} even "
        "in the smallest readable type: choose a larger label stock."
    )


def _usage(values: dict[str, Any], stock: LabelStock) -> float:
    width = float(stock.label_width_mm - 2 * stock.padding_mm)
    height = float(stock.label_height_mm - 2 * stock.padding_mm) - FIXED_MM
    body = " ".join(
        str(values[k])
        for k in ("drug", "form", "quantity", "prescriber", "storage", "batch", "discard_after")
    )
    fine = " ".join([values["compounded"], *values["warnings"], values["caution"]])
    need = (
        len(values["patient"]) * CHAR_AREA["name"]
        + len(values["directions"]) * CHAR_AREA["directions"]
        + (len(body) + 60) * CHAR_AREA["body"]
        + len(fine) * CHAR_AREA["fine"]
    )
    return need / max(width * height, 1.0)


def _estimated_scale(values: dict[str, Any], stock: LabelStock) -> float:
    usage = _usage(values, stock)
    return 1.0 if usage <= 1 else max(SMALLEST_SCALE, math.sqrt(1 / usage))


def _boxes(stock: LabelStock, count: int) -> list[dict[str, Decimal]]:
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
