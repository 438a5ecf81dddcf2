"""How long consumed form tokens and stored API answers are kept, and their clean-up."""

from __future__ import annotations

import datetime as dt

from flask import current_app
from sqlalchemy import delete
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..settings import settings
from ..timeutil import utcnow
from .models import FormSubmission, IdempotentRequest


def retention() -> dt.timedelta:
    """SUBMISSION_RETENTION_HOURS: a form token is accepted, and an answer replayed, this long."""
    return settings().submission_retention


def forget_expired() -> None:
    """Delete rows older than the retention, opportunistically (whenever a new one is about
    to be stored). On a connection of its own, so it never joins or commits the request's
    transaction; a failure only leaves the rows for next time."""
    cutoff = utcnow() - retention()
    try:
        with db.engine.begin() as connection:
            for table in (FormSubmission, IdempotentRequest):
                connection.execute(delete(table).where(table.created_at < cutoff))
    except SQLAlchemyError as exc:
        current_app.logger.warning("Expired submissions not deleted this time: %s", exc)
