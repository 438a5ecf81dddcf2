"""The OpenAPI 3.1 description of /api/v1, built from the order document's own schema."""

from __future__ import annotations

from functools import cache
from typing import Any

from ..checks import OrderDocument
from ..dispensing.models import RefillChannel, RequestState
from ..dispensing.refills import API_CHANNELS
from ..guards import NUL_MESSAGE
from ..orders.models import OrderStatus
from .idempotency import describe as describe_idempotency_keys

_FINDING = {
    "type": "object",
    "required": ["code", "severity", "field", "message"],
    "properties": {
        "code": {
            "type": "string",
            "pattern": r"^[a-z_]+\.[a-z_]+$",
            "description": "Stable `family.name` code.",
        },
        "severity": {"type": "string", "enum": ["block", "warn", "info"]},
        "field": {"type": "string", "description": "Path such as preparation.excipients[1]."},
        "message": {"type": "string"},
    },
    "additionalProperties": False,
}
_DOSE = {
    "type": "object",
    "description": "Dose worked out by the checker, in mg of naltrexone HCl (decimal strings).",
    "properties": {
        k: {"type": ["string", "null"]} for k in ("mg_per_dose", "mg_per_day", "ml_per_dose")
    },
}
_CHECK_RESULT = {
    "type": "object",
    "required": ["verdict", "findings", "dose"],
    "properties": {
        "verdict": {"type": "string", "enum": ["pass", "warn", "block"]},
        "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        "dose": {"$ref": "#/components/schemas/Dose"},
    },
}
_ORDER = {
    "type": "object",
    "required": [
        "id",
        "rx_number",
        "status",
        "verdict",
        "findings",
        "dose",
        "created_at",
        "document",
    ],
    "properties": {
        "id": {"type": "integer"},
        "rx_number": {"type": "string", "examples": ["RX-100001"]},
        "status": {"type": "string", "enum": [s.value for s in OrderStatus]},
        "verdict": {"type": "string", "enum": ["pass", "warn", "block"]},
        "findings": {"type": "array", "items": {"$ref": "#/components/schemas/Finding"}},
        "dose": {"$ref": "#/components/schemas/Dose"},
        "check_id": {
            "type": ["integer", "null"],
            "description": "The latest check; send it with a decision to refuse one made on "
            "an order that has changed since.",
        },
        "checked_at": {"type": ["string", "null"], "format": "date-time"},
        "entered_by": {"type": ["string", "null"]},
        "verified_by": {"type": ["string", "null"]},
        "verified_at": {"type": ["string", "null"], "format": "date-time"},
        "ruleset_version": {"type": ["string", "null"]},
        "patient_id": {"type": "integer"},
        "prescriber_id": {"type": "integer"},
        "created_at": {"type": "string", "format": "date-time"},
        "document": {"$ref": "#/components/schemas/OrderDocument"},
    },
}
_REFILL_REQUEST_BODY = {
    "type": "object",
    "required": ["requested_by"],
    "properties": {
        "requested_by": {
            "type": "string",
            "minLength": 1,
            "maxLength": 200,
            "description": 'Who asked, as they said it: "patient", "Maria Lopez (daughter)".',
        },
        "channel": {
            "type": "string",
            "enum": list(API_CHANNELS),
            "default": "api",
            "description": "How the request came; api when left out.",
        },
        "note": {"type": "string", "maxLength": 500},
        "early_reason": {
            "type": "string",
            "maxLength": 500,
            "description": "A pharmacist's reason to make a refill that is too soon now; "
            "without it a request too soon is kept with its due_on day.",
        },
    },
    "additionalProperties": False,
}
_REFILL_REQUEST = {
    "type": "object",
    "required": ["id", "order_id", "requested_at", "channel", "requested_by", "state"],
    "properties": {
        "id": {"type": "integer"},
        "order_id": {"type": "integer"},
        "rx_number": {"type": "string"},
        "order_status": {"type": "string", "enum": [s.value for s in OrderStatus]},
        "requested_at": {"type": "string", "format": "date-time"},
        "channel": {"type": "string", "enum": [c.value for c in RefillChannel]},
        "requested_by": {"type": "string"},
        "entered_by": {"type": ["string", "null"]},
        "note": {"type": "string"},
        "state": {"type": "string", "enum": [s.value for s in RequestState]},
        "due_on": {
            "type": ["string", "null"],
            "format": "date",
            "description": "A request too soon: the first day the refill is due.",
        },
        "early_reason": {"type": ["string", "null"]},
        "refills_left": {"type": "integer"},
    },
}
_ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "object",
            "description": "Messages by field path; the empty path is the whole body.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
}
_PROBLEM = {
    "type": "object",
    "required": ["error"],
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
}


_ORDER_ID = {"name": "order_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_CHECK_ID = {
    "type": "integer",
    "description": "The check the decision was made on (Order.check_id); refused with 409 if "
    "the order has been checked again since.",
}


def _decision(schema: dict[str, Any] | None, operation: str, summary: str) -> dict[str, Any]:
    """A pharmacist's decision on an order: 200 with the order, 409 when the order's state
    does not allow it, 422 for a malformed body."""
    operation_doc: dict[str, Any] = {
        "operationId": operation,
        "summary": summary,
        "parameters": [_ORDER_ID],
        "responses": {
            "200": _json("Order", "The order after the decision."),
            "403": _json("Problem", "Only a pharmacist decides."),
            "404": _json("Problem", "No such order."),
            "409": _json("Problem", "The order's state does not allow it, and why."),
            "422": _json("ValidationErrors", "Malformed body."),
        },
    }
    if schema is not None:
        operation_doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    return {"post": operation_doc}


def _reason(required: list[str], **extra: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "properties": {
            "reason": {"type": "string", "minLength": 5, "maxLength": 500},
            "check_id": _CHECK_ID,
            **extra,
        },
        "additionalProperties": False,
    }


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


def _add_common_answers(paths: dict[str, Any]) -> None:
    """What any operation may answer, whatever it does: a NUL character anywhere in the
    request, no valid token, a body over the size limit, the database out of reach."""
    nul = _json("Problem", f"The request holds a NUL character: {NUL_MESSAGE}")
    unauthorized = _json("Problem", "No valid API token (Authorization: Bearer <token>).")
    unauthorized["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    unavailable = _json("Problem", "The database cannot be reached just now; nothing was saved.")
    unavailable["headers"] = {
        "Retry-After": {
            "description": "Seconds to wait before trying again.",
            "schema": {"type": "integer"},
        }
    }
    for operations in paths.values():
        for operation in operations.values():
            responses = operation["responses"]
            responses.setdefault("400", nul)
            responses.setdefault("401", unauthorized)
            if "requestBody" in operation:
                responses.setdefault("413", _json("Problem", "Body too large."))
            responses.setdefault("503", unavailable)


@cache
def openapi_document() -> dict[str, Any]:
    document_schema = OrderDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = document_schema.pop("$defs", {})
    schemas |= {
        "OrderDocument": document_schema,
        "Finding": _FINDING,
        "Dose": _DOSE,
        "CheckResult": _CHECK_RESULT,
        "Order": _ORDER,
        "ValidationErrors": _ERRORS,
        "Problem": _PROBLEM,
        "RefillRequest": _REFILL_REQUEST,
    }
    body = {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/OrderDocument"}}},
    }
    malformed = _json("ValidationErrors", "Malformed order document; nothing stored.")
    description: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "LDN compounding pharmacy API",
            "version": "1.0.0",
            "description": "Check and store Low Dose Naltrexone prescriptions.",
        },
        "paths": {
            "/api/v1/checks": {
                "post": {
                    "operationId": "checkOrder",
                    "summary": "Check an order document (nothing is stored)",
                    "requestBody": body,
                    "responses": {
                        "200": _json("CheckResult", "The verdict and findings."),
                        "413": _json("Problem", "Body too large."),
                        "422": malformed,
                    },
                }
            },
            "/api/v1/orders": {
                "post": {
                    "operationId": "createOrder",
                    "summary": "Store an order with its check result",
                    "requestBody": body,
                    "responses": {
                        "201": _json("Order", "The stored order."),
                        "413": _json("Problem", "Body too large."),
                        "422": malformed,
                    },
                }
            },
            "/api/v1/orders/{order_id}/label": {
                "post": {
                    "operationId": "printLabel",
                    "summary": "The label of the order's current fill, as PDF or ZPL, or sent "
                    "to the stock's printer (recorded as printed)",
                    "parameters": [
                        _ORDER_ID,
                        {
                            "name": "stock",
                            "in": "query",
                            "required": False,
                            "description": "The id of the label stock to print on; the default "
                            "stock when left out. An id not set up is refused (400).",
                            "schema": {"type": "integer"},
                        },
                        {
                            "name": "reprint",
                            "in": "query",
                            "required": False,
                            "description": "confirm: print a dispensed fill's label again, "
                            "recorded as a reprint (refused with 409 without it).",
                            "schema": {"type": "string", "enum": ["confirm"]},
                        },
                        {
                            "name": "reason",
                            "in": "query",
                            "required": False,
                            "description": "Why the label is reprinted (at most 300 "
                            "characters), kept in the order's history.",
                            "schema": {"type": "string", "maxLength": 300},
                        },
                        {
                            "name": "format",
                            "in": "query",
                            "required": False,
                            "description": "pdf (the default), or zpl for a thermal roll's Zebra "
                            "printer at the stock's dpi (a sheet stock is refused with 409).",
                            "schema": {"type": "string", "enum": ["pdf", "zpl"]},
                        },
                        {
                            "name": "send",
                            "in": "query",
                            "required": False,
                            "description": "1 (with format=zpl): send the label to the stock's "
                            "network printer over raw TCP instead of answering it; recorded only "
                            "when sent.",
                            "schema": {"type": "string", "enum": ["0", "1"]},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The label (PDF, or ZPL as UTF-8 text), or where it "
                            "was sent and what the printer answered",
                            "content": {
                                "application/pdf": {},
                                "text/plain": {"schema": {"type": "string"}},
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["sent_to", "answer"],
                                        "properties": {
                                            "sent_to": {"type": "string"},
                                            "answer": {"type": "string"},
                                        },
                                    }
                                },
                            },
                        },
                        "400": _json("Problem", "No label stock with that id, or a NUL character."),
                        "404": _json("Problem", "No such order."),
                        "409": _json(
                            "Problem",
                            "Not ready for a label, or a dispensed fill's reprint not confirmed, "
                            "a sheet stock asked for as ZPL, a label that does not fit, or a "
                            "stock without a printer to send to, and why.",
                        ),
                        "422": _json(
                            "ValidationErrors", "A format, send or reason that is not valid."
                        ),
                        "502": _json(
                            "Problem", "The printer could not be reached; nothing recorded."
                        ),
                    },
                }
            },
            "/api/v1/orders/{order_id}": {
                "get": {
                    "operationId": "getOrder",
                    "summary": "One order with its latest check",
                    "parameters": [_ORDER_ID],
                    "responses": {
                        "200": _json("Order", "The order."),
                        "404": _json("Problem", "No such order."),
                    },
                }
            },
            "/api/v1/orders/{order_id}/overrides": _decision(
                _reason(
                    ["code", "field", "reason"],
                    code={"type": "string", "maxLength": 100},
                    field={"type": "string", "maxLength": 200},
                ),
                "overrideWarning",
                "A pharmacist accepts one warning of the latest check, with a reason",
            ),
            "/api/v1/orders/{order_id}/verification": _decision(
                {
                    "type": "object",
                    "properties": {"check_id": _CHECK_ID},
                    "additionalProperties": False,
                },
                "verifyOrder",
                "A pharmacist verifies the order (the body is optional)",
            ),
            "/api/v1/orders/{order_id}/refill-requests": {
                "post": {
                    "operationId": "requestRefill",
                    "summary": "Record a request for the order's next refill (who asked, how)",
                    "parameters": [_ORDER_ID],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _REFILL_REQUEST_BODY}},
                    },
                    "responses": {
                        "201": _json("RefillRequest", "The request; the order is to compound."),
                        "403": _json("Problem", "Only staff who enter orders record requests."),
                        "404": _json("Problem", "No such order."),
                        "409": _json(
                            "Problem",
                            "No refill can be requested now, and why (none left, one already "
                            "requested, a fill still being made; an early refill accepted by "
                            "someone who is not a pharmacist).",
                        ),
                        "422": _json("ValidationErrors", "Malformed body."),
                    },
                }
            },
            "/api/v1/orders/{order_id}/rejection": _decision(
                _reason(["reason"]), "rejectOrder", "A pharmacist rejects the order"
            ),
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A user's API token (made on /account or with flask "
                    "create-token); the call acts with that user's role. A missing or revoked "
                    "token gets 401; a role that may not do it gets 403.",
                }
            },
        },
        "security": [{"bearer": []}],
    }
    _add_common_answers(description["paths"])
    return describe_idempotency_keys(description)
