"""Sign-in throttling: after too many wrong passwords for one username, that username is
paused for a while. Failures are rows in the database, so every worker counts the same ones;
any username is counted alike, so a pause never tells whether an account exists."""

from __future__ import annotations

import datetime as dt
import math

from flask import current_app
from sqlalchemy import delete, select

from ..extensions import db
from ..timeutil import utcnow
from .models import SignInFailure


class TooManyAttempts(Exception):
    """The username is paused; `minutes` until it may try again."""

    def __init__(self, minutes: int) -> None:
        self.minutes = minutes
        super().__init__(
            f"Too many wrong passwords: try again in {minutes} minute{'' if minutes == 1 else 's'}."
        )


def take_attempt(username: str) -> None:
    """Count a password attempt for the username before the password is checked, or raise
    TooManyAttempts when the window already holds the limit of failures.

    The attempt is stored (and committed) as a failure first and forgotten only by
    forget_failures() after a right password: counted afterwards, workers checking passwords
    at the same moment could together go past the limit."""
    limit, window = _limits()
    now = utcnow()
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < now - window))
    attempt = SignInFailure(username=username, at=now)
    db.session.add(attempt)
    db.session.commit()
    recent = db.session.scalars(
        select(SignInFailure.at)
        .where(SignInFailure.username == username, SignInFailure.at >= now - window)
        .order_by(SignInFailure.at.desc(), SignInFailure.id.desc())
        .limit(limit + 1)
    ).all()
    if len(recent) <= limit:
        return
    db.session.delete(attempt)  # a refused attempt does not lengthen the pause
    db.session.commit()
    # The pause ends when the oldest of the `limit` failures before this attempt leaves the
    # window.
    oldest = recent[limit] if recent[limit].tzinfo else recent[limit].replace(tzinfo=dt.UTC)
    raise TooManyAttempts(max(1, math.ceil((oldest + window - now).total_seconds() / 60)))


def forget_failures(username: str) -> None:
    """A right password (or a new one): the username's failures no longer count."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.username == username))


def _limits() -> tuple[int, dt.timedelta]:
    config = current_app.config
    return (
        int(config["SIGN_IN_MAX_FAILURES"]),
        dt.timedelta(minutes=float(config["SIGN_IN_PAUSE_MINUTES"])),
    )
