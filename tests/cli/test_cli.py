"""The command line: check a document file, store one, set up the database, demo data."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from pharmacy_app import create_app
from pharmacy_app.extensions import db
from pharmacy_app.orders.models import Order
from pharmacy_app.orders.patients import Patient
from pharmacy_app.orders.prescribers import Prescriber


def write(tmp_path, document, name="order.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return str(path)


@pytest.mark.parametrize(
    ("changes", "status", "verdict"),
    [
        ({}, 0, "PASS"),
        ({"preparation": {"strength": "6 mg"}, "sig": {"dose": "6 mg"}}, 1, "WARN"),
        ({"preparation": {"release": "sustained release"}}, 2, "BLOCK"),
    ],
)
def test_check_exits_with_the_verdict(runner, tmp_path, make_document, changes, status, verdict):
    result = runner.invoke(args=["check", write(tmp_path, make_document(**changes))])
    assert result.exit_code == status
    assert f"Verdict: {verdict}" in result.output


def test_check_prints_each_finding_with_its_field(runner, tmp_path, make_document):
    result = runner.invoke(
        args=["check", write(tmp_path, make_document(preparation={"excipients": ["CaCO3"]}))]
    )
    assert "excipient.calcium_carbonate" in result.output
    assert "preparation.excipients[0]" in result.output


def test_check_json_output_parses(runner, tmp_path, make_document):
    result = runner.invoke(args=["check", "--json", write(tmp_path, make_document())])
    assert json.loads(result.output)["verdict"] == "pass"


@pytest.mark.parametrize("content", ["{not json", "[]", '{"patient": {}}'])
def test_malformed_documents_exit_3(runner, tmp_path, content):
    result = runner.invoke(args=["check", write(tmp_path, content)])
    assert result.exit_code == 3
    assert "Malformed" in result.output


def test_a_missing_file_exits_3(runner, tmp_path):
    result = runner.invoke(args=["check", str(tmp_path / "nope.json")])
    assert result.exit_code == 3


def test_check_reads_standard_input(runner, make_document):
    result = runner.invoke(args=["check", "-"], input=json.dumps(make_document()))
    assert result.exit_code == 0


def test_create_order_stores_it(app, runner, tmp_path, make_document, make_user):
    make_user("technician", username="tina")
    result = runner.invoke(
        args=["create-order", "--user", "tina", write(tmp_path, make_document())]
    )
    assert result.exit_code == 0, result.output
    assert "RX-100001" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 1


def test_init_db_creates_and_upgrades_an_empty_database(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'new.sqlite3'}", "SECRET_KEY": "test"}
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == 0
        db.engine.dispose()


@pytest.mark.slow
def test_seed_demo_loads_realistic_data_once(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(Order))
        assert count >= 100
        assert db.session.scalar(select(func.count()).select_from(Prescriber)) >= 12
        assert db.session.scalar(select(func.count()).select_from(Patient)) >= 24
        statuses = set(db.session.scalars(select(Order.status).distinct()))
        verdicts = set(db.session.scalars(select(Order.verdict).distinct()))
        assert statuses == {"draft", "checked", "verified", "rejected", "compounded", "dispensed"}
        assert verdicts == {"pass", "warn", "block"}
        credentials = set(db.session.scalars(select(Prescriber.credential).distinct()))
        assert {"MD", "DO", "NP", "ND"} <= credentials
        oldest = db.session.scalar(select(func.min(Order.date_received)))
        newest = db.session.scalar(select(func.max(Order.date_received)))
        assert dt.date.today() - oldest > dt.timedelta(days=150)
        assert newest <= dt.date.today()
    assert "priya" in result.output  # the demo users' passwords are printed once
    again = runner.invoke(args=["seed-demo"])
    assert "already has" in again.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Order)) == count


def test_demo_data_is_deterministic():
    from pharmacy_app.demo import demo_documents

    today = dt.date(2026, 11, 24)
    assert demo_documents(20, seed=1, today=today) == demo_documents(20, seed=1, today=today)


def test_create_user_and_token_from_the_command_line(app, runner):
    result = runner.invoke(
        args=["create-user", "ADMIN", "--role", "admin", "--password", "a long password"]
    )
    assert result.exit_code == 0, result.output
    token = runner.invoke(args=["create-token", "admin", "--label", "e-Rx gateway"])
    assert token.exit_code == 0
    answer = app.test_client().get(
        "/api/v1/orders/1", headers={"Authorization": f"Bearer {token.output.strip()}"}
    )
    assert answer.status_code == 404  # authenticated: the order just does not exist


def test_create_user_refuses_a_short_password_and_a_taken_name(runner):
    assert runner.invoke(args=["create-user", "x", "--password", "short"]).exit_code == 1
    assert runner.invoke(args=["create-user", "x", "--password", "long enough pw"]).exit_code == 0
    taken = runner.invoke(args=["create-user", "X", "--password", "long enough pw"])
    assert taken.exit_code == 1
    assert "taken" in taken.output


def test_create_user_prompts_for_the_password(runner):
    result = runner.invoke(
        args=["create-user", "pat", "--role", "pharmacist"],
        input="a long password\na long password\n",
    )
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_seed_demo_loads_the_formulas_the_demo_orders_need(app, runner):
    from pharmacy_app.compounding.models import CompoundingRecord, MasterFormulation
    from pharmacy_app.compounding.services import matching_formulations

    runner.invoke(args=["seed-demo"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MasterFormulation)) >= 30
        signed = db.session.scalars(
            select(CompoundingRecord).where(CompoundingRecord.status == "signed_off")
        ).all()
        assert len(signed) >= 20
        waiting = db.session.scalars(select(Order).where(Order.status == "verified")).all()
        assert waiting and all(
            matching_formulations(order)[0] for order in waiting if order.strength_text != "50 mg"
        )


def test_set_password_lets_a_user_sign_in_again(app, runner, make_user):
    user = make_user("pharmacist", username="forgetful")
    result = runner.invoke(args=["set-password", "forgetful", "--password", "a brand new one"])
    assert result.exit_code == 0, result.output
    response = app.test_client().post(
        "/login", data={"username": "forgetful", "password": "a brand new one"}
    )
    assert response.status_code == 302
    assert runner.invoke(args=["set-password", "forgetful", "--password", "short"]).exit_code == 1
    assert (
        runner.invoke(args=["set-password", "nobody", "--password", "long enough"]).exit_code == 1
    )
    assert user
