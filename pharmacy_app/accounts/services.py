"""Account work: passwords (Argon2), users, API tokens, settings."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import bindparam, select

from ..extensions import db
from ..timeutil import utcnow
from .models import ApiToken, PharmacySettings, Role, User

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "ldn_"


def _hasher() -> PasswordHasher:
    """Argon2id with the library's recommended costs; tests may lower them
    (ARGON2_TIME_COST, ARGON2_MEMORY_COST) to run faster."""
    config = current_app.config
    if "ARGON2_MEMORY_COST" in config:
        return PasswordHasher(
            time_cost=config.get("ARGON2_TIME_COST", 1), memory_cost=config["ARGON2_MEMORY_COST"]
        )
    return PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done, with a message for the person."""


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, else None."""
    user = db.session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None or not user.active:
        _hasher().hash(password)  # same time whether or not the user exists
        return None
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        db.session.commit()
    return user


def create_user(username: str, full_name: str, role: Role, password: str) -> User:
    username = username.strip().lower()
    if not username:
        raise AccountError("A username is needed.")
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f'The username "{username}" is taken.')
    check_password_rules(password)
    user = User(
        username=username,
        full_name=full_name.strip() or username,
        role=role.value,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


def active_admins() -> int:
    return len(
        db.session.scalars(
            select(User.id).where(User.role == Role.ADMIN.value, User.active.is_(True))
        ).all()
    )


def change_role_or_activity(user: User, role: Role, active: bool) -> None:
    """Re-role or (de)activate a user; the last active admin is kept."""
    losing_admin = (
        user.role == Role.ADMIN.value and user.active and (role is not Role.ADMIN or not active)
    )
    if losing_admin and active_admins() <= 1:
        raise AccountError("This is the last active admin: make another admin first.")
    user.role = role.value
    user.active = active


def issue_token(user: User, label: str) -> str:
    """Create a token and return it; it is shown once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            label=label.strip() or "API token",
            token_hash=_digest(token),
            prefix=token[:12],
        )
    )
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to."""
    return db.session.scalars(_USER_FOR_TOKEN, {"digest": _digest(token)}).first()


# Built once: every API call runs it, and building a statement costs more than running it.
_USER_FOR_TOKEN = (
    select(User)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(
        ApiToken.token_hash == bindparam("digest"),
        ApiToken.revoked_at.is_(None),
        User.active.is_(True),
    )
    .limit(1)
)


def revoke_token(user: User, token_id: int) -> None:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AccountError("No such token.")
    token.revoked_at = token.revoked_at or utcnow()


def pharmacy_settings() -> PharmacySettings:
    """The settings row (the migration creates it)."""
    settings = db.session.get(PharmacySettings, 1)
    if settings is None:  # a database made without the migrations
        settings = PharmacySettings(id=1)
        db.session.add(settings)
        db.session.flush()
    return settings


def pharmacy_details() -> dict[str, str]:
    """Name, address and phone: the admin's settings where given, else the configured ones."""
    settings, config = pharmacy_settings(), current_app.config
    return {
        "name": settings.name or config["PHARMACY_NAME"],
        "address": settings.address or config["PHARMACY_ADDRESS"],
        "phone": settings.phone or config["PHARMACY_PHONE"],
    }


def _digest(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is safe (no dictionary to try).
    return hashlib.sha256(token.encode()).hexdigest()
