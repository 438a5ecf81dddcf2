"""Account work: passwords (Argon2), sign-in, users, API tokens, the account event log,
settings."""

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
from ..settings import settings as app_settings
from ..timeutil import utcnow
from .errors import AccountError
from .models import (
    FULL_NAME_MAX,
    TOKEN_LABEL_MAX,
    USERNAME_MAX,
    AccountEvent,
    AccountEventKind,
    ApiToken,
    PharmacySettings,
    Role,
    User,
    new_session_token,
)
from .passwords import check_password_rules
from .throttle import (
    address_pauses,
    client_address,
    forget_failures,
    lift_address_pause,
    recent_failures,
    remember_sign_in,
    take_attempt,
)

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
    configured = app_settings()
    if configured.argon2_memory_cost is not None:
        return PasswordHasher(
            time_cost=configured.argon2_time_cost or 1, memory_cost=configured.argon2_memory_cost
        )
    return PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher().hash(password)


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


def sign_in(username: str, password: str, address: str) -> User | None:
    """authenticate(), throttled per username whether or not it exists (so the answer never
    tells which usernames exist) and per client address; raises TooManyAttempts while the
    username or the address is paused."""
    key = username.strip().lower()[:USERNAME_MAX]
    take_attempt(key, address)
    user = authenticate(key, password)
    if user is not None:
        remember_sign_in(key, address)
        db.session.commit()
    return user


def check_own_password(user: User, password: str, address: str) -> bool:
    """Whether this is the user's password (the account page asks before changing it),
    throttled together with sign-in: it guards the same secret."""
    return sign_in(user.username, password, address) is not None


def create_user(username: str, full_name: str, role: Role, password: str) -> User:
    """Add a user (the full name defaults to the username); AccountError says what is wrong."""
    username = clean_username(username)
    full_name = clean_full_name(full_name or username)
    if db.session.scalars(select(User).where(User.username == username)).first():
        raise AccountError(f'The username "{username}" is taken.')
    check_password_rules(password, username=username, full_name=full_name)
    user = User(
        username=username,
        full_name=full_name,
        role=role,
        password_hash=hash_password(password),
    )
    db.session.add(user)
    db.session.flush()
    return user


def set_password(
    user: User,
    password: str,
    *,
    revoke_tokens: bool,
    by: User | None,
    temporary: bool = False,
) -> int:
    """A new password, recorded in the account's log with who set it (`by`; None on the
    command line). Every session of the user ends (the caller signs the current one in again)
    and earlier failed sign-ins are forgotten; with `revoke_tokens`, so do the user's API
    tokens (returns how many were revoked). A temporary password (an admin's reset) must be
    changed at the next sign-in."""
    check_password_rules(password, username=user.username, full_name=user.full_name)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    user.end_sessions()
    forget_failures(user.username)
    kind = AccountEventKind.PASSWORD_RESET if temporary else AccountEventKind.PASSWORD_CHANGED
    record_account_event(user, kind, by=by)
    return revoke_all_tokens(user, by=by) if revoke_tokens else 0


def update_user(user: User, full_name: str, role: Role, active: bool) -> None:
    """Rename, re-role or (de)activate a user, keeping at least one active admin even when two
    admins demote each other at the same moment; deactivation ends the user's sessions."""
    values: dict[str, object] = {
        "full_name": clean_full_name(full_name),
        "role": role,
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
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update()
        )
        other_admins = (
            select(func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
            .scalar_subquery()
        )
        was_admin = and_(User.role == Role.ADMIN, User.active.is_(True))
        change = change.where(or_(not_(was_admin), other_admins >= 1))
    result = db.session.execute(change, execution_options={"synchronize_session": False})
    if result.rowcount == 0:  # type: ignore[attr-defined]
        raise AccountError("This is the last active admin: make another admin first.")
    db.session.refresh(user)


def reset_password(user: User, temporary_password: str, *, by: User) -> int:
    """An admin gives a user a temporary password (they choose their own at the next
    sign-in); the user's sessions and API tokens end (returns how many tokens) and a sign-in
    pause is lifted: whoever forgot or lost the password may have lost a token with it."""
    if user.id == by.id:
        raise AccountError("Change your own password on your account page.")
    return set_password(user, temporary_password, temporary=True, revoke_tokens=True, by=by)


def unlock(user: User, *, by: User | None) -> int:
    """Lift a sign-in pause on the user's username (an admin's button, `flask unlock-user`),
    recorded with how many wrong passwords were forgotten (returned)."""
    failures = recent_failures(user.username)
    forget_failures(user.username)
    record_account_event(
        user,
        AccountEventKind.UNLOCKED,
        by=by,
        detail=f"{counted(failures, 'wrong password')} forgotten",
    )
    return failures


def unlocked_message(user: User, forgotten: int) -> str:
    """What an unlock of the user (`forgotten` wrong passwords) leaves: signing in from
    anywhere, or not yet from the addresses still paused that the user has not signed in from
    lately, and how to lift those."""
    done = f"{counted(forgotten, 'wrong password')} forgotten"
    remaining = address_pauses(except_known_for=user.username)
    if not remaining:
        return f"{user.username} may sign in again from anywhere ({done})."
    where = ", ".join(
        f"{pause.address} ({counted(pause.minutes, 'more minute')})" for pause in remaining
    )
    return (
        f"The pause on {user.username} is lifted ({done}), but these network addresses are "
        f"still paused after too many wrong passwords, and {user.username} has not signed in "
        f"from them lately: {where}. Lift one with: flask unlock-address ADDRESS"
    )


def unlock_address(address: str, *, by: User | None) -> int:
    """Lift the sign-in pause on a client address (`flask unlock-address`); returns how many
    wrong passwords no longer count for it (they still count for their usernames). An address
    has no account log, so the app's log records it."""
    address = client_address(address.strip())
    lifted = lift_address_pause(address)
    if not lifted:
        return 0
    current_app.logger.warning(
        "Sign-in pause on network address %s lifted by %s (%s no longer counted for it)",
        address,
        by.username if by else "the command line",
        counted(lifted, "wrong password"),
    )
    return lifted


def record_account_event(
    user: User, kind: AccountEventKind, *, by: User | None, detail: str = ""
) -> None:
    db.session.add(
        AccountEvent(user_id=user.id, actor_id=by.id if by else None, kind=kind, detail=detail)
    )


def account_events(user: User, *, limit: int = 50) -> list[AccountEvent]:
    """The user's account log, newest first."""
    return list(
        db.session.scalars(
            select(AccountEvent)
            .where(AccountEvent.user_id == user.id)
            .order_by(AccountEvent.at.desc(), AccountEvent.id.desc())
            .limit(limit)
        )
    )


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


def revoke_token(user: User, token_id: int, *, by: User | None) -> ApiToken:
    """Revoke one of the user's tokens (by the user, an admin, or None: the command line),
    recorded in the user's account log; revoking a revoked token changes nothing."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise AccountError("No such token.")
    if token.revoked_at is None:
        _revoke(token, by=by)
    return token


def revoke_all_tokens(user: User, *, by: User | None) -> int:
    """Revoke every live token of the user, each recorded; returns how many."""
    live = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ).all()
    for token in live:
        _revoke(token, by=by)
    return len(live)


def _revoke(token: ApiToken, *, by: User | None) -> None:
    token.revoked_at = utcnow()
    record_account_event(
        token.user, AccountEventKind.TOKEN_REVOKED, by=by, detail=f"{token.label} ({token.prefix}…)"
    )


def counted(count: int, thing: str) -> str:
    """A count with its word, for messages: 1 API token, 2 API tokens."""
    return f"{count} {thing}{'' if count == 1 else 's'}"


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
    settings, configured = pharmacy_settings(), app_settings()
    return {
        detail: getattr(settings, detail) or configured.value_of(variable)
        for detail, variable in CONFIGURED_DETAILS.items()
    }


def _digest(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is safe (no dictionary to try).
    return hashlib.sha256(token.encode()).hexdigest()
