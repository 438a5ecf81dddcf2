"""The password policy (NIST SP 800-63B): length 10 to 128, no common, breached or easily
guessed password, none equal to or containing the username or the name, no composition rules;
applied on the account page, the admin's new user and reset, the command line and the demo."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from pharmacy_app.accounts.errors import AccountError
from pharmacy_app.accounts.models import Role, User
from pharmacy_app.accounts.passwords import MAX_PASSWORD_LENGTH, check_password_rules
from pharmacy_app.accounts.services import authenticate, create_user
from pharmacy_app.demo import DEMO_USERS, demo_password
from pharmacy_app.extensions import db
from tests.conftest import PASSWORD, sign_in

COMMON = "This password is on a list of common and breached passwords: choose another."
USERNAME = "The password may not be or contain the username."
GUESSABLE = "This password is too easy to guess."


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password123", COMMON),
        ("1234567890", COMMON),
        ("PASSWORD123", COMMON),  # the block list is matched whatever the case
        ("qwertyuiop", COMMON),
        ("iloveyou12", COMMON),
        ("letmein123", GUESSABLE),  # a listed password with digits after it
        ("P@ssw0rd123", GUESSABLE),  # a listed password with the usual substitutions
        ("aaaaaaaaaaaa", GUESSABLE),  # a repeat
        ("abcdefghijk", GUESSABLE),  # a sequence
        ("marcelino", "Use at least 10 characters."),
        ("x" * (MAX_PASSWORD_LENGTH + 1), f"Use at most {MAX_PASSWORD_LENGTH} characters."),
        ("long enough\x00pw", "NUL"),
    ],
)
def test_refused_passwords_say_why(app, password, why):
    with app.app_context(), pytest.raises(AccountError, match=re.escape(why)):
        check_password_rules(password, username="tina", full_name="Tina Alvarez")


@pytest.mark.parametrize(
    "password",
    ["tina-tina-tina", "TINA", "my name is Tina!", "tina", "xxtinaxx 2026 pharmacy"],
)
def test_a_password_equal_to_or_containing_the_username_is_refused(app, password):
    with app.app_context(), pytest.raises(AccountError, match=USERNAME):
        check_password_rules(password.ljust(10, "!"), username="tina")


def test_a_password_equal_to_the_username_is_refused_however_long(app):
    with app.app_context(), pytest.raises(AccountError, match=USERNAME):
        check_password_rules("Pharmacist.Long.Name", username="pharmacist.long.name")


def test_a_short_username_inside_a_passphrase_is_no_clue(app):
    with app.app_context():
        check_password_rules("al dente ravioli tonight", username="al")


NAME = "The password may not contain the user’s name"


def test_the_users_own_name_is_refused(app):
    with app.app_context():
        check_password_rules("alvarez2026", username="marco", full_name="Marco Bianchi")
        with pytest.raises(AccountError, match=NAME):
            check_password_rules("alvarez2026", username="tina", full_name="Tina Alvarez")


@pytest.mark.parametrize(
    ("password", "clue"),
    [
        ("quinn tester", "quinntester"),
        ("QUINNTESTER1", "quinntester"),  # any case, spaces left out
        ("Q.u.i.n.n-Tester!", "quinntester"),  # punctuation ignored
        ("Tester, Quinn 2026", "testerquinn"),  # the name the other way round
        ("Tester 2026 and Quinn", "quinn"),  # the name words alone, in any order
        ("my friend quinn's garden", "quinn"),
    ],
)
def test_a_password_containing_the_full_name_or_a_longer_part_of_it_is_refused(app, password, clue):
    with app.app_context(), pytest.raises(AccountError, match=f"{NAME} or a part of it: “{clue}”"):
        check_password_rules(password, username="qt", full_name="Quinn Tester")


def test_short_name_words_count_only_as_the_whole_name(app):
    with app.app_context():
        check_password_rules("a lively wurst stand", username="lw", full_name="Li Wu")
        with pytest.raises(AccountError, match=f"{NAME} or a part of it: “liwu”"):
            check_password_rules("Li-Wu loves basil", username="lw", full_name="Li Wu")
        with pytest.raises(AccountError, match=f"{NAME} or a part of it: “wuli”"):
            check_password_rules("wu li quokka ferret 31", username="lw", full_name="Li Wu")


def test_accents_in_the_name_are_no_way_around_it(app):
    with app.app_context(), pytest.raises(AccountError, match=f"{NAME} or a part of it: “nunez”"):
        check_password_rules("nunez of the harbour", username="jn", full_name="José Núñez")


def test_the_account_page_refuses_a_password_with_the_name_at_the_field(app, signed_in):
    client = signed_in("technician")  # full name "Technician User"
    page = change_password(client, "the technician's garden").get_data(as_text=True)
    field = page[page.index('data-field="pw-new"') :]
    assert NAME in field[: field.index('data-field="pw-repeat"')]
    with app.app_context():
        assert authenticate(client.user.username, PASSWORD) is not None


def test_creating_a_user_refuses_a_password_with_their_name(app):
    with app.app_context():
        with pytest.raises(AccountError, match=NAME):
            create_user("qt", "Quinn Tester", Role.TECHNICIAN, "quinn tester")
        assert db.session.scalars(select(User).where(User.username == "qt")).first() is None


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,  # the tests' own password
        "all lower case words",  # no composition rules: no digit, capital or symbol needed
        "ÜberSchön lächelnd",  # any characters, spaces included
        "z" * 3 + " ordinary sentence " + "q" * (MAX_PASSWORD_LENGTH - 22),  # up to 128
    ],
)
def test_good_passwords_pass_without_composition_rules(app, password):
    assert len(password) <= MAX_PASSWORD_LENGTH
    with app.app_context():
        check_password_rules(password, username="tina", full_name="Tina Alvarez")


def test_passwords_up_to_at_least_64_characters_are_taken(app):
    with app.app_context():
        check_password_rules("purple tractor " * 4 + "sunrise!", username="tina")


def test_creating_a_user_follows_the_policy(app):
    with app.app_context():
        with pytest.raises(AccountError, match=USERNAME):
            create_user("nora", "Nora Quinn", Role.TECHNICIAN, "nora-nora-nora")
        with pytest.raises(AccountError, match=COMMON):
            create_user("nora", "Nora Quinn", Role.TECHNICIAN, "password123")
        assert db.session.scalars(select(User).where(User.username == "nora")).first() is None


def change_password(client, new, **extra):
    return client.post(
        "/account",
        data={
            "pw-current": PASSWORD,
            "pw-new": new,
            "pw-repeat": new,
            "pw-revoke_tokens": "y",
            "pw-submit": "1",
            **extra,
        },
    )


@pytest.mark.parametrize(
    ("new", "why"), [("password123", COMMON), ("1234567890", COMMON), ("{username}", USERNAME)]
)
def test_the_account_page_refuses_a_weak_new_password_at_the_field(app, signed_in, new, why):
    client = signed_in("technician")
    new = new.format(username=client.user.username)
    response = change_password(client, new)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    field = page[page.index('data-field="pw-new"') :]
    assert why in field[: field.index('data-field="pw-repeat"')]
    with app.app_context():
        assert authenticate(client.user.username, PASSWORD) is not None


def test_the_admin_page_refuses_a_weak_initial_password_at_the_field(app, signed_in):
    admin = signed_in("admin")
    for password, why in (("password123", COMMON), ("newperson1", USERNAME)):
        page = admin.post(
            "/admin/users",
            data={
                "username": "NewPerson1",
                "full_name": "New Person",
                "role": "technician",
                "password": password,
            },
        ).get_data(as_text=True)
        field = page[page.index('data-field="password"') :]
        assert why.replace("'", "&#39;") in field[: field.index("</div>\n</div>")]
    with app.app_context():
        assert db.session.scalars(select(User).where(User.username == "newperson1")).first() is None


def flashes(client):
    with client.session_transaction() as session:
        return [message for _, message in session.pop("_flashes", [])]


@pytest.mark.parametrize("password", ["password123", "1234567890", "{username}"])
def test_a_weak_temporary_password_is_refused(app, signed_in, make_user, password):
    admin, user = signed_in("admin"), make_user("technician")
    admin.post(
        f"/admin/users/{user.id}/password",
        data={f"pw{user.id}-password": password.format(username=user.username)},
    )
    assert any(why in message for message in flashes(admin) for why in (COMMON, USERNAME)), (
        "a clear reason"
    )
    sign_in(app.test_client(), user.username)


@pytest.mark.parametrize(
    ("command", "why"),
    [
        (["create-user", "nora", "--password", "password123"], COMMON),
        (["create-user", "nora", "--password", "nora-is-here"], USERNAME),
        (["set-password", "{username}", "--password", "1234567890"], COMMON),
        (["set-password", "{username}", "--password", "{username}"], USERNAME),
    ],
)
def test_the_command_line_follows_the_policy(runner, make_user, command, why):
    user = make_user("technician")
    result = runner.invoke(args=[part.format(username=user.username) for part in command])
    assert result.exit_code == 1
    assert why in result.output


@pytest.mark.parametrize(("username", "full_name"), [(u, n) for u, n, _ in DEMO_USERS])
def test_demo_passwords_pass_the_policy(app, username, full_name):
    with app.app_context():
        for _ in range(20):
            check_password_rules(demo_password(username, full_name), username=username)


def test_demo_passwords_are_drawn_again_when_the_policy_refuses_one(app, monkeypatch):
    import pharmacy_app.demo as demo

    draws = iter(["xx-sam-xx-sam-xx", "a fine random one"])
    monkeypatch.setattr(demo.secrets, "token_urlsafe", lambda _n: next(draws))
    with app.app_context():
        assert demo_password("sam", "Sam Okoro") == "a fine random one"
