"""The admin's pages: users (names, roles, password resets, the last admin) and settings."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from pharmacy_app.accounts.errors import AccountError
from pharmacy_app.accounts.models import Role, User
from pharmacy_app.accounts.services import create_user, update_user
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD, sign_in

TEMPORARY = "temporary password 1"


def flashes(client):
    with client.session_transaction() as session:
        return [message for _, message in session.pop("_flashes", [])]


def stored(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def edit(client, user, **changes):
    data = {
        f"u{user.id}-full_name": user.full_name,
        f"u{user.id}-role": user.role,
        f"u{user.id}-active": "y" if user.active else "",
    }
    data.update({f"u{user.id}-{name}": value for name, value in changes.items()})
    return client.post(f"/admin/users/{user.id}", data=data)


def test_an_admin_renames_a_user(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    edit(admin, user, full_name="  Tina Tran-Okafor ")
    assert stored(app, user.id).full_name == "Tina Tran-Okafor"
    assert 'value="Tina Tran-Okafor"' in admin.get("/admin/users").get_data(as_text=True)


@pytest.mark.parametrize(
    ("name", "why"),
    [("", "This field is required"), ("x" * 201, "at most 200"), ("Tina\tT", "one line")],
)
def test_a_name_that_cannot_be_stored_is_refused(app, signed_in, make_user, name, why):
    admin, user = signed_in("admin"), make_user("technician")
    edit(admin, user, full_name=name)
    assert any(why in message for message in flashes(admin))
    assert stored(app, user.id).full_name == user.full_name


def test_the_users_page_keeps_each_users_status_after_a_refused_new_user(signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    page = admin.post("/admin/users", data={"username": "bad name!"}).get_data(as_text=True)
    assert "Letters, digits, dots, dashes and underscores." in page
    assert f'<input checked id="u{user.id}-active"' in page


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(app, signed_in):
    admin = signed_in("admin")
    me = admin.user
    edit(admin, me, role="technician")
    assert "This is the last active admin: make another admin first." in flashes(admin)
    edit(admin, me, active="")
    assert "This is the last active admin: make another admin first." in flashes(admin)
    assert stored(app, me.id).role == "admin" and stored(app, me.id).active


def test_an_admin_may_step_down_once_there_is_another(app, signed_in, make_user):
    admin, other = signed_in("admin"), make_user("admin")
    edit(admin, admin.user, role="pharmacist")
    assert stored(app, admin.user.id).role == "pharmacist"
    assert stored(app, other.id).role == "admin"


def test_users_are_deactivated_and_re_roled_when_no_admin_is_involved(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    edit(admin, user, role="pharmacist", active="")
    assert (stored(app, user.id).role, stored(app, user.id).active) == ("pharmacist", False)


def demote_each_other(app, first, second):
    """Two admins demote each other at the same moment: the first change is written but not
    yet committed when the second begins. Returns the second's error, if any."""
    written, outcome = threading.Event(), {}

    def demote_second():
        with app.app_context():
            target = db.session.get(User, second)
            update_user(target, target.full_name, Role.TECHNICIAN, True)
            written.set()
            time.sleep(0.5)  # the other admin's request arrives now
            db.session.commit()

    worker = threading.Thread(target=demote_second)
    worker.start()
    assert written.wait(10)
    with app.app_context():
        target = db.session.get(User, first)
        try:
            update_user(target, target.full_name, Role.TECHNICIAN, True)
            db.session.commit()
        except AccountError as exc:
            db.session.rollback()
            outcome["error"] = str(exc)
        worker.join()
        outcome["admins"] = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True))
        )
    return outcome


def make_admins(app, *names):
    with app.app_context():
        ids = [create_user(name, name.title(), Role.ADMIN, PASSWORD).id for name in names]
        db.session.commit()
    return ids


def test_two_admins_demoting_each_other_at_once_leave_one_admin(app):
    first, second = make_admins(app, "ana", "ben")
    outcome = demote_each_other(app, first, second)
    assert outcome == {
        "error": "This is the last active admin: make another admin first.",
        "admins": 1,
    }


@pytest.mark.postgres
@pytest.mark.app_config(ARGON2_MEMORY_COST=1024)
def test_two_admins_demoting_each_other_at_once_leave_one_admin_on_postgresql(pg_app):
    first, second = make_admins(pg_app, "ana", "ben")
    outcome = demote_each_other(pg_app, first, second)
    assert outcome == {
        "error": "This is the last active admin: make another admin first.",
        "admins": 1,
    }


def test_an_admin_resets_a_forgotten_password(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    response = admin.post(
        f"/admin/users/{user.id}/password", data={f"pw{user.id}-password": TEMPORARY}
    )
    assert response.status_code == 302
    assert any("Temporary password set" in message for message in flashes(admin))
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": TEMPORARY})
    assert response.headers["Location"] == "/account"
    page = client.get("/account").get_data(as_text=True)
    assert "choose your own to continue" in page
    assert client.get("/orders/new").headers["Location"] == "/account"
    response = client.post(
        "/account",
        data={
            "pw-current": TEMPORARY,
            "pw-new": "my very own password",
            "pw-repeat": "my very own password",
            "pw-submit": "1",
        },
    )
    assert response.status_code == 302
    assert client.get("/orders/new").status_code == 200
    assert not stored(app, user.id).must_change_password


def test_a_password_reset_signs_the_user_out_and_lifts_a_sign_in_pause(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    session = sign_in(app.test_client(), user.username)
    for n in range(10):
        app.test_client().post("/login", data={"username": user.username, "password": f"x{n}"})
    admin.post(f"/admin/users/{user.id}/password", data={f"pw{user.id}-password": TEMPORARY})
    assert session.get("/").status_code == 302
    sign_in(app.test_client(), user.username, TEMPORARY)


def test_a_reset_password_follows_the_password_rules(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    admin.post(f"/admin/users/{user.id}/password", data={f"pw{user.id}-password": "short"})
    assert any("Use at least 10 characters." in message for message in flashes(admin))
    sign_in(app.test_client(), user.username)


def test_an_admin_changes_their_own_password_on_their_account_page(signed_in):
    admin = signed_in("admin")
    admin.post(
        f"/admin/users/{admin.user.id}/password", data={f"pw{admin.user.id}-password": TEMPORARY}
    )
    assert "Change your own password on your account page." in flashes(admin)
    assert admin.get("/admin/users").status_code == 200


def test_the_settings_page_shows_the_details_in_effect_and_where_they_come_from(app, signed_in):
    admin = signed_in("admin")
    page = admin.get("/admin/settings").get_data(as_text=True)
    name, address = (
        app.extensions["settings"].pharmacy_name,
        app.extensions["settings"].pharmacy_address,
    )
    assert f'placeholder="{name}"' in page
    assert f'placeholder="{address}"' in page
    assert f"the server&#39;s setting (PHARMACY_NAME): {name}" in page
    assert f"Pages and labels show: <strong>{name}</strong>" in page


def test_settings_saved_blank_fall_back_to_the_configuration(app, signed_in):
    admin = signed_in("admin")
    admin.post("/admin/settings", data={"name": "Cedar Apothecary", "address": "  ", "phone": ""})
    page = admin.get("/admin/settings").get_data(as_text=True)
    assert (
        "Pages and labels show: <strong>Cedar Apothecary</strong>, "
        + app.extensions["settings"].pharmacy_address
        in page
    )
    with app.app_context():
        from pharmacy_app.accounts.services import pharmacy_settings

        assert pharmacy_settings().address == ""


def test_the_self_verification_setting_says_it_covers_compounding_sign_off(signed_in):
    page = signed_in("admin").get("/admin/settings").get_data(as_text=True)
    assert "verify orders they entered and sign off compounding they prepared" in page


@pytest.mark.parametrize("field", ["name", "address", "phone"])
def test_settings_refuse_text_that_cannot_be_stored(app, signed_in, field):
    admin = signed_in("admin")
    response = admin.post("/admin/settings", data={field: "Cedar\x00Apothecary"})
    assert response.status_code in (200, 400)
    assert "NUL" in response.get_data(as_text=True)
    with app.app_context():
        from pharmacy_app.accounts.services import pharmacy_settings

        assert getattr(pharmacy_settings(), field) == ""
