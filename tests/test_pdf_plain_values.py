"""PDFs get plain values, never live ORM objects: every value a PDF template is given (the
label, the calibration page, the patient sheet, the worksheet, the cost report) is checked,
through dataclasses, mappings and sequences, for a database row."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import pytest

from pharmacy_app import pdf
from pharmacy_app.compounding.models import CompoundingRecord
from pharmacy_app.extensions import Model, db
from pharmacy_app.labels import rendering
from pharmacy_app.labels.models import LabelStock
from tests.costs.conftest import months  # noqa: F401 - fixture
from tests.labels.conftest import ready_order  # noqa: F401 - fixture


def rows_in(value: Any, path: str = "") -> list[str]:
    """Where in `value` a database row is, as paths ("record.components[0].lot")."""
    if isinstance(value, Model):
        return [f"{path}: {type(value).__name__}"]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [
            found
            for f in dataclasses.fields(value)
            for found in rows_in(getattr(value, f.name), f"{path}.{f.name}")
        ]
    if isinstance(value, Mapping):
        return [found for k, v in value.items() for found in rows_in(v, f"{path}[{k!r}]")]
    if isinstance(value, list | tuple | set | frozenset):
        return [found for i, v in enumerate(value) for found in rows_in(v, f"{path}[{i}]")]
    return []


@pytest.fixture
def given(monkeypatch) -> list[tuple[str, dict[str, Any]]]:
    """What each PDF template was given, (template, context), as the PDFs are rendered."""
    seen: list[tuple[str, dict[str, Any]]] = []
    pdf_template, label_template = pdf.render_template, rendering._template

    def through_pdf(name: str, **context: Any) -> str:
        seen.append((name, context))
        return pdf_template(name, **context)

    def through_labels(name: str, **context: Any) -> str:
        seen.append((name, context))
        return label_template(name, **context)

    monkeypatch.setattr(pdf, "render_template", through_pdf)
    monkeypatch.setattr(rendering, "_template", through_labels)
    return seen


def assert_plain(given: list[tuple[str, dict[str, Any]]], template: str) -> None:
    contexts = [context for name, context in given if name == template]
    assert contexts, f"{template} was not rendered"
    for context in contexts:
        assert rows_in(context) == [], template


def test_the_label_and_patient_sheet_get_plain_values(app, signed_in, ready_order, given):  # noqa: F811
    client = signed_in("technician")
    order_id = ready_order()
    assert client.post(f"/orders/{order_id}/label").status_code == 200
    assert client.get(f"/orders/{order_id}/patient-sheet.pdf").status_code == 200
    assert_plain(given, "labels/labels.html")
    assert_plain(given, "labels/patient_sheet.html")


def test_the_calibration_page_gets_plain_values(app, signed_in, given):
    with app.app_context():
        stock_id = db.session.scalars(db.select(LabelStock.id)).first()
    assert signed_in("technician").get(f"/labels/stocks/{stock_id}/calibration.pdf").status_code
    assert_plain(given, "labels/calibration.html")


def test_the_worksheet_gets_plain_values(app, signed_in, ready_order, given):  # noqa: F811
    order_id = ready_order()
    with app.app_context():
        record_id = db.session.scalars(
            db.select(CompoundingRecord.id).where(CompoundingRecord.order_id == order_id)
        ).one()
    answer = signed_in("pharmacist").get(f"/compounding/records/{record_id}/worksheet.pdf")
    assert answer.status_code == 200
    assert_plain(given, "compounding/worksheet_pdf.html")


@pytest.mark.usefixtures("months")
def test_the_cost_report_gets_plain_values(signed_in, given):
    answer = signed_in("pharmacist").get("/reports/monthly.pdf?month=2026-07")
    assert answer.status_code == 200
    assert_plain(given, "costs/monthly_pdf.html")


def test_a_row_is_found_wherever_it_is_nested():
    stock = LabelStock.from_preset({"name": "S", "label_width_mm": 1, "label_height_mm": 1})
    assert rows_in({"a": [({"b": stock},)]}, "context") == ["context['a'][0][0]['b']: LabelStock"]
