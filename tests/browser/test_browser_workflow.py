"""What a technician and a pharmacist do in the browser, end to end."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def type_clean_order_from_the_keyboard(page, last_name="Núñez", first_name="José"):
    """Fill a clean 4.5 mg capsule order moving with Tab, as from a paper prescription."""
    page.goto("/orders/new")
    page.get_by_label("Find patient").focus()
    keys = page.keyboard
    keys.press("Tab")
    keys.type(last_name)
    keys.press("Tab")
    keys.type(first_name)
    keys.press("Tab")
    keys.type("03/14/1968")  # date of birth as on paper
    keys.press("Tab")  # family name first: no
    keys.press("Tab")
    keys.type("NKDA")  # allergies
    keys.press("Tab")
    keys.type("levothyroxine 75 mcg")
    keys.press("Enter")
    keys.type("vitamin D3 2000 IU")
    keys.press("Tab")
    keys.type("Hashimoto's thyroiditis")
    keys.press("Tab")  # prescriber search
    keys.press("Tab")
    keys.type("Dana Ruiz")
    keys.press("Tab")
    keys.type("MD")
    keys.press("Tab")
    keys.type("MD154210")
    keys.press("Tab")
    keys.type("OR")
    keys.press("Tab")  # NPI: none
    keys.press("Tab")
    keys.type("503-555-0142")  # the prescriber's phone, as written
    keys.press("Tab")  # fax: none
    keys.press("Tab")
    keys.type("4.5 mg")  # strength; form, release, filler, dose keep their defaults


def test_a_technician_enters_a_clean_order_from_the_keyboard(page):
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page)
    page.get_by_text("Check:").wait_for()
    assert page.locator("#check-summary .badge-pass").is_visible()
    screenshot(page, "order-form")
    page.get_by_role("button", name="Save and send for verification").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert page.get_by_text("RX-100001 sent for verification; check: pass.").is_visible()
    assert page.locator("h1 .status-checked").is_visible()
    screenshot(page, "order-detail")


def test_a_blocked_order_shows_why_at_the_field(page):
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page)
    page.get_by_label("Release").fill("SR")
    page.get_by_label("Filler / excipients").fill("microcrystalline cellulose\nCaCO3")
    release_notes = page.locator('[data-field="release"] .notes')
    release_notes.get_by_text("modified (slow, sustained").wait_for()
    assert release_notes.locator(".finding-block").count() == 1
    filler_notes = page.locator('[data-field="excipients"] .notes')
    assert "Line 2: Calcium carbonate filler" in filler_notes.inner_text()
    assert page.locator("#check-summary .badge-block").is_visible()
    screenshot(page, "order-form-blocked")


def test_bad_input_is_shown_at_the_field_and_kept(page):
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page)
    page.get_by_label("Strength").fill("4,5 mg")
    page.get_by_role("button", name="Save and send for verification").click()
    notes = page.locator('[data-field="strength"] .notes')
    assert "write decimals with a point" in notes.inner_text()
    assert page.get_by_label("Strength").input_value() == "4,5 mg"
    assert page.get_by_label("Last name").input_value() == "Núñez"


def test_a_pharmacist_overrides_a_warning_verifies_and_finds_the_order_again(page):
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page, last_name="Ødegaard", first_name="Ingvild")
    page.get_by_label("Strength").fill("6 mg")
    page.get_by_label("Dose", exact=True).fill("6 mg")
    page.get_by_role("button", name="Save and send for verification").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    order_url = page.url
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, "priya")
    page.goto(order_url)
    assert page.get_by_role("button", name="Verify").is_disabled()
    warning = page.locator('li.finding[data-code="dose.above_usual"]')
    warning.get_by_label("Reason for accepting").fill("Prescriber confirmed 6 mg by phone")
    warning.get_by_role("button", name="Override").click()
    page.get_by_text("Warning overridden.").wait_for()
    assert page.get_by_text("Overridden by Priya Pharmacist").is_visible()
    page.get_by_role("button", name="Verify").click()
    page.get_by_text("verified.").first.wait_for()
    assert page.locator("h1 .status-verified").is_visible()

    page.get_by_role("link", name="Queue", exact=True).click()
    page.get_by_label("Patient").fill("ødegaard")
    page.get_by_label("Status").select_option("verified")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.orders tbody tr")
    assert rows.count() == 1
    assert "Ødegaard, Ingvild" in rows.first.inner_text()
    screenshot(page, "queue")
    rows.first.get_by_role("link").click()
    assert page.get_by_text("Prescriber confirmed 6 mg by phone").first.is_visible()


def test_a_patient_is_found_by_a_few_letters_and_picked(page):
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page, last_name="Kahananui", first_name="Leilani")
    page.get_by_role("button", name="Save and send for verification").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    page.goto("/orders/new")
    page.get_by_label("Find patient").fill("kahan")
    option = page.get_by_role("option", name=re.compile("Kahananui, Leilani"))
    option.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.get_by_label("Last name").input_value() == "Kahananui"
    assert "levothyroxine 75 mcg" in page.get_by_label("Current medications").input_value()


def test_a_technician_has_no_verify_button_and_the_server_refuses_anyway(page):
    sign_in(page, "tina")
    type_clean_order_from_the_keyboard(page)
    page.get_by_role("button", name="Save and send for verification").click()
    page.wait_for_url(re.compile(r"/orders/\d+$"))
    assert page.get_by_role("button", name="Verify").count() == 0
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    response = page.request.post(page.url + "/verify", form={"csrf_token": token})
    assert response.status == 403


def test_an_admin_adds_a_user_who_can_then_sign_in(page):
    sign_in(page, "alex")
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Username").fill("marco")
    page.get_by_label("Full name").fill("Marco Bianchi")
    page.get_by_label("Role", exact=True).select_option("technician")
    page.get_by_label("Initial password").fill("correct horse battery")
    page.get_by_role("button", name="Add user").click()
    page.get_by_text("User marco added.").wait_for()
    screenshot(page, "users")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "marco")
    assert page.get_by_text("Marco Bianchi").is_visible()
