"""Printing a label from the order page and a batch from the queue, in the browser."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_browser_compounding import make_signed_off_fill

pytestmark = pytest.mark.browser


def pdf_pages(download) -> list[str]:
    with open(download.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    return [" ".join((p.extract_text() or "").split()) for p in reader.pages]


def test_print_a_label_from_the_order_page_then_a_batch_from_the_queue(page):
    first = make_signed_off_fill(page, "Haddad", "Noor")
    second = make_signed_off_fill(page, "Kowalczyk", "Olga")
    sign_in(page, "tina")
    page.goto(first)
    with page.expect_download() as download:
        page.get_by_role("button", name="Print label").click()
    pages = pdf_pages(download.value)
    assert len(pages) == 1 and "Noor Haddad" in pages[0] and "Discard after" in pages[0]
    page.goto(first)
    assert page.get_by_text(re.compile(r"Printed .* by Tina Technician")).is_visible()
    screenshot(page, "order-with-label")

    page.get_by_role("link", name="Queue").click()
    page.get_by_label("Status").select_option("compounded")
    page.get_by_role("button", name="Filter").click()
    for rx in page.locator("table.orders tbody tr a").all_inner_texts():
        page.get_by_label(f"Choose {rx}").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Print labels for the chosen orders").click()
    pages = pdf_pages(download.value)
    assert len(pages) == 2
    assert "Noor Haddad" in pages[0] and "Olga Kowalczyk" in pages[1]  # queue order: oldest first
    page.goto(first)
    assert page.get_by_text(re.compile(r"Reprinted in a batch")).is_visible()
    assert second
