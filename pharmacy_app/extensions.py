"""Flask extensions, created unbound here and bound to the app in the factory."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base for every model (SQLAlchemy 2 typed mappings)."""


db = SQLAlchemy(model_class=Base)
# Models subclass `Model`: db.Model at run time, its typed base for the type checker.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def stored_enum(enum: type[StrEnum], *, length: int, name: str | None) -> sa.Enum:
    """The column type of a state kept as a `StrEnum`: its lowercase values in a VARCHAR of
    `length`, with a CHECK constraint `name` listing them (no native ENUM type, so a new value
    is the same small migration on SQLite and PostgreSQL); `name=None` for a column whose
    table has no such CHECK. Rows load as enum members; a string that is not a value is
    refused before it reaches the database."""
    return sa.Enum(
        enum,
        native_enum=False,
        values_callable=lambda members: [m.value for m in members],
        length=length,
        create_constraint=name is not None,
        validate_strings=True,
        name=name,
    )


migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
