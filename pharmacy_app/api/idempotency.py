"""The Idempotency-Key request header on the API's storing calls (as Stripe and the IETF
draft "The Idempotency-Key HTTP Header Field" describe it).

A request sent with a key is answered once: its answer (status, body, Location) is stored
in the same transaction as what it stored, under the user and the key. A retry with the
same key gets that answer again and stores nothing; the same key with another request gets
422; a retry while the first is still being answered gets 409 (on PostgreSQL a
transaction-scoped advisory lock on the user and key says so without waiting). Only a
request that stored something keeps its answer: a refused one stored nothing, so it may be
retried with the same key. Answers are kept SUBMISSION_RETENTION_HOURS (at least 24).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Response, current_app, g, jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.auth import acting_user
from ..extensions import db
from ..idempotency.models import KEY_MAX, IdempotentRequest
from ..idempotency.retention import forget_expired

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
F = TypeVar("F", bound=Callable[..., Any])
_PENDING = "idempotency_pending"
# A bare key (Stripe's form; no spaces, not starting with a quote) or a Structured Field
# string in quotes (the IETF draft's form).
_BARE = re.compile(rf"[\x21\x23-\x7e][\x21-\x7e]{{0,{KEY_MAX - 1}}}")
_QUOTED = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_KEY_RULE = (
    f"{HEADER} must be 1 to {KEY_MAX} printable ASCII characters (a UUID, for example), "
    "bare or as a quoted string."
)


class KeyProblem(Exception):
    """A request whose key cannot be honoured: answered with `status` and nothing stored."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status)
        self.status, self.body = status, body


@dataclass
class _Pending:
    user_id: int
    key: str
    fingerprint: str
    commit_requested: bool = False


def idempotent(view: F) -> F:
    """Honour an Idempotency-Key on this view; without the header the view runs as before.
    The view commits with `commit()`, not `db.session.commit()`."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        try:
            key = _key()
            if key is None:
                return view(*args, **kwargs)
            pending = _Pending(acting_user().id, key, _fingerprint())
            replay = _begin(pending)
            if replay is not None:
                return replay
            return _run(pending, view, args, kwargs)
        except KeyProblem as problem:
            db.session.rollback()
            return jsonify(problem.body), problem.status

    return wrapped  # type: ignore[return-value]


def commit() -> None:
    """Commit the request's work. Under an Idempotency-Key only flush it (and expire what
    was loaded, as a commit does): `idempotent` stores the answer with it and commits both."""
    pending: _Pending | None = g.get(_PENDING)
    if pending is None:
        db.session.commit()
        return
    db.session.flush()
    db.session.expire_all()
    pending.commit_requested = True


def _key() -> str | None:
    values = request.headers.getlist(HEADER)
    if not values:
        return None
    if len(values) > 1:
        raise KeyProblem(400, _problem("Bad Request", f"Send one {HEADER} header."))
    value = values[0].strip()
    quoted = _QUOTED.fullmatch(value)
    if quoted:
        value = re.sub(r"\\(.)", r"\1", quoted[1])
        if not 1 <= len(value) <= KEY_MAX:
            raise KeyProblem(400, _problem("Bad Request", _KEY_RULE))
        return value
    if not _BARE.fullmatch(value):
        raise KeyProblem(400, _problem("Bad Request", _KEY_RULE))
    return value


def _fingerprint() -> str:
    """The request as the key promises it: method, path and body (JSON compared by content,
    so a retry that orders its keys differently is the same request)."""
    body = request.get_data(cache=True)
    with contextlib.suppress(ValueError, RecursionError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), body):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _begin(pending: _Pending) -> Response | None:
    """Take the key for this request, or the answer to give instead of running the view."""
    if not _lock(pending):
        raise KeyProblem(409, _in_flight())
    first = _stored(pending)
    if first is not None:
        db.session.rollback()
        return _replay(first, pending)
    return None


def _run(pending: _Pending, view: Callable[..., Any], args: Any, kwargs: Any) -> Any:
    setattr(g, _PENDING, pending)
    try:
        response = current_app.make_response(view(*args, **kwargs))
    except Exception:
        db.session.rollback()
        # On SQLite a twin that ran alongside may have stored the answer meanwhile.
        first = _stored(pending)
        if first is not None:
            return _replay(first, pending)
        raise
    finally:
        g.pop(_PENDING, None)
    if not pending.commit_requested:
        db.session.rollback()
        return response
    db.session.add(
        IdempotentRequest(
            user_id=pending.user_id,
            key=pending.key,
            fingerprint=pending.fingerprint,
            status_code=response.status_code,
            content_type=response.content_type or "application/json",
            location=response.headers.get("Location"),
            body=response.get_data(),
        )
    )
    try:
        db.session.commit()
    except IntegrityError:
        # A twin stored first (SQLite, where no advisory lock kept it out): its answer stands.
        db.session.rollback()
        first = _stored(pending)
        if first is None:
            raise
        return _replay(first, pending)
    forget_expired()
    return response


def _lock(pending: _Pending) -> bool:
    """PostgreSQL: a transaction-scoped advisory lock on the user and key, without waiting
    (False when a request with the same key holds it). Elsewhere writers queue anyway and
    the unique row decides."""
    if db.engine.dialect.name != "postgresql":
        return True
    lock_id = advisory_lock_id(pending.user_id, pending.key)
    return bool(db.session.scalar(select(func.pg_try_advisory_xact_lock(lock_id))))


def advisory_lock_id(user_id: int, key: str) -> int:
    """The PostgreSQL advisory lock (a signed 64-bit number) for a user's key."""
    digest = hashlib.sha256(f"idempotency:{user_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _stored(pending: _Pending) -> IdempotentRequest | None:
    return db.session.scalar(
        select(IdempotentRequest).where(
            IdempotentRequest.user_id == pending.user_id, IdempotentRequest.key == pending.key
        )
    )


def _replay(first: IdempotentRequest, pending: _Pending) -> Response:
    if first.fingerprint != pending.fingerprint:
        raise KeyProblem(
            422,
            {
                "errors": {
                    HEADER: [
                        "This key was already used for a different request; use a new key "
                        "for a new request."
                    ]
                }
            },
        )
    response = Response(first.body, status=first.status_code, content_type=first.content_type)
    if first.location:
        response.headers["Location"] = first.location
    response.headers[REPLAYED] = "true"
    return response


def _in_flight() -> dict[str, str]:
    return _problem(
        "Conflict",
        f"A request with this {HEADER} is still being answered; retry it in a moment to get "
        "its answer.",
    )


def _problem(error: str, message: str) -> dict[str, str]:
    return {"error": error, "message": message}


# The OpenAPI description of the header, on the operations that honour it.
IDEMPOTENT_OPERATIONS = (
    "createOrder",
    "overrideWarning",
    "verifyOrder",
    "rejectOrder",
    "requestRefill",
)
_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "description": (
        "Makes a retry safe: a request sent again with the same key (by the same user) gets "
        "the first answer again, with the same status and body and the header "
        f"`{REPLAYED}: true`, and stores nothing new. Use a new key, such as a UUID, for "
        "each new request. The same key with another request (method, path or body) is "
        "refused with 422; a retry while the first request is still being answered gets "
        "409, to be retried a moment later. Only an answer that stored something is kept "
        "(a refused request may be retried with its key), for at least 24 hours. Bare, as "
        'Stripe sends it, or as a quoted string (`"..."`), as in the IETF draft '
        '"The Idempotency-Key HTTP Header Field".'
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": KEY_MAX},
}


def describe(openapi: dict[str, Any]) -> dict[str, Any]:
    """Add the Idempotency-Key header, and the answers it brings, to the OpenAPI document."""
    openapi["components"].setdefault("parameters", {})["IdempotencyKey"] = _PARAMETER
    header = {"$ref": "#/components/parameters/IdempotencyKey"}
    replayed = {
        REPLAYED: {
            "description": "`true` on an answer repeated for a retried Idempotency-Key.",
            "schema": {"type": "string", "enum": ["true"]},
        }
    }
    for path in openapi["paths"].values():
        for operation in path.values():
            if operation.get("operationId") not in IDEMPOTENT_OPERATIONS:
                continue
            operation.setdefault("parameters", []).append(header)
            responses = operation["responses"]
            for status, answer in list(responses.items()):
                if status.startswith("2"):
                    # Copies: answers may be shared with operations that take no key.
                    headers = {**answer.get("headers", {}), **replayed}
                    responses[status] = {**answer, "headers": headers}
            _also(responses, "400", "Problem", f"A malformed {HEADER}.")
            _also(responses, "409", "Problem", f"A request with this {HEADER} is in flight.")
            _also(
                responses,
                "422",
                "ValidationErrors",
                f"The {HEADER} was used for a different request.",
            )
    return openapi


def _also(responses: dict[str, Any], status: str, schema: str, why: str) -> None:
    """Another reason for an answer the operation may already give."""
    if status in responses:
        answer = responses[status]
        responses[status] = {**answer, "description": f"{answer['description']} Also: {why}"}
        return
    responses[status] = {
        "description": why,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
