"""/api/v1: check an order document, store an order, read it back, and the OpenAPI file."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from ..checks import DocumentError, OrderDocument, check_order, parse_order_document
from ..extensions import csrf, db
from ..orders.services import create_order, current_policy, get_order_or_404, order_to_dict
from .openapi import openapi_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.post("/checks")
def check() -> Response:
    """Check an order document; nothing is stored."""
    result = check_order(_document_from_request(), current_policy())
    return jsonify(result.to_dict())


@bp.post("/orders")
def create() -> tuple[Response, int, dict[str, str]]:
    """Store an order with its check result."""
    document = _document_from_request()
    try:
        order = create_order(document, policy=current_policy())
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    location = url_for("api.read", order_id=order.id)
    return jsonify(order_to_dict(order)), 201, {"Location": location}


@bp.get("/orders/<int:order_id>")
def read(order_id: int) -> Response:
    return jsonify(order_to_dict(get_order_or_404(order_id)))


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.errorhandler(DocumentError)
def malformed(error: DocumentError) -> tuple[Response, int]:
    return jsonify({"errors": error.errors}), 422


def _document_from_request() -> OrderDocument:
    """The request body as an OrderDocument, or DocumentError saying what is wrong with it."""
    if not request.is_json:
        raise DocumentError(
            {"": ["Send the order document as JSON (Content-Type: application/json)."]}
        )
    body = request.get_data(cache=False)
    try:
        data: Any = json.loads(body)
    except (ValueError, RecursionError):
        raise DocumentError({"": ["The body is not valid JSON."]}) from None
    return parse_order_document(data)
