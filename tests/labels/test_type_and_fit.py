"""Type size (USP <17>: patient, drug and strength, directions largest) and shrink-to-fit: the
largest scale on the ladder that fits, never below the readable minimum, never cut."""

from __future__ import annotations

import re

import pytest

from pharmacy_app.labels import rendering
from pharmacy_app.labels.fitting import SCALES, SMALLEST_SCALE, overflowing
from pharmacy_app.labels.models import PRESETS, LabelStock
from pharmacy_app.labels.rendering import BASE_PT, StockLayout, render_labels
from pharmacy_app.pdf import layout
from pharmacy_app.workflow import WorkflowError
from tests.labels.conftest import pdf_text, size_of, text_sizes
from tests.labels.samples import sample_label

# Renders and reads PDFs with WeasyPrint: left out of `scripts/test --quick`, run in CI.
pytestmark = pytest.mark.slow

LONG_NAME = {
    "first_name": "Anna-Sophia Wilhelmina",
    "last_name": "Maximiliana Alexandrina Konstantinopoulou-Vanderbilt de la Fuente y Montalbán",
}
SCHEDULE = (
    "Take 1 capsule (1.5 mg) by mouth at bedtime for 14 days, then 2 capsules (3 mg) by mouth "
    "at bedtime for 14 days, then 3 capsules (4.5 mg) by mouth at bedtime."
)


def values(n: int = 0, **changes) -> dict:
    return sample_label(n, **{"patient": "Ann Lee"} | changes)


LONG = values(patient=" ".join(LONG_NAME.values()), directions=SCHEDULE)


def scale_of(pdf: bytes, patient: str, page: int = 0) -> float:
    """The scale a label printed at, from its patient's name (1.6 em of BASE_PT)."""
    return size_of(text_sizes(pdf, page), patient.split()[0]) / (1.6 * BASE_PT)


def rung(scale: float) -> int:
    return min(range(len(SCALES)), key=lambda index: abs(SCALES[index] - scale))


def fits(label: dict, stock: LabelStock, scale: float) -> bool:
    geometry = StockLayout.of(stock)
    document = layout(rendering._html([label], geometry, [scale], as_roll=True))
    return not overflowing(document, rendering._text_height_px(geometry, False), 1, False)


def test_full_scale_type_follows_usp_17_on_a_4x2_label(app, signed_in, ready_order):
    pdf = signed_in("technician").post(f"/orders/{ready_order()}/label").data
    runs = text_sizes(pdf)
    said = ("Ann Lee", "Naltrexone HCl 4.5 mg", "Take 1 capsule (4.5 mg) by mouth at bedtime")
    critical = [size for text, size in runs if any(text in whole for whole in said)]
    # USP <17>: 11 pt in a sans-serif face for the patient, drug and strength, and directions.
    assert len(critical) >= 3 and min(critical) >= 11.0
    assert size_of(runs, "Discard after") >= 6.9
    assert size_of(runs, "compounded preparation") >= 5.8
    others = [size for text, size in runs if not any(text in whole for whole in said)]
    assert max(others) < min(critical)


@pytest.mark.parametrize("preset", [1, 3], ids=["3x2 roll", "Avery 5163 sheet"])
def test_shrink_to_fit_finds_the_largest_scale_that_fits(app, preset):
    stock = LabelStock.from_preset(PRESETS[preset])
    with app.test_request_context():
        pdf = render_labels([LONG], stock)
        scale = scale_of(pdf, LONG["patient"])
        index = rung(scale)
        assert abs(SCALES[index] - scale) < 0.01 and index > 0
        assert fits(LONG, stock, SCALES[index])
        assert not fits(LONG, stock, SCALES[index - 1])  # one rung larger (4%) does not fit
    pages, _ = pdf_text(pdf)
    assert len(pages) == 1 and "Montalbán" in pages[0] and "then 3 capsules" in pages[0]


def test_a_sheet_label_is_fitted_inside_its_box(app):
    stock = LabelStock.from_preset(PRESETS[3])
    labels = [values(0), LONG | {"rx_number": "RX-100002"}, values(2)]
    with app.test_request_context():
        pdf = render_labels(labels, stock)
        scales = [1.0, scale_of(pdf, LONG["patient"]), 1.0]
        geometry = StockLayout.of(stock)
        document = layout(rendering._html(labels, geometry, scales))
        assert not overflowing(document, rendering._text_height_px(geometry, True), 3, True)
    assert scales[1] < 1 and len(pdf_text(pdf)[0]) == 1


def test_no_text_is_smaller_than_the_readable_minimum(app):
    stock = LabelStock.from_preset(PRESETS[1])
    with app.test_request_context():
        pdf = render_labels([LONG], stock)
    assert min(size for _text, size in text_sizes(pdf)) >= 4.0
    assert 0.85 * BASE_PT * SMALLEST_SCALE >= 4.0  # the fine print at the smallest scale


def test_a_label_that_cannot_fit_legibly_is_refused_not_cut(app, signed_in, ready_order):
    too_long = LONG | {"directions": f"{SCHEDULE} {SCHEDULE}"}
    with app.test_request_context(), pytest.raises(WorkflowError, match="larger label stock"):
        render_labels([too_long], LabelStock.from_preset(PRESETS[1]))
    with app.test_request_context():  # the same text fits a larger stock
        assert len(pdf_text(render_labels([too_long], LabelStock.from_preset(PRESETS[4])))[0]) == 1


def test_a_roll_batch_fits_its_long_labels_in_parallel_and_keeps_the_order(app):
    stock = LabelStock.from_preset(PRESETS[0])
    labels = [
        (LONG if n % 3 == 0 else values()) | {"rx_number": f"RX-{100001 + n}"} for n in range(30)
    ]
    with app.test_request_context():
        pdf = render_labels(labels, stock)
    pages, _ = pdf_text(pdf)
    assert len(pages) == 30
    assert [re.search(r"RX-\d+", p)[0] for p in pages] == [label["rx_number"] for label in labels]
    for n, label in enumerate(labels):
        scale = scale_of(pdf, label["patient"], n)
        assert scale < 1 if n % 3 == 0 else scale == pytest.approx(1, abs=0.01)
