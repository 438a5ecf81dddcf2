"""Users, their API tokens, failed and successful sign-ins, the account event log, and the
pharmacy's settings row."""

from __future__ import annotations

import datetime as dt
import secrets
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, stored_enum
from ..timeutil import utcnow


class Role(StrEnum):
    TECHNICIAN = "technician"
    PHARMACIST = "pharmacist"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Permission(StrEnum):
    ENTER = "enter"  # enter, edit and check orders
    VERIFY = "verify"  # override warnings, verify or reject orders
    ADMINISTER = "administer"  # manage users and pharmacy settings
    VIEW_COSTS = "view_costs"  # see what a fill cost the pharmacy: costs, lot prices, reports


# The one place each role's rights are decided; views, services and templates ask `can()`.
# A technician sees the price a patient pays (to take it at the counter) but not what the
# fill cost the pharmacy.
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.TECHNICIAN: frozenset({Permission.ENTER}),
    Role.PHARMACIST: frozenset({Permission.ENTER, Permission.VERIFY, Permission.VIEW_COSTS}),
    Role.ADMIN: frozenset({Permission.ENTER, Permission.ADMINISTER, Permission.VIEW_COSTS}),
}


# Column lengths, which the forms, the CLI and the services check before storing.
USERNAME_MAX = 80
FULL_NAME_MAX = 200
TOKEN_LABEL_MAX = 100
# A client address as the throttle keeps it (IPv6 with a zone fits; longer is cut).
ADDRESS_MAX = 64


def new_session_token() -> str:
    """A fresh value for `User.session_token` (256 random bits)."""
    return secrets.token_urlsafe(32)


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX), unique=True)
    full_name: Mapped[str] = mapped_column(String(FULL_NAME_MAX))
    role: Mapped[Role] = mapped_column(stored_enum(Role, length=20, name="ck_users_role"))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    password_changed_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow
    )
    # Every session cookie of the user carries this value; changing it (sign-out, a new
    # password, deactivation) ends them all, with nothing kept per session on the server.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    # Set when an admin gives the user a temporary password: they must choose their own.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)

    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", order_by="ApiToken.id")

    # Flask-Login's user interface.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # Flask-Login's alternative id: the session stores the id with the session token,
        # so a session whose token has since changed no longer loads its user.
        return f"{self.id}:{self.session_token}"

    def end_sessions(self) -> None:
        """Sign the user out everywhere (every browser session; API tokens are kept)."""
        self.session_token = new_session_token()

    def can(self, permission: Permission) -> bool:
        return self.active and permission in PERMISSIONS[self.role]


class ApiToken(Model):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(TOKEN_LABEL_MAX))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens", lazy="joined")


class SignInFailure(Model):
    """A wrong password typed for a username (whether or not it exists) from a client
    address, kept while it counts toward the sign-in throttle (per username and per address).
    In the database, so every worker counts the same failures."""

    __tablename__ = "sign_in_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    # Set when a pause on the address is lifted (`flask unlock-address`): the failure no longer
    # counts for the address, but still does for the username.
    address_pause_lifted: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    __table_args__ = (
        Index("ix_sign_in_failures_username_at", "username", "at"),
        Index("ix_sign_in_failures_address_at", "address", "at"),
    )


class KnownSignInAddress(Model):
    """A client address that signed in with the right password for a username, and when it
    last did: the username's pause does not shut it out (see throttle.take_attempt)."""

    __tablename__ = "known_sign_in_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_MAX))
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)

    __table_args__ = (Index("ix_known_sign_in_addresses_username_address", "username", "address"),)


class AccountEventKind(StrEnum):
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    TOKEN_REVOKED = "token_revoked"
    UNLOCKED = "unlocked"

    @property
    def label(self) -> str:
        return {
            AccountEventKind.PASSWORD_CHANGED: "Password changed",
            AccountEventKind.PASSWORD_RESET: "Temporary password set",
            AccountEventKind.TOKEN_REVOKED: "API token revoked",
            AccountEventKind.UNLOCKED: "Sign-in pause lifted",
        }[self]


class AccountEvent(Model):
    """What was done to an account, by whom (None: on the server's command line) and when."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    kind: Mapped[AccountEventKind] = mapped_column(
        stored_enum(AccountEventKind, length=30, name="ck_account_events_kind")
    )
    detail: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")


class PharmacySettings(Model):
    """The one row of settings an admin changes in the app (the rest come from the
    environment). Stored, so every worker sees the same values."""

    __tablename__ = "pharmacy_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    allow_self_verification: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
