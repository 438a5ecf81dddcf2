"""Every action checks the role on the server: one matrix of role x route."""

from __future__ import annotations

import pytest

ENTER, VERIFY, ADMIN = "enter", "verify", "admin"
ALLOWED = {
    "technician": {ENTER},
    "pharmacist": {ENTER, VERIFY},
    "admin": {ENTER, ADMIN},
}
ROUTES = [
    ("GET", "/orders/new", ENTER),
    ("GET", "/orders/{id}/edit", ENTER),
    ("POST", "/orders/{id}/overrides", VERIFY),
    ("POST", "/orders/{id}/verify", VERIFY),
    ("POST", "/orders/{id}/reject", VERIFY),
    ("GET", "/admin/users", ADMIN),
    ("POST", "/admin/users", ADMIN),
    ("GET", "/admin/settings", ADMIN),
    ("POST", "/admin/users/1", ADMIN),
    ("POST", "/admin/users/1/password", ADMIN),
]


@pytest.fixture
def order_id(api, make_document):
    return api.post("/api/v1/orders", json=make_document()).get_json()["id"]


@pytest.mark.parametrize("role", ["technician", "pharmacist", "admin"])
@pytest.mark.parametrize(("method", "path", "needs"), ROUTES)
def test_role_matrix(signed_in, order_id, role, method, path, needs):
    client = signed_in(role)
    response = client.open(path.format(id=order_id), method=method)
    if needs in ALLOWED[role]:
        assert response.status_code != 403
    else:
        assert response.status_code == 403


API_ROUTES = [
    ("POST", "/api/v1/checks", ENTER),
    ("POST", "/api/v1/orders", ENTER),
    ("GET", "/api/v1/orders/{id}", None),
    ("POST", "/api/v1/orders/{id}/verification", VERIFY),
    ("POST", "/api/v1/orders/{id}/rejection", VERIFY),
    ("POST", "/api/v1/orders/{id}/overrides", VERIFY),
]


@pytest.mark.parametrize(("method", "path", "needs"), API_ROUTES)
def test_the_api_without_a_token_is_401(client, order_id, method, path, needs):
    response = client.open(path.format(id=order_id), method=method, json={})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.is_json


@pytest.mark.parametrize(("method", "path", "needs"), API_ROUTES)
def test_a_bad_token_or_a_browser_session_is_401(signed_in, order_id, method, path, needs):
    client = signed_in("pharmacist")  # a session cookie does not authenticate the API
    response = client.open(
        path.format(id=order_id),
        method=method,
        json={},
        headers={"Authorization": "Bearer ldn_not-a-real-token"},
    )
    assert response.status_code == 401


@pytest.mark.parametrize("role", ["technician", "pharmacist", "admin"])
@pytest.mark.parametrize(("method", "path", "needs"), API_ROUTES)
def test_api_calls_act_with_their_users_role(
    app, make_user, token_for, order_id, make_document, role, method, path, needs
):
    token = token_for(make_user(role))
    body = make_document() if path in ("/api/v1/checks", "/api/v1/orders") else {}
    response = app.test_client().open(
        path.format(id=order_id),
        method=method,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    if needs is None or needs in ALLOWED[role]:
        assert response.status_code != 403
    else:
        assert response.status_code == 403
        assert response.is_json


def test_the_openapi_description_is_public(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
