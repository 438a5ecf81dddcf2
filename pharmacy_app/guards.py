"""Input no part of the app can store: NUL characters and numbers too large for an id.

PostgreSQL refuses text with NUL (0x00) characters and integers beyond its column types; left
to the database these would be 500s deep inside a feature. They are refused at the door, once,
for every form, query string and JSON body.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request
from sqlalchemy.exc import DataError
from werkzeug.exceptions import BadRequest, NotFound
from werkzeug.routing import IntegerConverter

# PostgreSQL's integer: the largest id any table here can hold.
LARGEST_ID = 2**31 - 1
NUL_MESSAGE = "Text may not contain NUL characters (\\u0000)."


class IdConverter(IntegerConverter):
    """`<int:...>` in a URL: a path id beyond what the database can hold matches nothing
    (404), instead of reaching the driver."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(map, *args, **kwargs)


class UnstorableInput(BadRequest):
    description = NUL_MESSAGE


def configure_guards(app: Flask) -> None:
    """Before any blueprint registers its routes: ids in URLs are bounded."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul)
    app.register_error_handler(OverflowError, _too_large)
    app.register_error_handler(DataError, _too_large)


def _refuse_nul() -> None:
    values = [*request.args.values(), *request.form.values()]
    # In JSON a NUL can only be written as the escape \u0000 (a raw control character is not
    # JSON): a search of the bytes finds it without parsing the body twice.
    if request.is_json and b"\\u0000" in request.get_data():
        raise UnstorableInput()
    if any("\x00" in v for v in values) or "\x00" in request.path:
        raise UnstorableInput()


def _too_large(error: Exception) -> Any:
    """A number too large for the database in a form or query value (Python's OverflowError on
    SQLite, a DataError such as "integer out of range" on PostgreSQL): nothing can match."""
    from .errors import http_error
    from .extensions import db

    db.session.rollback()
    current_app.logger.warning(
        "Value out of range on %s %s: %s", request.method, request.path, error
    )
    return http_error(NotFound("No record has that number."))
