"""The Alembic migrations give exactly the models' schema, on SQLite and PostgreSQL."""

from __future__ import annotations

import warnings

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from pharmacy_app import create_app
from pharmacy_app.extensions import db


def differences(app):
    with app.app_context(), db.engine.connect() as connection, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_metadata(MigrationContext.configure(connection), db.metadata)


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
    with app.app_context():
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        db.engine.dispose()


@pytest.mark.postgres
def test_upgrading_an_empty_postgresql_database_gives_the_full_schema(pg_app):
    assert differences(pg_app) == []
