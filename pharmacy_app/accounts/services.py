"""Account work: passwords (Argon2), sign-in, users, API tokens, settings."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import and_, bindparam, func, not_, or_, select, update

from ..extensions import db
from ..plaintext import hidden_character_problem
from ..timeutil import utcnow
from .models import (
    FULL_NAME_MAX,
    TOKEN_LABEL_MAX,
    USERNAME_MAX,
    ApiToken,
    PharmacySettings,
    Role,
    User,
    new_session_token,
)
from .throttle import forget_failures, take_attempt

MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "ldn_"
# The pharmacy's details an admin may leave empty, and the configuration used then.
CONFIGURED_DETAILS = {
    "name": "PHARMACY_NAME",
    "address": "PHARMACY_ADDRESS",
    "phone": "PHARMACY_PHONE",
}
USERNAME_CHARACTERS = re.compile(r"[a-z0-9._-]+")


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
    if "\x00" in password:
        raise AccountError("A password may not contain NUL characters.")


def clean_username(username: str) -> str:
    """The username as stored (trimmed, lower case), or AccountError saying why it cannot be
    one. The web form and `flask create-user` both use this."""
    name = username.strip().lower()
    if not name:
        raise AccountError("A username is needed.")
    if not USERNAME_CHARACTERS.fullmatch(name):
        raise AccountError("Letters, digits, dots, dashes and underscores.")
    if len(name) > USERNAME_MAX:
        raise AccountError(f"Use at most {USERNAME_MAX} characters.")
    return name


def clean_text(text: str, *, max_length: int, required: str | None = None) -> str:
    """One line of text as stored (trimmed), or AccountError: too long, control characters
    (tabs, line breaks, NUL, which PostgreSQL refuses), or empty when `required` names it."""
    value = text.strip()
    if required and not value:
        raise AccountError(f"{required} is needed.")
    if len(value) > max_length:
        raise AccountError(f"Use at most {max_length} characters.")
    problem = hidden_character_problem(value)
    if problem:
        raise AccountError(problem)
    return value


def clean_full_name(full_name: str) -> str:
    return clean_text(full_name, max_length=FULL_NAME_MAX, required="A full name")


def clean_token_label(label: str) -> str:
    return clean_text(label, max_length=TOKEN_LABEL_MAX) or "API token"


def authenticate(username: str, password: str) -> User | None:
    """The active user with this username and password, else None (not throttled: the
    pages use sign_in and check_own_password)."""
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


def sign_in(username: str, password: str) -> User | None:
    """authenticate(), throttled per username whether or not it exists (so the answer never
    tells which usernames exist); raises TooManyAttempts while the username is paused."""
    key = username.strip().lower()[:USERNAME_MAX]
    take_attempt(key)
    user = authenticate(key, password)
    if user is not None:
        forget_failures(key)
        db.session.commit()
    return user


def check_own_password(user: User, password: str) -> bool:
    """Whether this is the user's password (the account page asks before changing it),
    throttled together with sign-in: it guards the same secret."""
    return sign_in(user.username, password) is not None


def create_user(username: str, full_name: str, role: Role, password: str) -> User:
    """Add a user (the full name defaults to the username); AccountError says what is wrong."""
    username = clean_username(username)
    full_name = clean_full_name(full_name or username)
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f'The username "{username}" is taken.')
    check_password_rules(password)
    user = User(
        username=username,
        full_name=full_name,
        role=role.value,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """A new password. Every session of the user ends (the caller signs the current one in
    again) and earlier failed sign-ins are forgotten. A temporary password (an admin's reset)
    must be changed at the next sign-in."""
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    user.end_sessions()
    forget_failures(user.username)


def update_user(user: User, full_name: str, role: Role, active: bool) -> None:
    """Rename, re-role or (de)activate a user, keeping at least one active admin even when two
    admins demote each other at the same moment; deactivation ends the user's sessions."""
    values: dict[str, object] = {
        "full_name": clean_full_name(full_name),
        "role": role.value,
        "active": active,
    }
    if user.active and not active:
        values["session_token"] = new_session_token()
    change = update(User).where(User.id == user.id).values(values)
    if not (role is Role.ADMIN and active):
        # Re-checked inside the write itself, not before it. PostgreSQL: lock the active
        # admins' rows first, so a concurrent change waits for this one and its count then
        # sees it. SQLite: the UPDATE takes the database's write lock before it counts.
        db.session.execute(
            select(User.id)
            .where(User.role == Role.ADMIN.value, User.active.is_(True))
            .with_for_update()
        )
        other_admins = (
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id)
            .scalar_subquery()
        )
        was_admin = and_(User.role == Role.ADMIN.value, User.active.is_(True))
        change = change.where(or_(not_(was_admin), other_admins >= 1))
    result = db.session.execute(change, execution_options={"synchronize_session": False})
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise AccountError("This is the last active admin: make another admin first.")
    db.session.refresh(user)


def reset_password(user: User, temporary_password: str, *, by: User) -> None:
    """An admin gives a user a temporary password (they choose their own at the next
    sign-in); the user's sessions end and a sign-in pause is lifted."""
    if user.id == by.id:
        raise AccountError("Change your own password on your account page.")
    set_password(user, temporary_password, temporary=True)


def issue_token(user: User, label: str) -> str:
    """Create a token and return it; it is shown once and only its hash is kept."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user=user,
            label=clean_token_label(label),
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


def save_settings(settings: PharmacySettings, values: Mapping[str, Any]) -> None:
    """Store the settings form's values (name, address and phone trimmed: empty means the
    configured value)."""
    for detail in CONFIGURED_DETAILS:
        setattr(settings, detail, (values.get(detail) or "").strip())
    settings.allow_self_verification = bool(values.get("allow_self_verification"))


def pharmacy_details() -> dict[str, str]:
    """Name, address and phone: the admin's settings where given, else the configured ones."""
    settings, config = pharmacy_settings(), current_app.config
    return {
        detail: getattr(settings, detail) or config[variable]
        for detail, variable in CONFIGURED_DETAILS.items()
    }


def _digest(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is safe (no dictionary to try).
    return hashlib.sha256(token.encode()).hexdigest()
