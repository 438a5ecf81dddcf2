"""The order page offers what the order's state allows, in the words the enums give."""

from __future__ import annotations

import re

import pytest

HIGH_DOSE = {"preparation": {"strength": "6 mg"}, "sig": {"dose": "6 mg"}}
SUSTAINED = {"preparation": {"release": "SR"}}


def verify_button(page: str) -> str:
    return re.search(r'<button type="submit" class="primary"[^>]*>Verify</button>', page)[0]


@pytest.mark.parametrize(
    ("changes", "badge", "hold"),
    [
        ({}, "Pass", None),
        (HIGH_DOSE, "Warning", "Decide the warnings first"),
        (SUSTAINED, "Blocked", "Blocked: correct or reject"),
    ],
)
def test_the_verify_button_says_what_holds_the_order_back(
    api, signed_in, make_document, changes, badge, hold
):
    order = api.post("/api/v1/orders", json=make_document(**changes)).get_json()
    page = signed_in("pharmacist").get(f"/orders/{order['id']}").get_data(as_text=True)
    heading = re.search(r"<h1>.*?</h1>", page, re.S)[0]
    assert f'<span class="badge badge-{order["verdict"]}">{badge}</span>' in heading
    assert '<span class="status status-checked">Waiting for verification</span>' in heading
    button = verify_button(page)
    if hold:
        assert f'disabled title="{hold}"' in button
    else:
        assert "disabled" not in button


def test_a_verified_order_offers_compounding_and_no_verification(
    app, api, signed_in, make_document, make_user, token_for
):
    order = api.post("/api/v1/orders", json=make_document()).get_json()
    pharmacist_api = app.test_client()
    pharmacist_api.environ_base["HTTP_AUTHORIZATION"] = (
        f"Bearer {token_for(make_user('pharmacist'))}"
    )
    assert pharmacist_api.post(f"/api/v1/orders/{order['id']}/verification").status_code == 200
    page = signed_in("pharmacist").get(f"/orders/{order['id']}").get_data(as_text=True)
    assert '<span class="status status-verified">Verified</span>' in page
    assert ">Compound</a>" in page and ">Verify</button>" not in page
    assert ">Reject</button>" in page
