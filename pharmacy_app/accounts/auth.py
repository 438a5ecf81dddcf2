"""Who is asking: signed-in sessions for pages, bearer tokens for the API, and the
permission checks every action makes on the server."""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, jsonify, redirect, request, session, url_for
from flask_login import current_user

from ..extensions import db, login_manager
from .models import Permission, User
from .services import user_for_token

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC_ENDPOINTS = frozenset({"accounts.login", "static"})
# What a user with a temporary password may open before choosing their own.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"accounts.account", "accounts.logout"})
# The session key holding when the session began (seconds since the epoch).
SIGNED_IN_AT = "signed_in_at"


def configure_auth(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)
    app.before_request(_require_sign_in)


def _load_user(session_id: str) -> User | None:
    """The session's user, unless the session is older than the session lifetime, or since
    it began the user signed out, changed password or was deactivated (see User.get_id)."""
    user_id, _, token = session_id.partition(":")
    if not (user_id.isascii() and user_id.isdigit()) or not token or _session_expired():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not hmac.compare_digest(user.session_token, token):
        return None
    return user


def _session_expired() -> bool:
    """A session lasts PERMANENT_SESSION_LIFETIME from sign-in, however busy (the cookie's
    own expiry moves on with every response)."""
    began = session.get(SIGNED_IN_AT)
    if not isinstance(began, int):
        return True
    lifetime = current_app.permanent_session_lifetime.total_seconds()
    return time.time() - began > lifetime


def _require_sign_in() -> Any:
    if request.path.startswith("/api/") or request.endpoint in PUBLIC_ENDPOINTS:
        return None  # the API authenticates each call by its bearer token instead

    if request.endpoint is None:  # a 404: let it show as one
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
    if current_user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
        return redirect(url_for("accounts.account"))
    return None


def acting_user() -> User:
    """The user behind this request: the API token's user, else the signed-in user."""
    user = g.get("api_user") or current_user
    if not getattr(user, "is_authenticated", False):
        abort(401)
    return user  # type: ignore[no-any-return]


def require(permission: Permission, *, on: Collection[str] | None = None) -> Callable[[F], F]:
    """Refuse (403) a view to a user whose role lacks the permission; with `on`, only for
    those methods (`on=("POST",)`: anyone signed in may look at the page, not post to it)."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            guarded = on is None or request.method in on
            if guarded and not acting_user().can(permission):
                abort(403, description="Your role does not allow this.")
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def authenticate_api_request() -> Any:
    """Before every API request: a valid bearer token, or 401 (sessions do not count, so a
    browser's cookie cannot be used against the CSRF-exempt API)."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" and token else None
    if user is None:
        response = jsonify(
            {
                "error": "Unauthorized",
                "message": "Send a valid API token: Authorization: Bearer <token>.",
            }
        )
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="pharmacy"'
        return response
    g.api_user = user
    return None
