"""The command line refuses what it cannot do with one clear line, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.accounts.models import ApiToken, User
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.settings import ConfigurationError

ROOT = Path(__file__).resolve().parents[2]


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def refused(result, message):
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)  # click's error, not a traceback
    assert message in result.output


def test_seed_demo_force_on_a_seeded_database_refuses_clearly(app, runner):
    assert runner.invoke(args=["seed-demo", "--orders", "5"]).exit_code == 0
    orders = count(app, Order)
    result = runner.invoke(args=["seed-demo", "--orders", "2", "--force"])
    refused(result, "The demo catalogue (ingredients, lots, formulas) is already in this database")
    assert count(app, Order) == orders


def test_seed_demo_force_adds_demo_data_beside_orders_entered_by_hand(
    app, runner, tmp_path, make_document, make_user
):
    make_user("technician", username="tina")
    (tmp_path / "order.json").write_text(json.dumps(make_document()))
    runner.invoke(args=["create-order", "--user", "tina", str(tmp_path / "order.json")])
    assert "already has 1 orders" in runner.invoke(args=["seed-demo", "--orders", "3"]).output
    result = runner.invoke(args=["seed-demo", "--orders", "3", "--force"])
    assert result.exit_code == 0, result.output
    assert count(app, Order) == 4


@pytest.mark.parametrize("orders", ["-5", "-1", "lots"])
def test_seed_demo_refuses_a_negative_or_unreadable_number_of_orders(app, runner, orders):
    result = runner.invoke(args=["seed-demo", "--orders", orders])
    assert result.exit_code == 2
    assert "Invalid value for '--orders'" in result.output
    assert "Loaded" not in result.output
    assert count(app, Order) == 0


@pytest.mark.parametrize(
    ("username", "message"),
    [
        ("bad name!", "Letters, digits, dots, dashes and underscores."),
        ("tab\there", "Letters, digits, dots, dashes and underscores."),
        ("u" * 81, "Use at most 80 characters."),
        ("   ", "A username is needed."),
    ],
)
def test_create_user_refuses_the_usernames_the_web_form_refuses(
    app, runner, signed_in, username, message
):
    result = runner.invoke(args=["create-user", username, "--password", "a long password"])
    refused(result, f"Username: {message}")
    web = signed_in("admin").post(
        "/admin/users",
        data={
            "username": username,
            "full_name": "Some One",
            "role": "technician",
            "password": "a long password",
        },
    )
    page = web.get_data(as_text=True)
    assert message in page or (message == "A username is needed." and "required" in page)
    assert count(app, User) == 1  # only the admin


@pytest.mark.parametrize(
    ("name", "message"),
    [("n" * 201, "Use at most 200 characters."), ("Ana\nOrtiz", "one line")],
)
def test_create_user_refuses_a_name_the_web_form_refuses(app, runner, name, message):
    result = runner.invoke(args=["create-user", "ana", "--name", name, "--password", "long enough"])
    refused(result, "--name: ")
    assert message in result.output
    assert count(app, User) == 0


def test_create_user_keeps_an_accepted_name_trimmed(app, runner):
    result = runner.invoke(
        args=["create-user", " Ana.Ortiz ", "--name", " Ana Ortiz ", "--password", "long enough"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.username, user.full_name) == ("ana.ortiz", "Ana Ortiz")


def test_create_token_refuses_a_label_longer_than_its_column(app, runner, make_user):
    make_user("technician", username="tina")
    result = runner.invoke(args=["create-token", "tina", "--label", "x" * 500])
    refused(result, "--label: Use at most 100 characters.")
    assert count(app, ApiToken) == 0


def test_a_file_that_is_not_a_database_is_one_line_of_error(tmp_path):
    path = tmp_path / "notes.sqlite3"
    path.write_text("shopping list, not a database\n" * 100)
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "t"})
    for args in (["init-db"], ["create-user", "ana", "--password", "long enough"]):
        result = app.test_cli_runner().invoke(args=args)
        refused(result, f"Cannot use the database sqlite:///{path}: file is not a database")
    with app.app_context():
        db.engine.dispose()


def test_an_unreachable_database_server_is_one_line_of_error():
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "postgresql://pharmacy:secret@127.0.0.1:1/x", "SECRET_KEY": "t"}
    )
    result = app.test_cli_runner().invoke(args=["init-db"])
    refused(result, "Cannot use the database postgresql+psycopg://pharmacy:***@127.0.0.1:1/x")
    assert "secret" not in result.output
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize(
    ("url", "why"),
    [("mysqlx://db/pharmacy", "mysqlx:// is not supported"), ("pharmacy.db", "it has no scheme")],
)
def test_an_unknown_database_url_is_a_configuration_error(url, why):
    with pytest.raises(ConfigurationError, match=why):
        create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "t"})


def test_the_flask_command_prints_an_unknown_database_url_as_one_line(tmp_path):
    environment = {
        **os.environ,
        "DATABASE_URL": "mysqlx://db/pharmacy",
        "SECRET_KEY": "t",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "pharmacy_app", "create-user", "ana"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: DATABASE_URL is not a database URL this app can use (mysqlx:// is not "
        "supported): use sqlite:////path/to/file.sqlite3 or postgresql://user@host/name."
    )
    assert "Traceback" not in result.stderr + result.stdout
