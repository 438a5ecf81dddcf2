"""A fill's way out in the browser, scanned as a pharmacy scanner does (the code typed, then
Enter): the pharmacist's final check of label and container, the signed release, then the
pick-up with the bag label scanned and who collected it."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import PASSWORD, screenshot, sign_in
from tests.browser.test_browser_compounding import make_signed_off_fill

pytestmark = pytest.mark.browser


def scan(page, label, code):
    """What a keyboard-wedge scanner sends: the code's characters, then Enter."""
    field = page.get_by_label(label)
    field.press_sequentially(code)
    field.press("Enter")


def focused_name(page):
    return page.evaluate("document.activeElement && document.activeElement.name")


def print_label(page, order_url):
    sign_in(page, "tina")
    page.goto(order_url)
    with page.expect_download():
        page.get_by_role("button", name="Print label").click()
    page.get_by_role("button", name="Sign out").click()


def release_at_the_final_check(page, order_url, look=False):
    """The pharmacist scans the label and the container and signs the release; the fill code
    and batch number."""
    sign_in(page, "priya")
    page.goto(order_url)
    page.get_by_role("link", name="Final check…").click()
    page.wait_for_url(re.compile(r"/final-check$"))
    code = page.locator("[data-fill-code]").inner_text()
    batch = page.locator("[data-batch]").inner_text()
    assert focused_name(page) == "label_scan"  # the page opens ready for the first scan
    scan(page, "Scan the patient label", code)
    assert focused_name(page) == "container_scan"  # Enter moved on, nothing submitted yet
    scan(page, "Scan the container's batch label", batch)
    assert focused_name(page) == "password"
    if look:
        screenshot(page, "final-check")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_text(f"{batch} released: ready to be dispensed.").wait_for()
    return code, batch


def dispense_at_the_counter(page, code, collected_by="Maja Lindqvist"):
    """On the dispensing page after the release: the bag label scanned, who collected it."""
    scan(page, "Scan the bag label", code)
    assert focused_name(page) == "collected_by"
    page.keyboard.type(collected_by)
    page.get_by_label("Relation to the patient").select_option("self")
    page.get_by_label("ID checked").select_option("yes")
    page.get_by_label("Counselling offered").select_option("accepted")
    page.get_by_role("button", name="Record dispensing").click()
    page.get_by_text("dispensed.").first.wait_for()


def test_scan_the_label_and_container_release_then_scan_the_bag_at_pick_up(page):
    order_url = make_signed_off_fill(page, "Lindqvist", "Maja")
    print_label(page, order_url)

    # A wrong label (another fill of this prescription) is refused at its field.
    sign_in(page, "priya")
    page.goto(order_url)
    page.get_by_role("link", name="Final check…").click()
    code = page.locator("[data-fill-code]").inner_text()
    batch = page.locator("[data-batch]").inner_text()
    scan(page, "Scan the patient label", code.replace("-F01", "-F02"))
    scan(page, "Scan the container's batch label", batch)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.get_by_text("Wrong label: it is fill 2's label").wait_for()
    assert page.get_by_text("Not released: correct what is marked below.").is_visible()
    page.get_by_role("button", name="Sign out").click()

    code, batch = release_at_the_final_check(page, order_url, look=True)
    dispense_at_the_counter(page, code)
    page.goto(order_url)
    history = page.locator("body").inner_text()
    assert f"{batch} released at the final check" in history
    assert f"bag label {code} scanned; collected by Maja Lindqvist (the patient), ID checked" in (
        history
    )
    assert "counselling accepted" in history
    screenshot(page, "order-picked-up")
