"""Opening the monthly cost report, changing the month, downloading CSV and PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_browser_compounding import make_signed_off_fill
from tests.browser.test_browser_final_check import (
    dispense_at_the_counter,
    release_at_the_final_check,
)

pytestmark = pytest.mark.browser


def test_open_the_report_change_the_month_and_download_csv_and_pdf(page):
    order_url = make_signed_off_fill(page, "Petrov", "Ivan")
    sign_in(page, "tina")
    page.goto(order_url)
    with page.expect_download():
        page.get_by_role("button", name="Print label").click()
    page.get_by_role("button", name="Sign out").click()
    code, _ = release_at_the_final_check(page, order_url)
    dispense_at_the_counter(page, code, "Ivan Petrov")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "priya")
    page.get_by_role("link", name="Costs").click()
    assert page.locator("h1").inner_text().startswith("Costs and revenue")
    assert page.get_by_text("4.5 mg capsule").first.is_visible()
    assert page.get_by_role("columnheader", name="Batch").first.is_visible()
    assert page.get_by_role("columnheader", name="Capsules").first.is_visible()
    capsules = page.locator("table.figures tbody tr").first.locator("td").nth(1).inner_text()
    assert capsules == "30"
    screenshot(page, "cost-report")
    at_800_px_every_column_of_the_report_can_be_reached(page)
    this_month = page.get_by_label("Month", exact=True).input_value()
    page.get_by_label("Month", exact=True).fill("2025-01")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("January 2025").first.wait_for()
    assert page.get_by_text("No fills.").first.is_visible()
    page.get_by_label("Month", exact=True).fill(this_month)
    page.get_by_role("button", name="Show").click()
    with page.expect_download() as csv_file:
        page.get_by_role("link", name="Download CSV").click()
    with open(csv_file.value.path(), encoding="utf-8") as handle:
        lines = handle.read().strip().splitlines()
    assert lines[0].startswith("date,rx_number") and len(lines) == 2
    with page.expect_download() as pdf_file:
        page.get_by_role("link", name="Download PDF").click()
    with open(pdf_file.value.path(), "rb") as handle:
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(handle.read())).pages)
    assert "costs and revenue" in text and "produced" in text


def at_800_px_every_column_of_the_report_can_be_reached(page):
    """The wide tables scroll inside their own box: the page keeps its width, and scrolling a
    table brings its last column into view."""
    page.set_viewport_size({"width": 800, "height": 900})
    assert page.evaluate("document.documentElement.scrollWidth") <= 800
    screenshot(page, "cost-report-800px")
    boxes = page.locator(".cost-report .cost-table")
    assert boxes.count() == 6
    for n in range(boxes.count()):
        box = boxes.nth(n)
        box.evaluate("element => { element.scrollLeft = element.scrollWidth; }")
        outer = box.bounding_box()
        last = box.locator("thead th").last.bounding_box()
        assert outer["x"] + outer["width"] <= 800
        assert (
            last["x"] >= outer["x"] and last["x"] + last["width"] <= outer["x"] + outer["width"] + 1
        )
    page.set_viewport_size({"width": 1280, "height": 900})
