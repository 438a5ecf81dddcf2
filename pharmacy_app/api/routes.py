"""/api/v1: check an order document, store an order, read it back, and the OpenAPI file."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import BytesIO
from typing import Any, TypeVar

from flask import Blueprint, Response, jsonify, request, send_file, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from ..accounts.auth import acting_user, authenticate_api_request, require
from ..accounts.models import Permission
from ..checks import DocumentError, OrderDocument, parse_order_document
from ..dispensing.models import RefillChannel
from ..dispensing.refills import API_CHANNELS, request_refill, request_to_dict
from ..extensions import csrf, db
from ..labels.printer import PrinterUnreachable
from ..labels.printing import (
    REPRINT_REASON_LIMIT,
    print_order_label,
    send_order_label,
    zpl_order_label,
)
from ..labels.routes import zpl_file
from ..labels.services import Reprint, UnknownStock
from ..orders.services import (
    check_document,
    create_order,
    current_policy,
    get_order_or_404,
    order_to_dict,
)
from ..orders.workflow import override_warning, reject_order, verify_order
from ..timeutil import pharmacy_today
from ..workflow import WorkflowError
from .idempotency import commit, idempotent
from .openapi import openapi_document

T = TypeVar("T")
bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookies: every call carries its bearer token
PUBLIC = frozenset({"api.openapi"})
LABEL_FORMATS = ("pdf", "zpl")


@bp.before_request
def _authenticate() -> Any:
    if request.endpoint in PUBLIC:
        return None
    return authenticate_api_request()


@bp.post("/checks")
@require(Permission.ENTER)
def check() -> Response:
    """Check an order document; nothing is stored."""
    document = _document_from_request()
    result = check_document(document, today=pharmacy_today())
    return jsonify(result.to_dict())


@bp.post("/orders")
@require(Permission.ENTER)
@idempotent
def create() -> tuple[Response, int, dict[str, str]]:
    """Store an order with its check result."""
    document = _document_from_request()
    order = _commit(
        lambda: create_order(document, policy=current_policy(), entered_by=acting_user())
    )
    location = url_for("api.read", order_id=order.id)
    return jsonify(order_to_dict(order)), 201, {"Location": location}


@bp.get("/orders/<int:order_id>")
def read(order_id: int) -> Response:
    return jsonify(order_to_dict(get_order_or_404(order_id)))


@bp.post("/orders/<int:order_id>/overrides")
@require(Permission.VERIFY)
@idempotent
def override(order_id: int) -> Response:
    """A pharmacist accepts one warning: {"code", "field", "reason"}."""
    order = get_order_or_404(order_id)
    body = _json_object("code", "field", "reason", "check_id")
    code, field, reason = (_text(body, k) for k in ("code", "field", "reason"))
    seen = _check_id(body)
    _commit(lambda: override_warning(order, code, field, reason, acting_user(), seen))
    return jsonify(order_to_dict(order))


@bp.post("/orders/<int:order_id>/verification")
@require(Permission.VERIFY)
@idempotent
def verify(order_id: int) -> Response:
    order = get_order_or_404(order_id)
    body = _json_object("check_id") if request.get_data(cache=True).strip() else {}
    seen = _check_id(body)
    _commit(lambda: verify_order(order, acting_user(), seen))
    return jsonify(order_to_dict(order))


@bp.post("/orders/<int:order_id>/rejection")
@require(Permission.VERIFY)
@idempotent
def reject(order_id: int) -> Response:
    """A pharmacist rejects the order: {"reason", "check_id"}."""
    order = get_order_or_404(order_id)
    body = _json_object("reason", "check_id")
    reason = _text(body, "reason")
    seen = _check_id(body)
    _commit(lambda: reject_order(order, reason, acting_user(), seen))
    return jsonify(order_to_dict(order))


@bp.post("/orders/<int:order_id>/refill-requests")
@require(Permission.ENTER)
@idempotent
def refill_request(order_id: int) -> tuple[Response, int]:
    """A refill asked for through another system (a patient portal, a phone system):
    {"requested_by", "channel" (api, phone or counter; api when left out), "note",
    "early_reason" (a pharmacist's, for a refill too soon)}."""
    order = get_order_or_404(order_id)
    body = _json_object("requested_by", "channel", "note", "early_reason")
    requested_by, note, early = (_text(body, k) for k in ("requested_by", "note", "early_reason"))
    channel = _text(body, "channel") or RefillChannel.API.value
    problems: dict[str, list[str]] = {}
    if not requested_by.strip():
        problems["requested_by"] = ["Say who asked for the refill (the patient, or a name)."]
    if channel not in API_CHANNELS:
        problems["channel"] = [f"One of {', '.join(API_CHANNELS)}."]
    if problems:
        raise DocumentError(problems)
    made = _commit(
        lambda: request_refill(
            order, requested_by, channel, acting_user(), note=note, early_reason=early
        )
    )
    return jsonify(request_to_dict(made)), 201


@bp.post("/orders/<int:order_id>/label")
@require(Permission.ENTER)
def label(order_id: int) -> WerkzeugResponse:
    """The label PDF of the order's current fill (recorded as printed), or 409 with why not;
    400 for a stock that is not set up. Refused as the order's page refuses it: a dispensed
    fill's label is a reprint, printed with `reprint=confirm` (and a `reason`). With
    `format=zpl` the label is ZPL for a roll stock's Zebra printer, and with `send=1` it is
    sent to the stock's network printer instead (502 when it cannot be reached: not
    recorded)."""
    order = get_order_or_404(order_id)
    reason = request.args.get("reason", "")
    label_format, send = request.args.get("format", "pdf"), request.args.get("send", "")
    problems: dict[str, list[str]] = {}
    if len(reason) > REPRINT_REASON_LIMIT:
        problems["reason"] = [f"Too long: at most {REPRINT_REASON_LIMIT} characters."]
    if label_format not in LABEL_FORMATS:
        problems["format"] = [f"One of {', '.join(LABEL_FORMATS)}."]
    if send not in ("", "0", "1") or (send == "1" and label_format != "zpl"):
        problems["send"] = ["1 to send the label to the stock's printer, with format=zpl."]
    if problems:
        raise DocumentError(problems)
    reprint = Reprint(confirmed=request.args.get("reprint") == "confirm", reason=reason)
    stock, user = request.args.get("stock"), acting_user()
    if send == "1":
        sent = _commit(lambda: send_order_label(order, stock, user, reprint))
        return jsonify({"sent_to": f"{sent.host}:{sent.port}", "answer": sent.answer})
    if label_format == "zpl":
        zpl, _stock = _commit(lambda: zpl_order_label(order, stock, user, reprint))
        return zpl_file(zpl, f"label-{order.rx_number}.zpl")
    pdf = _commit(lambda: print_order_label(order, stock, user, reprint))
    return send_file(
        BytesIO(pdf), mimetype="application/pdf", download_name=f"label-{order.rx_number}.pdf"
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())


@bp.errorhandler(DocumentError)
def malformed(error: DocumentError) -> tuple[Response, int]:
    return jsonify({"errors": error.errors}), 422


@bp.errorhandler(UnknownStock)
def unknown_stock(error: UnknownStock) -> tuple[Response, int]:
    return jsonify({"error": "Bad Request", "message": str(error)}), 400


@bp.errorhandler(PrinterUnreachable)
def printer_unreachable(error: PrinterUnreachable) -> tuple[Response, int]:
    return jsonify({"error": "Bad Gateway", "message": str(error)}), 502


@bp.errorhandler(WorkflowError)
def conflict(error: WorkflowError) -> tuple[Response, int]:
    """A step the record's state refuses: 409 with why. A refusal of what was sent in one
    field (a hidden character, a name too short) is bad input: 422 at that field, as the
    document's own errors are."""
    if error.field is not None:
        return jsonify({"errors": {error.field: [str(error)]}}), 422
    return jsonify({"error": "Conflict", "message": str(error)}), 409


def _commit(action: Callable[[], T]) -> T:
    """Do a change in one transaction; on any error it is rolled back and the error raised
    (a WorkflowError becomes a 409, or a 422 at its field)."""
    try:
        result = action()
        commit()
    except Exception:
        db.session.rollback()
        raise
    return result


_LONGEST_TEXT = 500


def _text(body: dict[str, Any], key: str) -> str:
    """A text field of a decision's body: a string of at most 500 characters, or 422."""
    value = body.get(key, "")
    if not isinstance(value, str):
        raise DocumentError({key: ["Must be text."]})
    if len(value) > _LONGEST_TEXT:
        raise DocumentError({key: [f"Too long: at most {_LONGEST_TEXT} characters."]})
    return value


def _check_id(body: dict[str, Any]) -> int | None:
    """The check a decision was made on, if the client sent it."""
    value = body.get("check_id")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DocumentError({"check_id": ["Must be the integer check_id of the order."]})
    return value


def _json_object(*known: str) -> dict[str, Any]:
    """The request's JSON object; 422 when it is not one, or names a field the endpoint does
    not know (a misspelt "early_reasn" would otherwise be dropped without a word)."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DocumentError({"": ["Send a JSON object."]})
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise DocumentError(
            {
                key[:60]: [f"Not a field of this request: send {', '.join(known)}."]
                for key in unknown
            }
        )
    return data


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
    return parse_order_document(data, today=pharmacy_today())
