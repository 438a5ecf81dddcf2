"""Error pages: JSON for the API, HTML for people; never a traceback."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    code = error.code or 500
    if _wants_json():
        return jsonify({"error": error.name, "message": error.description}), code
    return render_template("error.html", error=error), code


def _unexpected(error: Exception) -> tuple[Response | str, int]:
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return _http_error(InternalServerError())
