"""One-time form tokens: a form that creates a record stores it once, however often it is
posted (a double click, two tabs, a resubmitted page).

The token is issued in a hidden field (`OnceTokenField`), signed with the app's secret key,
bound to the signed-in user and dated. The route `claim`s it just before storing: a row
with a unique nonce goes into the same transaction as the record. A second post of the same
form either finds that row or, when it raced the first on PostgreSQL, waits on the unique
index until the first commits and gets an IntegrityError. Either way nothing is stored again
and the user is shown what the first post saved (`AlreadySubmitted`).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from flask import Flask, current_app, flash, redirect, request
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import Form, HiddenField
from wtforms.validators import StopValidation

from ..extensions import db
from .models import NONCE_LENGTH, FormSubmission
from .retention import forget_expired, retention

_SALT = "pharmacy-app.form-once"


class AlreadySubmitted(Exception):
    """The form's token was consumed by an earlier post: show what that post saved."""

    def __init__(self, first: FormSubmission | None) -> None:
        super().__init__("This form was already submitted.")
        self.what = first.what if first else "record"
        self.result_url = first.result_url if first else None


def configure_form_tokens(app: Flask) -> None:
    app.register_error_handler(AlreadySubmitted, _show_first)


def _show_first(error: AlreadySubmitted) -> Response:
    db.session.rollback()
    flash(f"This form was already submitted; here is the {error.what} it saved.")
    return redirect(error.result_url or request.full_path.rstrip("?"), 303)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=_SALT)


def _user_id() -> int:
    return int(current_user.id) if current_user.is_authenticated else 0


def issue_token() -> str:
    """A fresh token for a form about to be shown to the signed-in user."""
    return str(_serializer().dumps([_user_id(), secrets.token_hex(16)]))


def _required() -> bool:
    # Like the CSRF token beside it, the token comes with every page the app serves; it may
    # be left out only where CSRF protection is switched off (test clients posting by hand).
    return bool(current_app.config.get("WTF_CSRF_ENABLED", True))


def _nonce(token: str) -> str:
    """The token's nonce, or ValueError saying why the form cannot be saved with it."""
    try:
        user_id, nonce = _serializer().loads(token, max_age=int(retention().total_seconds()))
    except SignatureExpired:
        raise ValueError(
            "Nothing was saved: this page is too old to save from. Check the form and save again."
        ) from None
    except (BadSignature, TypeError, ValueError):
        raise ValueError(
            "Nothing was saved: the page's form token is not valid. Check the form and save again."
        ) from None
    if user_id != _user_id() or not isinstance(nonce, str) or len(nonce) != 32:
        raise ValueError(
            "Nothing was saved: this page was opened by another sign-in. Check the form and "
            "save again."
        )
    return nonce


class OnceTokenField(HiddenField):
    """The hidden one-time token of a form that creates a record. An invalid, foreign or
    expired token fails validation with a message, and the form comes back with a new one."""

    data: str | None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(default=issue_token, **kwargs)  # type: ignore[arg-type]

    def process_formdata(self, valuelist: list[str]) -> None:
        # A posted form without the field has no token (not a fresh default one).
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form: Form) -> None:
        if not self.data and not _required():
            return
        try:
            _nonce(self.data or "")
        except ValueError as exc:
            self.data = issue_token()
            flash(str(exc), "error")
            raise StopValidation(str(exc)) from None


@dataclass
class Claim:
    """A form token consumed in the current transaction (or none, where none is required)."""

    row: FormSubmission | None

    def saved(self, url: str) -> None:
        """Where the stored record is shown: a second post of the form is sent there."""
        if self.row is not None:
            self.row.result_url = url
            db.session.flush()


def claim(token: str | None, what: str) -> Claim:
    """Consume the form's token in the transaction about to store `what` (an "order", a
    "lot"), before anything else is written. Raises AlreadySubmitted when an earlier post of
    the same form stored it; the route then shows that one. Commit after storing."""
    if not token:
        if _required():
            raise ValueError("A form that creates a record must carry its one-time token.")
        return Claim(None)
    nonce = _for_this_url(_nonce(token))
    first = _consumed(nonce)
    if first is not None:
        raise AlreadySubmitted(first)
    forget_expired()
    row = FormSubmission(nonce=nonce, user_id=_user_id(), what=what)
    db.session.add(row)
    try:
        # On PostgreSQL a racing twin waits here on the unique index until the first post
        # commits, then fails: it is shown the first post's record.
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise AlreadySubmitted(_consumed(nonce)) from None
    return Claim(row)


def _for_this_url(nonce: str) -> str:
    """The nonce as consumed by a post to this URL: a page whose forms share one token (a
    form in a list, each posting to its own record) spends it once per record."""
    return hashlib.sha256(f"{nonce} {request.path}".encode()).hexdigest()[:NONCE_LENGTH]


def _consumed(nonce: str) -> FormSubmission | None:
    return db.session.scalar(select(FormSubmission).where(FormSubmission.nonce == nonce))
