"""From a verified order to a signed-off compounding record, in the browser."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in
from tests.browser.test_browser_workflow import type_clean_order_from_the_keyboard

pytestmark = pytest.mark.browser


def test_from_a_verified_order_to_a_signed_off_record(page):
    order_url = make_signed_off_fill(page, "Haddad", "Noor", look=True)
    sign_in(page, "priya")
    page.goto(order_url)
    assert page.locator("h1 .status-compounded").count() == 1


def make_signed_off_fill(page, last_name, first_name, look=False):
    """Enter, verify, compound and sign off an order through the pages; its URL."""
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page, last_name=last_name, first_name=first_name)
    page.get_by_role("button", name="Save and send for verification").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    order_url = page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "sam")
    page.goto(order_url)
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("verified.").first.wait_for()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "tina")
    page.goto(order_url)
    page.get_by_role("link", name="Compound", exact=True).click()
    assert page.get_by_label("Master formulation").input_value()
    page.get_by_role("button", name="Make worksheet").click()
    page.wait_for_url(re.compile(r"/compounding/records/\d+$"))
    assert page.get_by_text("Naltrexone powder to weigh").is_visible()
    assert page.get_by_text("Beyond-use date:").is_visible()
    for row in page.locator("tr[data-role]").all():
        # Each container's lot is scanned as it is taken (or typed: a scan with its Enter
        # is tested in test_browser_final_check).
        lot = row.locator("td").nth(1).inner_text().split()[0]
        row.locator("input[data-scan]").fill(lot)
        required = row.locator("td").nth(3).inner_text().split()[0]
        field = row.locator("input[name^=actual]")
        if not field.input_value():
            field.fill(required)
    page.get_by_role("button", name="Record weights").click()
    page.get_by_text("Weights recorded and taken from stock.").wait_for()
    if look:
        screenshot(page, "compounding-record")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "priya")
    page.goto(order_url)
    page.locator("section[aria-label='Compounding records'] a").first.click()
    page.get_by_role("button", name="Sign off").click()
    page.get_by_text("signed off: ready for its label").wait_for()
    assert page.get_by_text("Priya Pharmacist").first.is_visible()
    page.get_by_role("button", name="Sign out").click()
    return order_url
