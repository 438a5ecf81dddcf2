"""Error pages: JSON for the API, HTML for people; never a traceback, and never a page that
needs the database to say that the database is out of reach."""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .extensions import db
from .settings import settings

# The database cannot answer just now: the server is down or out of reach, the connection
# dropped, no pooled connection came free in time, or (SQLite) another writer held the write
# lock for longer than the busy timeout. The request can succeed later: 503, not 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeoutError)
UNAVAILABLE_MESSAGE = (
    "The pharmacy's database cannot be reached just now: nothing was saved. Try again in a moment."
)
# Headers an error answer keeps from werkzeug's own response (Allow on a 405,
# WWW-Authenticate on a 401, Retry-After on a 503); the body is the app's.
_BODY_HEADERS = frozenset({"content-type", "content-length"})


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    for error in DATABASE_UNAVAILABLE:
        app.register_error_handler(error, _database_unavailable)
    app.register_error_handler(Exception, _unexpected)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def http_error(error: HTTPException) -> Response:
    code = error.code or 500
    if _wants_json():
        response = jsonify({"error": error.name, "message": error.description})
    else:
        try:
            page = render_template("error.html", error=error)
        except DATABASE_UNAVAILABLE:
            # The page's frame reads the settings and the signed-in user: say it plainly.
            _rollback()
            page = _plain_page(error)
        response = Response(page, mimetype="text/html")
    response.status_code = code
    for name, value in error.get_response(request.environ).headers.items():
        if name.lower() not in _BODY_HEADERS:
            response.headers[name] = value
    return response


def _database_unavailable(error: Exception) -> Response:
    """503 with Retry-After, as JSON for the API and as a page that needs no database."""
    _rollback()
    current_app.logger.error(
        "Database unavailable on %s %s: %s", request.method, request.path, error
    )
    unavailable = ServiceUnavailable(
        UNAVAILABLE_MESSAGE, retry_after=settings().database_retry_after_seconds
    )
    if _wants_json():
        return http_error(unavailable)
    response = Response(_plain_page(unavailable), status=503, mimetype="text/html")
    response.headers.update(
        (name, value)
        for name, value in unavailable.get_response(request.environ).headers.items()
        if name.lower() not in _BODY_HEADERS
    )
    return response


def _plain_page(error: HTTPException) -> str:
    """An error page from the configuration alone: rendered without the context processors,
    which read the pharmacy's settings and the signed-in user from the database."""
    from .accounts.services import CONFIGURED_DETAILS

    pharmacy = {detail: settings().value_of(name) for detail, name in CONFIGURED_DETAILS.items()}
    template = current_app.jinja_env.get_template("plain_error.html")
    return template.render(error=error, pharmacy=pharmacy)


def _rollback() -> None:
    try:
        db.session.rollback()
    except DATABASE_UNAVAILABLE:
        db.session().invalidate()  # the connection is gone: drop it, do not return it


def _unexpected(error: Exception) -> Response:
    _rollback()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return http_error(InternalServerError())
