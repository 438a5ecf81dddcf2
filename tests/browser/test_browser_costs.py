"""Opening the monthly cost report, changing the month, downloading CSV and PDF."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_browser_compounding import make_signed_off_fill

pytestmark = pytest.mark.browser


def test_open_the_report_change_the_month_and_download_csv_and_pdf(page):
    order_url = make_signed_off_fill(page, "Petrov", "Ivan")
    sign_in(page, "tina")
    page.goto(order_url)
    with page.expect_download():
        page.get_by_role("button", name="Print label").click()
    page.goto(order_url)
    page.get_by_role("button", name="Record dispensing").click()
    page.get_by_text("dispensed.").first.wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "priya")
    page.get_by_role("link", name="Costs").click()
    assert page.locator("h1").inner_text().startswith("Costs and revenue")
    assert page.get_by_text("4.5 mg capsule").first.is_visible()
    screenshot(page, "cost-report")
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
