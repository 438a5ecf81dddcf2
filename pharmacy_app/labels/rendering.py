"""Labels to PDF: one template for rolls and sheets, a Code 128 barcode made by
python-barcode, and text that shrinks to fit instead of spilling or being cut.

Fit: each label gets a type scale from an estimate of how much of the label its text fills;
the laid-out document is then checked (a roll label that overflows shows as an extra page) and
any label that does not fit is shrunk step by step. A label that cannot fit even at the
smallest readable size is refused, never cut."""

from __future__ import annotations

import io
import math
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import barcode
from flask import current_app
from markupsafe import Markup
from pypdf import PdfReader, PdfWriter

from ..orders.services import WorkflowError
from ..pdf import layout, static_folder
from .models import LabelStock

PARALLEL_FROM = 24  # labels in a roll batch from which the layout is shared across cores
SMALLEST_SCALE = 0.55  # 10 pt names and 7 pt text at full scale; 5.5 pt x 0.55 stays legible
STEP = 0.88
# Share of the text area each character takes at full scale (mm², by text role), with room
# for wrapping; calibrated on rendered labels (tests/labels).
CHAR_AREA = {"name": 14.0, "directions": 10.0, "body": 6.0, "fine": 3.6}
FIXED_MM = 16.0  # height of the pharmacy line and barcode row


MODULE_MM = 0.25  # bar module width: 2 dots at 203 dpi, 3 at 300 dpi
BAR_HEIGHT_MM = 6.0
QUIET_MODULES = 10  # the quiet zone Code 128 asks for on each side


def barcode_svg(rx_number: str) -> Markup:
    """Code 128 of the Rx number (encoded by python-barcode), drawn as one SVG path: one
    element a label instead of one per bar keeps a batch of 100 labels fast to lay out."""
    if not re.fullmatch(r"[A-Z0-9-]{1,20}", rx_number):
        raise ValueError("not an Rx number")
    modules = barcode.get("code128", rx_number).build()[0]
    bars, x = [], QUIET_MODULES
    for run in re.finditer(r"1+|0+", modules):
        if run.group()[0] == "1":
            bars.append(f"M{x} 0h{len(run.group())}v1h-{len(run.group())}z")
        x += len(run.group())
    width = x + QUIET_MODULES
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * MODULE_MM:.2f}mm" '
        f'height="{BAR_HEIGHT_MM}mm" viewBox="0 0 {width} 1" preserveAspectRatio="none" '
        f'role="img" aria-label="Barcode {rx_number}"><path d="{"".join(bars)}"/></svg>'
    )


def render_labels(labels: list[dict[str, Any]], stock: LabelStock) -> bytes:
    """One PDF with every label, in the order given."""
    scales = [_estimated_scale(values, stock) for values in labels]
    if stock.is_sheet:
        # Labels sit in fixed boxes on a sheet: check the ones the estimate finds tight.
        scales = [
            scale
            if scale >= 0.999 and _usage(values, stock) < 0.75
            else _fitted_scale(values, stock, scale)
            for values, scale in zip(labels, scales, strict=True)
        ]
        return bytes(layout(_html(labels, stock, scales)).write_pdf())
    if len(labels) >= PARALLEL_FROM and (os.cpu_count() or 1) > 1:
        return _render_roll_in_parallel(labels, stock, scales)
    return _render_roll(labels, stock, scales)


def _render_roll(labels: list[dict[str, Any]], stock: LabelStock, scales: list[float]) -> bytes:
    document = layout(_html(labels, stock, scales))
    overflowing = _overflowing(document, len(labels))
    if overflowing:
        for index in overflowing:
            scales[index] = _fitted_scale(labels[index], stock, scales[index] * STEP)
        document = layout(_html(labels, stock, scales))
    return bytes(document.write_pdf())


def _render_roll_in_parallel(
    labels: list[dict[str, Any]], stock: LabelStock, scales: list[float]
) -> bytes:
    """A big roll batch laid out in parts on every core (WeasyPrint's layout is pure Python,
    so threads would not help), then joined in order with pypdf."""
    parts = min(os.cpu_count() or 1, 4)
    size = -(-len(labels) // parts)
    chunks = [(start, min(start + size, len(labels))) for start in range(0, len(labels), size)]
    htmls = [_html(labels[a:b], stock, scales[a:b], first=a) for a, b in chunks]
    results = list(
        _pool().map(_render_part, htmls, [static_folder()] * len(htmls), [b - a for a, b in chunks])
    )
    writer = PdfWriter()
    for (a, b), (pdf, overflowing) in zip(chunks, results, strict=True):
        if overflowing:  # rare: fit those labels here and lay the part out again
            pdf = _render_roll(labels[a:b], stock, scales[a:b])
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _render_part(html: str, static: Path, count: int) -> tuple[bytes, list[int]]:
    document = layout(html, static)
    return bytes(document.write_pdf()), _overflowing(document, count)


@lru_cache(maxsize=1)
def _pool() -> ProcessPoolExecutor:
    # One pool per worker process, started on first use from a fork server that has already
    # imported WeasyPrint, so a batch does not pay for starting Python.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", "pharmacy_app.pdf"])
    return ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 4), mp_context=context)


def _overflowing(document: Any, count: int) -> list[int]:
    """Positions of the labels that took more than one page on a roll (each label starts a
    page and carries an anchor), found without laying anything out again."""
    if len(document.pages) == count:
        return []
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor.startswith("label-"):
                starts.setdefault(anchor, number)  # a long label spans pages
    first_pages = sorted(starts.values())
    ends = [*first_pages[1:], len(document.pages)]
    return [
        k for k, (start, end) in enumerate(zip(first_pages, ends, strict=True)) if end - start > 1
    ]


def render_calibration(stock: LabelStock) -> bytes:
    """A page with every label's outline and centre cross, to check alignment."""
    return bytes(
        layout(
            _template("labels/calibration.html", stock=stock, boxes=_boxes(stock, stock.per_page))
        ).write_pdf()
    )


def _html(
    labels: list[dict[str, Any]],
    stock: LabelStock,
    scales: list[float],
    as_roll: bool = False,
    first: int = 0,
) -> str:
    items = [
        {**values, "index": index, "scale": scale, "barcode": barcode_svg(values["rx_number"])}
        for index, (values, scale) in enumerate(zip(labels, scales, strict=True), start=first)
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


def _template(name: str, **context: Any) -> str:
    """Labels carry all their values: render without the pages' context (no database)."""
    return current_app.jinja_env.get_template(name).render(**context)


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
