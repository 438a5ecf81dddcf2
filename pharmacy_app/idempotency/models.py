"""The rows that make a submission count once: consumed form tokens and API answers by key."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from ..timeutil import utcnow

# Form nonces are 32 hex characters; a key is at most this long (as Stripe allows).
NONCE_LENGTH = 32
KEY_MAX = 255


class FormSubmission(Model):
    """A form's one-time token, consumed by the transaction that stored what the form made
    (`nonce`: the token's nonce with the URL it was posted to, hashed); `result_url` is where
    that record is shown, for a second post of the same form."""

    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce: Mapped[str] = mapped_column(String(NONCE_LENGTH), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    what: Mapped[str] = mapped_column(String(40))
    result_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )


class IdempotentRequest(Model):
    """The first answer to an API request sent with an Idempotency-Key, stored with what the
    request stored; a retry with the same key (same user) gets this answer again."""

    __tablename__ = "idempotent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    key: Mapped[str] = mapped_column(String(KEY_MAX))
    # SHA-256 of the method, path and body: the same key with another request is refused.
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(100))
    location: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )

    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotent_requests_user_key"),)
