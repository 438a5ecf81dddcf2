"""Shrink to fit: which labels run past their label, and the largest scale at which each fits.

Every label ends with an anchor (templates/labels/_label.html), so a laid-out document shows
which labels run past their label (onto a second roll page, or below their box on a sheet) and
by how much. Only those are searched, all together: each round lays out every label still
being searched, one a page at its own trial scale, in one document (split across cores when
there are many). The first trial is the scale the overflow predicts; the search then steps
along a ladder of scales 4% apart, so the scale found is within 4% of the largest that fits.
A label that does not fit even at the smallest readable scale is refused, never cut."""

from __future__ import annotations

import io
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pypdf import PdfReader, PdfWriter

from ..pdf import layout, static_folder
from ..workflow import WorkflowError

# The smallest scale keeps the fine print (0.85 em of 6.9 pt) at 4.0 pt, the body at 4.8 pt
# and the patient's name, drug and directions (1.6 em) at 7.6 pt: smaller than that is not
# read reliably on a 203 dpi thermal print (a 4 pt capital is about 8 dots tall). A label that
# needs less is refused with a request for a larger stock.
SMALLEST_SCALE = 0.69
SCALES = (*(0.96**k for k in range(20) if 0.96**k > SMALLEST_SCALE * 1.02), SMALLEST_SCALE)
# The first trial is the scale at which the text would just fit if its height went with the
# type size to this power: the area of wrapped text goes with its square, and lines that stop
# wrapping when it shrinks make it shrink faster still. 2.5 gave the fewest trials (2.1 rounds
# on average, never more than 4) on 197 overflowing labels: every preset stock, names and
# directions from short to very long, with and without "Shake well".
GROWTH = 2.5
PX_PER_MM = 96 / 25.4  # WeasyPrint's anchor positions are CSS pixels
PARALLEL_FROM = 24  # labels in one layout from which it is shared across cores
PARALLEL_TRIALS_FROM = 8  # the same for a round of trials


@dataclass
class Piece:
    """One laid-out document: its PDF, the page where each label starts (-1 for a label whose
    page was not written), and the labels that ran past their label with how many labels'
    height they needed."""

    pdf: bytes
    first_pages: list[int]
    needed: dict[int, float] = field(default_factory=dict)


def lay_out(
    html: str, static: Path, height_px: float, count: int, in_boxes: bool, write: str = "all"
) -> Piece:
    """Lay out `count` labels (anchored label-0, label-1, ...) and write the PDF: every page
    ("all"), only the pages of the labels that fit ("fitting": a round of trials, where the
    others are not wanted), or none ("none"). A function of plain values, so a worker process
    can run it."""
    document = layout(html, static)
    first_pages, needed = _measure(document, height_px, count, in_boxes)
    if write == "none":
        return Piece(b"", first_pages, needed)
    if write == "fitting":
        fitting = [index for index in range(count) if index not in needed]
        document = document.copy([document.pages[first_pages[index]] for index in fitting])
        first_pages = [fitting.index(index) if index in fitting else -1 for index in range(count)]
    return Piece(bytes(document.write_pdf()), first_pages, needed)


def lay_out_all(
    htmls: list[tuple[str, int]], height_px: float, in_boxes: bool, write: str = "all"
) -> list[Piece]:
    """Each (html, count) laid out: on every core when there is more than one."""
    static = static_folder()
    if len(htmls) == 1:
        return [lay_out(htmls[0][0], static, height_px, htmls[0][1], in_boxes, write)]
    n = len(htmls)
    return list(
        _pool().map(
            lay_out,
            [html for html, _ in htmls],
            [static] * n,
            [height_px] * n,
            [count for _, count in htmls],
            [in_boxes] * n,
            [write] * n,
        )
    )


def parts(count: int, parallel_from: int = PARALLEL_FROM) -> list[tuple[int, int]]:
    """Where to split `count` labels so each core lays out a part (one part when few)."""
    cores = min(os.cpu_count() or 1, 4)
    if count < parallel_from or cores == 1:
        return [(0, count)]
    size = -(-count // cores)
    return [(start, min(start + size, count)) for start in range(0, count, size)]


def overflowing(document: Any, height_px: float, count: int, in_boxes: bool) -> dict[int, float]:
    """The labels of a laid-out document that run past their label (see `_measure`)."""
    return _measure(document, height_px, count, in_boxes)[1]


def _measure(
    document: Any, height_px: float, count: int, in_boxes: bool
) -> tuple[list[int], dict[int, float]]:
    """The page each label starts on, and the labels whose text runs past `height_px`, each
    with the share of a label's height it needed, from the anchors that open and close every
    label. On a roll a label that runs over spills onto the next page; in a box on a sheet it
    runs below the box, clipped there, so it must never be printed that way."""
    starts: dict[int, tuple[int, float]] = {}
    ends: dict[int, tuple[int, float]] = {}
    for number, page in enumerate(document.pages):
        for name, box in page.anchors.items():  # (left, top, right, bottom) in CSS px
            if name.startswith("label-end-"):
                ends.setdefault(int(name[10:]), (number, box[1]))
            elif name.startswith("label-"):
                starts.setdefault(int(name[6:]), (number, box[1]))
    needed = {}
    for index in range(count):
        (start_page, top), (end_page, bottom) = starts[index], ends[index]
        if in_boxes or end_page == start_page:
            share = (bottom - top) / height_px
        else:  # every roll page a label spans starts at the top margin
            share = end_page - start_page + (bottom - top) / height_px
        if share > 1.001 or end_page != start_page:  # not for a rounding hair's breadth
            needed[index] = max(share, 1.001)
    return [starts[index][0] for index in range(count)], needed


def largest_fitting(
    labels: list[dict[str, Any]],
    needed: list[float],
    roll_html: Callable[[list[dict[str, Any]], list[float]], str],
    height_px: float,
    stock_name: str,
    pages_wanted: bool = True,
) -> list[tuple[float, Piece, int]]:
    """For labels that do not fit at full scale, the largest scale on the ladder at which each
    fits, with the laid-out piece and page where it does (when `pages_wanted`: a roll's
    labels go into the PDF as they were tried). `roll_html` lays labels out one a page (a
    sheet's label has the same text area alone as in its box)."""
    none = len(SCALES)  # an index meaning "no scale known to fit yet"
    too_big = [0] * len(labels)  # full scale did not fit
    fits = [none] * len(labels)
    found: list[tuple[float, Piece, int] | None] = [None] * len(labels)
    misses = [0] * len(labels)
    trials = [_predicted(need) for need in needed]
    while searching := [k for k in range(len(labels)) if fits[k] - too_big[k] > 1]:
        groups = [searching[a:b] for a, b in parts(len(searching), PARALLEL_TRIALS_FROM)]
        pieces = lay_out_all(
            [
                (
                    roll_html([labels[k] for k in group], [SCALES[trials[k]] for k in group]),
                    len(group),
                )
                for group in groups
            ],
            height_px,
            in_boxes=False,
            write="fitting" if pages_wanted else "none",
        )
        for group, piece in zip(groups, pieces, strict=True):
            for position, k in enumerate(group):
                if position in piece.needed:
                    too_big[k] = trials[k]
                    misses[k] += 1
                else:
                    fits[k] = trials[k]
                    found[k] = (SCALES[trials[k]], piece, piece.first_pages[position])
        for k in searching:
            trials[k] = _next_trial(too_big[k], fits[k], none, misses[k])
    results = []
    for label, result in zip(labels, found, strict=True):
        if result is None:
            raise WorkflowError(
                f"The label for {label['rx_number']} does not fit {stock_name} even in the "
                "smallest readable type: choose a larger label stock."
            )
        results.append(result)
    return results


def _predicted(need: float) -> int:
    """The first scale on the ladder at or below the one the overflow predicts."""
    scale = need ** (-1 / GROWTH)
    return next((i for i, s in enumerate(SCALES) if i > 0 and s <= scale), len(SCALES) - 1)


def _next_trial(too_big: int, fits: int, none: int, misses: int) -> int:
    if fits < none:
        # Something fits: the prediction is seldom more than a rung or two off, so step up one
        # rung at a time near it (the one above must be shown not to fit), bisect when wide.
        return fits - 1 if fits - too_big <= 3 else (too_big + fits) // 2
    # Nothing fits yet: one rung smaller, then steps that double (the smallest comes last).
    return min(too_big + 2 ** (misses - 1), none - 1)


def joined(pages: list[tuple[Piece, int]]) -> bytes:
    """One PDF of the given pages, in order (each a label's page in a laid-out piece)."""
    pieces = {id(piece): piece for piece, _ in pages}
    if len(pieces) == 1:
        (piece,) = pieces.values()
        if [number for _, number in pages] == list(range(len(piece.first_pages))) and not (
            piece.needed
        ):
            return piece.pdf
    readers = {key: PdfReader(io.BytesIO(piece.pdf)) for key, piece in pieces.items()}
    writer = PdfWriter()
    for piece, number in pages:
        writer.add_page(readers[id(piece)].pages[number])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@lru_cache(maxsize=1)
def _pool() -> ProcessPoolExecutor:
    # One pool per worker process, started on first use from a fork server that has already
    # imported WeasyPrint, so a batch does not pay for starting Python. WeasyPrint's layout is
    # pure Python: threads would not help.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["weasyprint", "pharmacy_app.labels.fitting"])
    return ProcessPoolExecutor(max_workers=min(os.cpu_count() or 1, 4), mp_context=context)
