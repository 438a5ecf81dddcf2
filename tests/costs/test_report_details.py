"""The monthly report's details: units by kind, most and least profitable fills, totals in the
PDF, the months a report covers, and a CSV that a spreadsheet cannot run."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from pharmacy_app.checks.amounts import parse_amount
from pharmacy_app.costs.export import spreadsheet_cell
from pharmacy_app.costs.models import CostRecord
from pharmacy_app.costs.report import monthly_report, unit_kind
from pharmacy_app.extensions import db
from tests.costs.conftest import add_prescriber, cost_record

JULY = dt.date(2026, 7, 1)


def report_for(app, month=JULY):
    with app.app_context():
        return monthly_report(month)


def test_units_are_counted_by_kind_and_never_added_across_kinds(app, months, signed_in):
    report = report_for(app)
    # July: two 4.5 mg capsule fills of 30 and one 1 mg/mL liquid of 30 mL.
    assert report["totals"]["units"] == {"capsules": 60, "mL": 30, "g": 0}
    for breakdown in ("by_preparation", "by_prescriber", "by_week"):
        for kind in ("capsules", "mL", "g"):
            rows = report[breakdown]
            assert sum(r["units"][kind] for r in rows) == report["totals"]["units"][kind]
    assert report["unit_columns"] == ["capsules", "mL"]  # no g this month or the others
    page = signed_in("pharmacist").get("/reports/monthly?month=2026-07").get_data(as_text=True)
    header = re.findall(r"<th[^>]*>(.*?)</th>", re.search(r"<thead>(.*?)</thead>", page)[1])
    month_row = re.search(r'<th scope="row">July 2026</th>(.*?)</tr>', page)[1]
    cells = dict(zip(header[1:], re.findall(r"<td>(.*?)</td>", month_row), strict=True))
    assert (cells["Fills"], cells["Capsules"], cells["mL"]) == ("3", "60", "30")
    assert "Units" not in header and "g" not in header


@pytest.mark.parametrize(
    "strength, form",
    [
        ("4.5 mg", "capsule"),
        ("1 mg/mL", "oral liquid"),
        ("1 mg per mL", "sublingual drops"),
        ("0.5 mg/mL", "topical cream"),
        ("0.5 mg/g", "topical cream"),
        ("0.5mg/gm", "topical cream"),
        ("0.5 mg / g", "topical cream"),
        ("0.5 mg per gram", "topical cream"),
        ("0.5 mg/1 g", "topical cream"),
        ("1 MG/ML", "oral liquid"),
        ("0.5 MG/G", "Topical Cream"),  # brought over from another system, in capitals
        ("4.5 mg", "Capsule"),
    ],
)
def test_the_unit_read_in_sql_agrees_with_the_amount_parser(app, strength, form):
    amount = parse_amount(strength)
    expected = "capsules" if form.lower() == "capsule" else ("g" if amount.per == "g" else "mL")
    with app.app_context():
        prescriber = add_prescriber("A")
        record = cost_record(prescriber, 1, "2026-07-01", preparation=f"{strength} {form}")
        db.session.flush()
        unit = db.session.scalar(select(unit_kind()).where(CostRecord.id == record.id))
    assert unit == expected


def add_fills(app, margins, day="2026-07-10"):
    """Fills whose margins are the given numbers (price 45.00 less a cost to match)."""
    with app.app_context():
        prescriber = add_prescriber("M")
        for n, margin in enumerate(margins):
            cost_record(
                prescriber,
                n,
                day,
                rx_number="RX-100122",  # refills of one prescription
                ingredient_cost=str(Decimal("24.25") - Decimal(margin)),
            )
        db.session.commit()


@pytest.mark.parametrize("count", [1, 2, 3, 4, 9, 10, 11, 14])
def test_most_and_least_profitable_lists_never_share_a_fill(app, count):
    margins = [str(10 + n % 4) for n in range(count)]  # ties on purpose
    add_fills(app, margins)
    report = report_for(app)
    best, worst = [c.id for c in report["best"]], [c.id for c in report["worst"]]
    assert not set(best) & set(worst)
    assert len(best) == min(5, (count + 1) // 2) and len(worst) == min(5, count // 2)
    best_margins = [c.margin for c in report["best"]]
    worst_margins = [c.margin for c in report["worst"]]
    assert best_margins == sorted(best_margins, reverse=True)
    assert worst_margins == sorted(worst_margins)
    if worst:
        assert max(worst_margins) <= min(best_margins)


def test_fills_of_one_prescription_are_told_apart_by_their_batch(app, signed_in):
    add_fills(app, ["10", "10", "12", "12"])
    page = signed_in("pharmacist").get("/reports/monthly?month=2026-07").get_data(as_text=True)
    assert ">Batch</th>" in page
    for n in range(4):
        assert f">B-{n}<" in page


def test_a_single_fill_is_listed_once(app, signed_in):
    add_fills(app, ["10"])
    page = signed_in("pharmacist").get("/reports/monthly?month=2026-07").get_data(as_text=True)
    assert page.count(">B-0<") == 1
    assert "No other fills" in page


@pytest.mark.slow
def test_the_pdf_prints_each_total_once_after_the_last_row(app, signed_in):
    with app.app_context():
        for n in range(70):  # the prescriber table runs over a page
            cost_record(add_prescriber(f"P{n:02}"), n, "2026-07-10")
        db.session.commit()
    pdf = signed_in("pharmacist").get("/reports/monthly.pdf?month=2026-07").data
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) >= 3
    text = "\n".join(pages)
    # The three breakdowns (preparation, prescriber, week): one total each.
    assert len(re.findall(r"^Total\b", text, re.MULTILINE)) == 3
    last_prescriber = text.index("Prescriber P69")
    prescriber_total = text.index("Total", last_prescriber)
    assert text.index("By week") > prescriber_total
    # No total under the prescribers on the pages before the last one (WeasyPrint repeats a
    # table footer on each page a table spans).
    start = next(n for n, page in enumerate(pages) if "Prescriber P00" in page)
    end = next(n for n, page in enumerate(pages) if "Prescriber P69" in page)
    assert end > start
    for page in pages[start:end]:
        rows = page[page.find("Prescriber P") :]
        assert not re.search(r"^Total\b", rows, re.MULTILINE)


@pytest.mark.parametrize("month", ["0001-01", "0001-12", "1969-12", "2200-01", "9999-12"])
def test_a_month_outside_the_reports_range_is_refused_with_a_message(app, signed_in, month):
    client = signed_in("pharmacist")
    page = client.get(f"/reports/monthly?month={month}")
    assert page.status_code == 200
    assert f"not {month}: showing this month" in page.get_data(as_text=True)
    for download in ("pdf", "csv"):
        response = client.get(f"/reports/monthly.{download}?month={month}")
        assert response.status_code == 302 and response.location.endswith("/reports/monthly")
        assert f"not {month}" in client.get(response.location).get_data(as_text=True)


@pytest.mark.slow
def test_the_first_and_last_months_of_the_range_are_reported(app, signed_in):
    client = signed_in("pharmacist")
    for month in ("1970-01", "2199-12"):
        assert client.get(f"/reports/monthly?month={month}").status_code == 200
        assert client.get(f"/reports/monthly.pdf?month={month}").status_code == 200


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_csv_text_that_a_spreadsheet_would_run_is_made_plain(app, signed_in, start):
    reason = f'{start}HYPERLINK("http://evil.example/","x")'
    with app.app_context():
        cost_record(
            add_prescriber("A"),
            1,
            "2026-07-10",
            price="20.00",  # below cost: a negative margin
            price_overridden=True,
            override_reason=reason,
        )
        db.session.commit()
    text = signed_in("pharmacist").get("/reports/monthly.csv?month=2026-07").get_data(as_text=True)
    (fill,) = csv.DictReader(io.StringIO(text))
    assert fill["override_reason"] == "'" + reason
    assert fill["margin"] == "-7.75"  # a number stays a number
    assert fill["unit"] == "capsules" and Decimal(fill["units"]) == 30


def test_plain_text_and_numbers_go_to_the_csv_unchanged():
    assert spreadsheet_cell("Financial hardship") == "Financial hardship"
    assert spreadsheet_cell(Decimal("-3.20")) == Decimal("-3.20")
    assert spreadsheet_cell("") == ""
