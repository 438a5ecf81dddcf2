"""API tokens after a password change or reset, and the admin's view of any user's tokens:
seen (never the secret) and revoked from the user's page or the command line, each
revocation in the account log."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.models import AccountEvent, ApiToken, User
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD

NEW = "a new long password"
TEMPORARY = "temporary password 1"


def works(app, token):
    headers = {"Authorization": f"Bearer {token}"}
    status = app.test_client().get("/api/v1/orders/999999", headers=headers).status_code
    return status != 401


def events(app, user, kind=None):
    with app.app_context():
        query = select(AccountEvent).where(AccountEvent.user_id == user.id)
        if kind:
            query = query.where(AccountEvent.kind == kind)
        return [
            (e.kind, e.actor_id, e.detail)
            for e in db.session.scalars(query.order_by(AccountEvent.id))
        ]


def change_password(client, **extra):
    data = {"pw-current": PASSWORD, "pw-new": NEW, "pw-repeat": NEW, "pw-submit": "1"}
    return client.post("/account", data={**data, **extra})


def test_the_account_page_offers_to_revoke_tokens_checked(signed_in):
    page = signed_in("technician").get("/account").get_data(as_text=True)
    assert re.search(r'<input checked id="pw-revoke_tokens" name="pw-revoke_tokens"', page)
    assert "Also revoke my API tokens" in page


def test_a_password_change_revokes_the_tokens_when_asked(app, signed_in, token_for):
    client = signed_in("technician")
    tokens = [token_for(client.user), token_for(client.user)]
    response = change_password(client, **{"pw-revoke_tokens": "y"})
    assert response.status_code == 302
    assert not any(works(app, token) for token in tokens)
    page = client.get("/account").get_data(as_text=True)
    assert "2 API tokens were revoked." in page
    recorded = events(app, client.user, "token_revoked")
    assert len(recorded) == 2 and all(actor == client.user.id for _, actor, _ in recorded)


def test_a_password_change_keeps_the_tokens_when_unticked(app, signed_in, token_for):
    client = signed_in("technician")
    token = token_for(client.user)
    assert change_password(client).status_code == 302  # the box left unticked
    assert works(app, token)
    assert events(app, client.user) == [("password_changed", client.user.id, "")]


def test_an_admins_reset_always_revokes_the_users_tokens(app, signed_in, make_user, token_for):
    admin, user = signed_in("admin"), make_user("technician")
    token = token_for(user)
    admin.post(f"/admin/users/{user.id}/password", data={f"pw{user.id}-password": TEMPORARY})
    assert not works(app, token)
    with admin.session_transaction() as session:
        messages = [message for _, message in session.pop("_flashes", [])]
    assert any("1 API token was revoked." in message for message in messages)
    assert [kind for kind, _, _ in events(app, user)] == ["password_reset", "token_revoked"]
    assert {actor for _, actor, _ in events(app, user)} == {admin.user.id}


def test_an_admin_sees_a_users_tokens_but_never_the_secret(app, signed_in, make_user, token_for):
    admin, user = signed_in("admin"), make_user("technician")
    token = token_for(user)
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "tests" in page and token[:12] in page  # the label and how it starts
    assert token not in page and token[12:20] not in page
    assert f'href="/admin/users/{user.id}"' in admin.get("/admin/users").get_data(as_text=True)


def test_an_admin_revokes_another_users_token(app, signed_in, make_user, token_for):
    admin, user = signed_in("admin"), make_user("technician")
    kept, revoked = token_for(user), token_for(user)
    with app.app_context():
        token_id = db.session.scalars(
            select(ApiToken.id).where(ApiToken.prefix == revoked[:12])
        ).one()
    response = admin.post(f"/admin/users/{user.id}/tokens/{token_id}/revoke")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert works(app, kept) and not works(app, revoked)
    assert events(app, user) == [("token_revoked", admin.user.id, f"tests ({revoked[:12]}…)")]
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "API token revoked" in page and admin.user.full_name in page


def test_a_token_id_of_another_user_is_refused(app, signed_in, make_user, token_for):
    admin, owner, other = signed_in("admin"), make_user("technician"), make_user("technician")
    token = token_for(owner)
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    admin.post(f"/admin/users/{other.id}/tokens/{token_id}/revoke")
    assert works(app, token)
    assert events(app, owner) == []


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_only_an_admin_sees_or_revokes_another_users_tokens(
    app, signed_in, make_user, token_for, role
):
    client, user = signed_in(role), make_user("technician")
    token = token_for(user)
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    assert client.get(f"/admin/users/{user.id}").status_code == 403
    assert client.post(f"/admin/users/{user.id}/tokens/{token_id}/revoke").status_code == 403
    assert client.post(f"/account/tokens/{token_id}/revoke").status_code == 302
    assert works(app, token)


def test_a_user_revoking_their_own_token_is_recorded(app, signed_in, token_for):
    client = signed_in("technician")
    token_for(client.user)
    with app.app_context():
        token_id = db.session.scalars(select(ApiToken.id)).one()
    client.post(f"/account/tokens/{token_id}/revoke")
    client.post(f"/account/tokens/{token_id}/revoke")  # twice: recorded once
    assert [kind for kind, _, _ in events(app, client.user)] == ["token_revoked"]


def test_the_command_line_lists_and_revokes_tokens(app, runner, make_user, token_for):
    user = make_user("technician")
    first, second = token_for(user), token_for(user)
    listing = runner.invoke(args=["list-tokens", user.username])
    assert listing.exit_code == 0, listing.output
    assert first[:12] in listing.output and second[:12] in listing.output
    assert first not in listing.output and "live" in listing.output
    with app.app_context():
        first_id = db.session.scalars(
            select(ApiToken.id).where(ApiToken.prefix == first[:12])
        ).one()
    result = runner.invoke(args=["revoke-token", user.username, str(first_id)])
    assert result.exit_code == 0, result.output
    assert not works(app, first) and works(app, second)
    assert "revoked" in runner.invoke(args=["list-tokens", user.username]).output
    result = runner.invoke(args=["revoke-token", user.username, "--all"])
    assert "Revoked 1 API token" in result.output
    assert not works(app, second)
    assert [actor for _, actor, _ in events(app, user)] == [None, None]


@pytest.mark.parametrize(
    "arguments", [[], ["1", "--all"], ["999"]], ids=["neither", "both", "unknown id"]
)
def test_revoke_token_refuses_unclear_arguments(runner, make_user, token_for, arguments):
    user = make_user("technician")
    token_for(user)
    result = runner.invoke(args=["revoke-token", user.username, *arguments])
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_set_password_on_the_command_line_revokes_tokens_unless_kept(
    app, runner, make_user, token_for
):
    user = make_user("technician")
    token = token_for(user)
    kept = runner.invoke(args=["set-password", user.username, "--password", NEW, "--keep-tokens"])
    assert kept.exit_code == 0, kept.output
    assert works(app, token)
    result = runner.invoke(args=["set-password", user.username, "--password", "another one 2"])
    assert "1 API token revoked" in result.output
    assert not works(app, token)
    with app.app_context():
        assert db.session.get(User, user.id).tokens[0].revoked_at is not None
