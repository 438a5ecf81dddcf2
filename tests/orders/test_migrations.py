"""The Alembic migrations give exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import CheckConstraint, inspect, text

from pharmacy_app import create_app
from pharmacy_app.extensions import db


def differences(app):
    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


def missing_checks(app):
    """The models' named CHECK constraints (those of their enum columns among them) that the
    migrated database lacks: Alembic's comparison does not look at CHECK constraints."""
    with app.app_context():
        inspector = inspect(db.engine)
        declared = {
            (table.name, constraint.name)
            for table in db.metadata.tables.values()
            for constraint in table.constraints
            if isinstance(constraint, CheckConstraint)
        }
        present = {
            (table, check["name"])
            for table in inspector.get_table_names()
            for check in inspector.get_check_constraints(table)
        }
        return declared - present


def test_upgrading_an_empty_sqlite_database_gives_the_full_schema(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'empty.sqlite3'}", "SECRET_KEY": "test"}
    )
    with app.app_context():
        upgrade()
        assert {"patients", "prescribers", "orders", "order_checks", "rx_counter"} <= set(
            inspect(db.engine).get_table_names()
        )
    assert differences(app) == []
    assert missing_checks(app) == set()
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


@pytest.mark.postgres
def test_upgrading_an_empty_postgresql_database_gives_the_full_schema(pg_app):
    assert differences(pg_app) == []
    assert missing_checks(pg_app) == set()


def test_prescriber_licences_and_states_are_kept_as_they_are_compared(tmp_path):
    """Migration 0017: licences written with separators and states written out are kept in
    the form new records have, so the records of one licence are found however it is written."""
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.sqlite3'}", "SECRET_KEY": "test"}
    )
    with app.app_context():
        upgrade(revision="0016_catalogue_names_folded")
        db.session.execute(
            text(
                "INSERT INTO prescribers (name, credential, license_number, state, npi, created_at)"
                " VALUES ('Maria Lopez', 'MD', 'qa-56622', 'California', '', '2026-01-01'),"
                " ('Dana Ruiz', 'MD', 'MD154210', 'OR', '', '2026-01-01'),"
                " ('Kim Park', 'NP', '', '', '', '2026-01-01')"
            )
        )
        db.session.commit()
        upgrade()
        rows = db.session.execute(
            text("SELECT name, license_number, state FROM prescribers ORDER BY id")
        ).all()
        assert [tuple(r) for r in rows] == [
            ("Maria Lopez", "QA56622", "CA"),
            ("Dana Ruiz", "MD154210", "OR"),
            ("Kim Park", "", ""),
        ]
        db.engine.dispose()
