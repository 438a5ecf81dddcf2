"""Sign-in throttling: too many wrong passwords pause a username, or a client address, on
every worker, without telling whether the username exists; an address the user signed in from
is not shut out by others' failures, and an admin or the command line lifts a pause."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.accounts.models import AccountEvent, KnownSignInAddress, SignInFailure
from pharmacy_app.extensions import db
from pharmacy_app.settings import ConfigurationError
from tests.conftest import PASSWORD, sign_in

LIMIT = 10  # SIGN_IN_MAX_FAILURES by default


def attempt(client, username, password):
    return client.post("/login", data={"username": username, "password": password})


def fail(client, username, times):
    for n in range(times):
        page = attempt(client, username, f"wrong guess {n}")
        assert "Wrong username or password" in page.get_data(as_text=True)


def age_failures(app, minutes):
    """Move every stored failure `minutes` into the past."""
    with app.app_context():
        for failure in db.session.scalars(select(SignInFailure)):
            failure.at -= dt.timedelta(minutes=minutes)
        db.session.commit()


def test_the_right_password_is_refused_after_too_many_wrong_ones(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    page = attempt(client, user.username, PASSWORD)
    assert page.status_code == 200
    assert "Too many wrong passwords: try again in 15 minutes." in page.get_data(as_text=True)
    assert client.get("/orders").status_code == 302


def test_fewer_wrong_passwords_than_the_limit_do_not_pause(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT - 1)
    sign_in(client, user.username)


def test_a_right_password_forgets_the_earlier_failures(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT - 1)
    sign_in(client, user.username)
    client.post("/logout")
    fail(client, user.username, LIMIT - 1)
    sign_in(client, user.username)


def test_an_unknown_username_is_paused_just_like_a_real_one(client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    fail(client, "nobody-by-this-name", LIMIT)
    real = attempt(client, user.username, "one more").get_data(as_text=True)
    unknown = attempt(client, "nobody-by-this-name", "one more").get_data(as_text=True)
    assert "Too many wrong passwords" in real
    # The same page but for the name typed (and any form token, which differs on every page).
    assert _without_tokens(real.replace(user.username, "?")) == _without_tokens(
        unknown.replace("nobody-by-this-name", "?")
    )


def _without_tokens(page: str) -> str:
    """The page without its form tokens: hidden inputs and the page's csrf-token meta (a
    token carries its second, so two pages a second apart differ there)."""
    page = re.sub(r'(<meta name="csrf-token" content=")[^"]*"', r'\1"', page)
    return re.sub(r'(<input[^>]*type="hidden"[^>]*value=")[^"]*"', r'\1"', page)


def test_a_pause_is_per_username(client, make_user):
    paused, other = make_user("technician"), make_user("technician")
    fail(client, paused.username, LIMIT)
    sign_in(client, other.username)


def test_the_pause_ends_when_the_failures_are_old_enough(app, client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    age_failures(app, 10)
    page = attempt(client, user.username, PASSWORD).get_data(as_text=True)
    assert "try again in 5 minutes" in page
    age_failures(app, 5)
    sign_in(client, user.username)


def test_paused_attempts_do_not_lengthen_the_pause(app, client, make_user):
    user = make_user("technician")
    fail(client, user.username, LIMIT)
    for _ in range(20):
        attempt(client, user.username, "still guessing")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SignInFailure)) == LIMIT
    age_failures(app, 15)
    sign_in(client, user.username)


def test_usernames_are_counted_as_signed_in_trimmed_and_in_lower_case(client, make_user):
    user = make_user("technician")
    fail(client, f"  {user.username.upper()} ", LIMIT)
    assert "Too many" in attempt(client, user.username, PASSWORD).get_data(as_text=True)


def test_every_worker_counts_the_same_failures(app, migrated_sqlite, make_user):
    """Two app instances on one database stand for two workers."""
    user = make_user("technician")
    other_worker = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}
    )
    first, second = app.test_client(), other_worker.test_client()
    for n in range(LIMIT):
        attempt(first if n % 2 else second, user.username, f"guess {n}")
    assert "Too many" in attempt(first, user.username, PASSWORD).get_data(as_text=True)
    assert "Too many" in attempt(second, user.username, PASSWORD).get_data(as_text=True)
    with other_worker.app_context():
        db.engine.dispose()


def test_the_limits_are_configurable(migrated_sqlite, tmp_path, monkeypatch, make_user):
    database = tmp_path / "strict.sqlite3"
    shutil.copy(migrated_sqlite, database)
    monkeypatch.setenv("FLASK_SIGN_IN_MAX_FAILURES", "3")
    monkeypatch.setenv("FLASK_SIGN_IN_PAUSE_MINUTES", "60")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    client = app.test_client()
    fail(client, "someone", 3)
    assert "try again in 60 minutes" in attempt(client, "someone", "x").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()


def test_wrong_current_passwords_on_the_account_page_are_throttled_too(app, signed_in):
    client = signed_in("technician")
    change = {
        "pw-new": "a new long password",
        "pw-repeat": "a new long password",
        "pw-submit": "1",
    }
    for n in range(LIMIT):
        page = client.post("/account", data={**change, "pw-current": f"wrong {n}"})
        assert "not your current password" in page.get_data(as_text=True)
    page = client.post("/account", data={**change, "pw-current": PASSWORD})
    assert "Too many wrong passwords" in page.get_data(as_text=True)
    assert (
        attempt(app.test_client(), client.user.username, "a new long password").status_code == 200
    )
    assert "Too many" in attempt(app.test_client(), client.user.username, PASSWORD).get_data(
        as_text=True
    )


def test_old_failures_are_cleared_away(app, client, make_user):
    fail(client, "someone", 3)
    age_failures(app, 60)
    fail(client, "someone-else", 1)
    with app.app_context():
        assert db.session.scalars(select(SignInFailure.username)).all() == ["someone-else"]


@pytest.mark.parametrize("field", ["username", "password"])
def test_a_nul_character_in_a_sign_in_field_is_an_error_not_a_crash(client, make_user, field):
    user = make_user("technician")
    data = {"username": user.username, "password": PASSWORD, field: "a\x00b"}
    response = client.post("/login", data=data)
    assert response.status_code in (200, 400)  # 400 when the app-wide NUL guard answers first
    assert "NUL" in response.get_data(as_text=True)
    assert client.get("/orders").status_code == 302


@pytest.mark.postgres
def test_a_nul_character_in_a_sign_in_field_is_an_error_on_postgresql(pg_app):
    pg_app.config["WTF_CSRF_ENABLED"] = False
    response = pg_app.test_client().post("/login", data={"username": "a\x00b", "password": "c"})
    assert response.status_code in (200, 400)
    assert "NUL" in response.get_data(as_text=True)


# Per client address, known addresses, and the ways in when a username is paused.

ADDRESS_LIMIT = 30  # SIGN_IN_MAX_FAILURES_PER_ADDRESS by default
OFFICE, ATTACKER, HOME = "198.51.100.10", "203.0.113.66", "192.0.2.44"


def browser(app, address):
    """A test client whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def spray(client, usernames, each):
    """Wrong passwords for several usernames, `each` for every one (under their limit)."""
    for username in usernames:
        fail(client, username, each)


def test_too_many_wrong_passwords_from_one_address_pause_that_address(app, make_user):
    user = make_user("technician")
    attacker = browser(app, ATTACKER)
    spray(attacker, [f"guess{n}" for n in range(ADDRESS_LIMIT // 5)], 5)
    page = attempt(attacker, user.username, PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords from this network address: try again in 15 minutes." in page
    assert attacker.get("/orders").status_code == 302
    sign_in(browser(app, OFFICE), user.username)  # the username itself is not paused


def test_the_address_limit_holds_across_workers(app, make_user):
    user = make_user("technician")
    other_worker = create_app(dict(app.config))
    first, second = browser(app, ATTACKER), browser(other_worker, ATTACKER)
    for n in range(ADDRESS_LIMIT):
        attempt(first if n % 2 else second, f"someone{n}", "wrong")
    for client in (first, second):
        page = attempt(client, user.username, PASSWORD).get_data(as_text=True)
        assert "from this network address" in page
    with other_worker.app_context():
        db.engine.dispose()


def test_an_address_pause_ends_with_the_window_and_is_not_lengthened(app, make_user):
    user = make_user("technician")
    attacker = browser(app, ATTACKER)
    spray(attacker, [f"guess{n}" for n in range(ADDRESS_LIMIT // 5)], 5)
    for _ in range(10):
        assert "network address" in attempt(attacker, "more", "x").get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(SignInFailure))
        assert stored == ADDRESS_LIMIT
    age_failures(app, 15)
    sign_in(attacker, user.username)


def test_a_paused_username_still_signs_in_from_an_address_it_used_before(app, make_user):
    admin = make_user("admin")
    office = sign_in(browser(app, OFFICE), admin.username)
    office.post("/logout")
    fail(browser(app, ATTACKER), admin.username, LIMIT)
    for elsewhere in (ATTACKER, HOME):
        page = attempt(browser(app, elsewhere), admin.username, PASSWORD).get_data(as_text=True)
        assert "Too many wrong passwords: try again in 15 minutes." in page
    sign_in(office, admin.username)
    assert office.get("/admin/users").status_code == 200


def test_a_known_address_is_paused_by_its_own_wrong_passwords(app, make_user):
    user = make_user("technician")
    office = sign_in(browser(app, OFFICE), user.username)
    office.post("/logout")
    fail(office, user.username, LIMIT)
    assert "Too many wrong passwords:" in attempt(office, user.username, PASSWORD).get_data(
        as_text=True
    )


def test_an_address_is_known_only_for_a_while(app, make_user):
    user = make_user("technician")
    sign_in(browser(app, OFFICE), user.username)
    with app.app_context():
        for known in db.session.scalars(select(KnownSignInAddress)):
            known.at -= app.extensions["settings"].known_address_period + dt.timedelta(days=1)
        db.session.commit()
    fail(browser(app, ATTACKER), user.username, LIMIT)
    page = attempt(browser(app, OFFICE), user.username, PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords: try again" in page


def test_an_address_is_known_only_for_the_username_it_signed_in_as(app, make_user):
    user, other = make_user("technician"), make_user("technician")
    sign_in(browser(app, OFFICE), other.username)
    fail(browser(app, ATTACKER), user.username, LIMIT)
    page = attempt(browser(app, OFFICE), user.username, PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords: try again" in page


def test_a_right_password_forgets_only_that_addresses_failures(app, make_user):
    user = make_user("technician")
    fail(browser(app, ATTACKER), user.username, LIMIT - 1)
    sign_in(browser(app, OFFICE), user.username)
    fail(browser(app, HOME), user.username, 1)
    page = attempt(browser(app, HOME), user.username, PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords: try again" in page


def test_the_admins_user_page_shows_a_pause_and_lifts_it(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    fail(browser(app, ATTACKER), user.username, LIMIT)
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f"Paused: {LIMIT} wrong passwords in the last 15 minutes" in page
    assert f'action="/admin/users/{user.id}/unlock"' in page
    response = admin.post(f"/admin/users/{user.id}/unlock")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    sign_in(browser(app, HOME), user.username)
    with app.app_context():
        event = db.session.scalars(select(AccountEvent)).one()
        assert (event.user_id, event.actor_id, event.kind) == (user.id, admin.user.id, "unlocked")
        assert event.detail == f"{LIMIT} wrong passwords forgotten"
    page = admin.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "Sign-in pause lifted" in page and "Paused:" not in page


@pytest.mark.parametrize("role", ["technician", "pharmacist"])
def test_only_an_admin_lifts_a_pause(app, signed_in, make_user, role):
    client, user = signed_in(role), make_user("technician")
    fail(browser(app, ATTACKER), user.username, LIMIT)
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 403
    assert "Too many" in attempt(browser(app, HOME), user.username, PASSWORD).get_data(as_text=True)


def test_lifting_a_pause_needs_the_forms_csrf_token(app, make_user):
    admin, user = make_user("admin"), make_user("technician")
    fail(browser(app, ATTACKER), user.username, LIMIT)
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login)[1]
    form = {"csrf_token": token, "username": admin.username, "password": PASSWORD}
    assert client.post("/login", data=form).status_code == 302
    assert client.post(f"/admin/users/{user.id}/unlock").status_code == 400
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"><button type="submit">Lift', page)[1]
    response = client.post(f"/admin/users/{user.id}/unlock", data={"csrf_token": token})
    assert response.status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(browser(app, HOME), user.username)


def test_the_command_line_lifts_a_pause_on_the_admin(app, runner, make_user):
    admin = make_user("admin")
    fail(browser(app, ATTACKER), admin.username, LIMIT)
    assert "Too many" in attempt(browser(app, HOME), admin.username, PASSWORD).get_data(
        as_text=True
    )
    result = runner.invoke(args=["unlock-user", admin.username.upper()])
    assert result.exit_code == 0, result.output
    assert f"{LIMIT} wrong passwords forgotten" in result.output
    sign_in(browser(app, HOME), admin.username)
    with app.app_context():
        event = db.session.scalars(select(AccountEvent)).one()
        assert (event.kind, event.actor_id) == ("unlocked", None)
    assert runner.invoke(args=["unlock-user", "nobody"]).exit_code == 1


def proxied_app(migrated_sqlite, tmp_path, monkeypatch, proxies):
    database = tmp_path / "proxied.sqlite3"
    shutil.copy(migrated_sqlite, database)
    if proxies is not None:
        monkeypatch.setenv("FLASK_TRUSTED_PROXIES", proxies)
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "t",
            "WTF_CSRF_ENABLED": False,
            "ARGON2_MEMORY_COST": 1024,
            "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 3,
        }
    )


def forwarded(app, address):
    client = app.test_client()
    client.environ_base["HTTP_X_FORWARDED_FOR"] = address
    return client


def test_behind_a_trusted_proxy_each_client_address_is_counted(
    migrated_sqlite, tmp_path, monkeypatch
):
    app = proxied_app(migrated_sqlite, tmp_path, monkeypatch, "1")
    fail(forwarded(app, ATTACKER), "someone", 3)
    assert "network address" in attempt(forwarded(app, ATTACKER), "x", "y").get_data(as_text=True)
    fail(forwarded(app, HOME), "someone-else", 1)
    with app.app_context():
        assert set(db.session.scalars(select(SignInFailure.address))) == {ATTACKER, HOME}
        db.engine.dispose()


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(
    migrated_sqlite, tmp_path, monkeypatch
):
    app = proxied_app(migrated_sqlite, tmp_path, monkeypatch, None)
    fail(forwarded(app, ATTACKER), "someone", 3)
    assert "network address" in attempt(forwarded(app, HOME), "x", "y").get_data(as_text=True)
    with app.app_context():
        assert set(db.session.scalars(select(SignInFailure.address))) == {"127.0.0.1"}
        db.engine.dispose()


@pytest.mark.parametrize("value", ["-1", "true", "two"])
def test_a_trusted_proxies_setting_that_is_not_a_count_is_refused(
    migrated_sqlite, tmp_path, monkeypatch, value
):
    with pytest.raises(ConfigurationError, match="TRUSTED_PROXIES"):
        proxied_app(migrated_sqlite, tmp_path, monkeypatch, value)


@pytest.mark.postgres
@pytest.mark.app_config(WTF_CSRF_ENABLED=False, ARGON2_MEMORY_COST=1024)
def test_the_address_limit_and_known_addresses_hold_on_postgresql(pg_app):
    with pg_app.app_context():
        from pharmacy_app.accounts.models import Role
        from pharmacy_app.accounts.services import create_user

        create_user("pgadmin", "PG Admin", Role.ADMIN, PASSWORD)
        db.session.commit()
    sign_in(browser(pg_app, OFFICE), "pgadmin")
    attacker = browser(pg_app, ATTACKER)
    fail(attacker, "pgadmin", LIMIT)
    spray(attacker, [f"guess{n}" for n in range(4)], 5)
    assert "network address" in attempt(attacker, "pgadmin", PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords:" in attempt(
        browser(pg_app, HOME), "pgadmin", PASSWORD
    ).get_data(as_text=True)
    sign_in(browser(pg_app, OFFICE), "pgadmin")


# A shared address (an office behind NAT, a proxy without FLASK_TRUSTED_PROXIES) and its pause.


def pause_address(client, prefix="ghost"):
    """Wrong passwords for made-up usernames until the client's address is paused."""
    spray(client, [f"{prefix}{n}" for n in range(ADDRESS_LIMIT // 5)], 5)
    page = attempt(client, f"{prefix}-next", "wrong").get_data(as_text=True)
    assert "Too many wrong passwords from this network address" in page


def signed_in_before(app, address, *users):
    for user in users:
        sign_in(browser(app, address), user.username).post("/logout")


def test_a_paused_address_still_lets_in_whoever_signed_in_from_it_lately(app, make_user):
    admin, tina, newcomer = make_user("admin"), make_user("technician"), make_user("technician")
    signed_in_before(app, OFFICE, admin, tina)
    pause_address(browser(app, OFFICE))
    for user in (admin, tina):
        sign_in(browser(app, OFFICE), user.username)
    page = attempt(browser(app, OFFICE), newcomer.username, PASSWORD).get_data(as_text=True)
    assert "from this network address" in page


def test_under_an_address_pause_a_known_usernames_own_guesses_stay_throttled(app, make_user):
    user = make_user("technician")
    signed_in_before(app, OFFICE, user)
    pause_address(browser(app, OFFICE))
    fail(browser(app, OFFICE), user.username, LIMIT)
    page = attempt(browser(app, OFFICE), user.username, PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords: try again in 15 minutes." in page


def test_the_command_line_lifts_an_address_pause_but_not_the_usernames(
    app, runner, make_user, caplog
):
    newcomer, guessed = make_user("technician"), make_user("technician")
    office = browser(app, OFFICE)
    fail(office, guessed.username, LIMIT)
    spray(office, [f"ghost{n}" for n in range(4)], 5)
    assert "network address" in attempt(office, newcomer.username, PASSWORD).get_data(as_text=True)
    result = runner.invoke(args=["unlock-address", OFFICE])
    assert result.exit_code == 0, result.output
    assert f"{OFFICE} are no longer paused ({ADDRESS_LIMIT} wrong passwords" in result.output
    assert f"Sign-in pause on network address {OFFICE} lifted by the command line" in caplog.text
    sign_in(browser(app, OFFICE), newcomer.username)
    page = attempt(browser(app, HOME), guessed.username, PASSWORD).get_data(as_text=True)
    assert "Too many wrong passwords: try again" in page
    # The address is counted afresh: as many wrong passwords again as it takes, less one.
    spray(browser(app, OFFICE), [f"after{n}" for n in range(ADDRESS_LIMIT - 1)], 1)


def test_lifting_an_address_with_nothing_counted_says_so(app, runner):
    pause_address(browser(app, ATTACKER))
    result = runner.invoke(args=["unlock-address", HOME])
    assert result.exit_code == 1
    assert f"No wrong passwords from {HOME} are counted" in result.output
    assert f"(addresses paused now: {ATTACKER})" in result.output


def test_unlocking_a_user_names_the_address_pauses_that_still_shut_them_out(app, runner, make_user):
    user, regular = make_user("admin"), make_user("technician")
    signed_in_before(app, OFFICE, regular)
    pause_address(browser(app, OFFICE))
    result = runner.invoke(args=["unlock-user", user.username])
    assert result.exit_code == 0, result.output
    assert "may sign in again" not in result.output
    assert f"still paused after too many wrong passwords, and {user.username}" in result.output
    assert f"{OFFICE} (15 more minutes). Lift one with: flask unlock-address" in result.output
    assert "Too many" in attempt(browser(app, OFFICE), user.username, PASSWORD).get_data(
        as_text=True
    )
    result = runner.invoke(args=["unlock-user", regular.username])
    assert f"{regular.username} may sign in again from anywhere" in result.output
    runner.invoke(args=["unlock-address", OFFICE])
    result = runner.invoke(args=["unlock-user", user.username])
    assert f"{user.username} may sign in again from anywhere" in result.output
    sign_in(browser(app, OFFICE), user.username)


def test_the_admins_unlock_names_the_address_pauses_that_remain(app, signed_in, make_user):
    admin, user = signed_in("admin"), make_user("technician")
    pause_address(browser(app, ATTACKER))
    admin.post(f"/admin/users/{user.id}/unlock")
    with admin.session_transaction() as session:
        messages = [message for _, message in session.pop("_flashes", [])]
    assert any("addresses are still paused" in m and ATTACKER in m for m in messages), messages


@pytest.mark.postgres
@pytest.mark.app_config(WTF_CSRF_ENABLED=False, ARGON2_MEMORY_COST=1024)
def test_a_shared_address_pause_on_postgresql_spares_known_users_and_lifts(pg_app):
    """The QA probe: 31 wrong passwords for made-up usernames from 127.0.0.1."""
    with pg_app.app_context():
        from pharmacy_app.accounts.models import Role
        from pharmacy_app.accounts.services import create_user

        for username in ("admin", "tina", "newcomer"):
            create_user(username, username.title(), Role.ADMIN, PASSWORD)
        db.session.commit()
    shared = "127.0.0.1"
    for username in ("admin", "tina"):
        sign_in(browser(pg_app, shared), username).post("/logout")
    for n in range(ADDRESS_LIMIT + 1):
        attempt(browser(pg_app, shared), f"ghost{n}", "wrong")
    for username in ("admin", "tina"):
        sign_in(browser(pg_app, shared), username)
    page = attempt(browser(pg_app, shared), "newcomer", PASSWORD).get_data(as_text=True)
    assert "from this network address" in page
    runner = pg_app.test_cli_runner()
    assert "flask unlock-address" in runner.invoke(args=["unlock-user", "newcomer"]).output
    result = runner.invoke(args=["unlock-address", shared])
    assert result.exit_code == 0, result.output
    sign_in(browser(pg_app, shared), "newcomer")
