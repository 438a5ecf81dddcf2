"""Printing a label from the order page and a batch from the queue, in the browser."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_browser_compounding import make_signed_off_fill
from tests.browser.test_browser_final_check import release_at_the_final_check, scan

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

    page.get_by_role("link", name="Queue", exact=True).click()
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


def test_batch_on_a_sheet_from_a_position_then_dispense_and_reverse(page):
    order_url = make_signed_off_fill(page, "Lindqvist", "Maja")
    sign_in(page, "tina")
    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_label("Label stock").select_option(
        label="Avery 5163 sheet, 2 x 4 in, 10 per US letter"
    )
    page.get_by_label("Start at label").fill("4")
    screenshot(page, "queue-batch-controls")
    with page.expect_download() as download:
        page.get_by_role("button", name="Print all labels ready").click()
    pages = pdf_pages(download.value)
    assert len(pages) == 1 and "Maja Lindqvist" in pages[0]
    # Pressed again: nothing is waiting, nothing is printed again.
    page.get_by_role("button", name="Print all labels ready").click()
    assert page.get_by_text("No labels waiting").is_visible()
    page.get_by_role("button", name="Sign out").click()

    code, _ = release_at_the_final_check(page, order_url)
    scan(page, "Scan the bag label", code)
    page.get_by_label("Collected by (name)").fill("Lars Lindqvist")
    page.get_by_label("Relation to the patient").select_option("spouse")
    page.get_by_label("ID checked").select_option("yes")
    page.get_by_label("Counselling offered").select_option("declined")
    page.get_by_label("Dispensing note").fill("Collected by her husband")
    page.get_by_label(re.compile(r"^Price charged")).fill("abc")
    page.get_by_role("button", name="Record dispensing").click()
    assert page.get_by_text("Enter the price as a number, such as 42.50.").is_visible()
    assert page.get_by_label("Dispensing note").input_value() == "Collected by her husband"
    assert page.get_by_label(re.compile(r"^Price charged")).input_value() == "abc"
    screenshot(page, "dispense-form-error")
    page.get_by_label(re.compile(r"^Price charged")).fill("")
    page.get_by_role("button", name="Record dispensing").click()
    page.get_by_text("dispensed.").first.wait_for()
    screenshot(page, "order-dispensed")

    page.get_by_role("link", name="Reverse dispensing…").click()
    page.get_by_label(re.compile(r"^Reason for reversing")).fill("Recorded on the wrong order")
    screenshot(page, "reverse-dispensing")
    page.get_by_role("button", name="Reverse dispensing").click()
    page.get_by_text("the fill is open again").wait_for()
    assert page.get_by_text("Recorded on the wrong order").first.is_visible()
    # Its release went with the hand-over: it is checked again before it leaves.
    assert page.get_by_role("link", name="Final check…").is_visible()
    assert not page.get_by_role("link", name="Dispense…").is_visible()
