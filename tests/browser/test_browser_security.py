"""The pages under the Content-Security-Policy, in a real browser: nothing on them is refused,
and a refusal would be caught."""

from __future__ import annotations

import pytest

from tests.browser.conftest import csp_violations_in, sign_in

pytestmark = pytest.mark.browser

# The pages the workflow, compounding, label and cost tests do not open (those open the order
# form with its script, the order page, the compounding record and the dispensing page, under
# the same check).
PAGES = {
    "priya": [
        "/",
        "/orders",
        "/compounding/lots",
        "/compounding/formulas",
        "/compounding/formulas/new",
        "/compounding/ingredients",
        "/reports/monthly",
        "/costs/prices",
        "/account",
        "/orders/999999",
    ],
    "alex": ["/admin/users", "/admin/settings", "/labels/stocks"],
}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_the_pages_load_with_the_policy_and_nothing_is_refused(page, username):
    sign_in(page, username)
    for path in PAGES[username]:
        response = page.goto(path)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], path
        assert response.headers["cache-control"] == "no-store", path
        # The stylesheet applied (a refused one would leave the page unstyled).
        assert page.locator("header.top").evaluate("e => getComputedStyle(e).display") == "flex"
        assert csp_violations_in(page.console_errors) == [], path


def test_the_queue_batch_form_keeps_its_layout_from_the_stylesheet(page):
    sign_in(page, "tina")
    page.goto("/orders")
    width = page.locator(".batch-position").evaluate("e => getComputedStyle(e).flexBasis")
    hint = page.locator("#batch-hint").evaluate("e => getComputedStyle(e).flexBasis")
    assert (width, hint) == ("120px", "100%")  # 7.5rem, the whole row


def test_the_sign_in_page_loads_with_the_policy(page):
    response = page.goto("/login")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert csp_violations_in(page.console_errors) == []


def test_an_inline_script_style_or_handler_on_a_page_would_be_caught(page):
    """The check is real: the home page served with an inline script, style attribute and
    event handler slipped in reports three violations (and the script does not run)."""

    def tamper(route):
        response = route.fetch()
        body = response.text().replace(
            "<main>",
            '<main><p style="color: red">styled</p><script>window.ran = true</script>'
            '<button id="inline" onclick="window.clicked = true">x</button>',
        )
        route.fulfill(response=response, body=body)

    sign_in(page, "tina")
    page.route("**/", tamper)
    page.goto("/")
    page.locator("#inline").click()
    page.wait_for_function("document.readyState === 'complete'")
    caught = csp_violations_in(page.console_errors)
    assert page.evaluate("[window.ran, window.clicked]") == [None, None]
    assert any("style-src-attr" in m for m in caught), caught
    assert any("script-src-elem" in m for m in caught), caught
    assert any("script-src-attr" in m for m in caught), caught
    page.console_errors.clear()  # expected here; the fixture fails on any left
