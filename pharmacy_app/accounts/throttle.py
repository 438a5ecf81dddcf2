"""Sign-in throttling: too many wrong passwords for one username pause that username, and too
many from one client address pause that address, for a while. Failures are rows in the
database, so every worker counts the same ones; any username is counted alike, so a pause
never tells whether an account exists.

An address that recently signed in with the right password for a username is not shut out by
that username's pause: for it, only its own failures for the username count. So nobody can
lock a user (the admin included) out of the places they usually sign in from by typing wrong
passwords elsewhere. Elsewhere, an admin's unlock or `flask unlock-user` lifts the pause.
Likewise a username that signed in from an address lately is not shut out by the address's
pause (a shared office address, NAT, would otherwise shut out the whole pharmacy); its own
wrong passwords there still count toward the username's limit. `flask unlock-address` lifts
an address's pause (its failures still count for their usernames).

The address is the request's remote address: behind a reverse proxy every request seems to
come from the proxy, so set FLASK_TRUSTED_PROXIES (see config.configure_proxies)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

from sqlalchemy import Select, and_, delete, func, or_, select, update

from ..extensions import db
from ..settings import settings
from ..timeutil import utcnow
from .models import ADDRESS_MAX, KnownSignInAddress, SignInFailure


class TooManyAttempts(Exception):
    """The username or the client address is paused; `minutes` until it may try again."""

    def __init__(self, minutes: int, *, address: bool = False) -> None:
        self.minutes = minutes
        wait = f"try again in {minutes} minute{'' if minutes == 1 else 's'}."
        if address:
            message = f"Too many wrong passwords from this network address: {wait}"
        else:
            message = f"Too many wrong passwords: {wait} An admin can lift the pause sooner."
        super().__init__(message)


def client_address(remote_addr: str | None) -> str:
    """The address as the throttle keeps it."""
    return (remote_addr or "unknown")[:ADDRESS_MAX]


def take_attempt(username: str, address: str) -> None:
    """Count a password attempt for the username from the address before the password is
    checked, or raise TooManyAttempts when the window already holds the limit of failures
    from the address, or for the username.

    The attempt is stored (and committed) as a failure first and forgotten only by
    forget_failures() after a right password: counted afterwards, workers checking passwords
    at the same moment could together go past the limit."""
    user_limit, address_limit, window = _limits()
    now = utcnow()
    since = now - window
    db.session.execute(delete(SignInFailure).where(SignInFailure.at < since))
    attempt = SignInFailure(username=username, address=address, at=now)
    db.session.add(attempt)
    db.session.commit()
    refusal = None
    known = is_known_address(username, address)
    minutes = None if known else _pause(_for_address(address), address_limit, now, window)
    if minutes is not None:
        refusal = TooManyAttempts(minutes, address=True)
    else:
        for_username: list[Any] = [SignInFailure.username == username]
        if known:
            for_username.append(SignInFailure.address == address)
        minutes = _pause(for_username, user_limit, now, window)
        if minutes is not None:
            refusal = TooManyAttempts(minutes)
    if refusal is None:
        return
    db.session.delete(attempt)  # a refused attempt does not lengthen the pause
    db.session.commit()
    raise refusal


def username_pause(username: str) -> int | None:
    """Minutes until the username may try again from an address it has not signed in from,
    or None when it is not paused (for the admin's page; counts no attempt)."""
    user_limit, _, window = _limits()
    # The pause as the next attempt would see it: that attempt would be one more failure.
    return _pause([SignInFailure.username == username], user_limit - 1, utcnow(), window)


@dataclasses.dataclass(frozen=True)
class AddressPause:
    """A client address paused after too many wrong passwords, for `minutes` more."""

    address: str
    minutes: int


def address_pauses(*, except_known_for: str | None = None) -> list[AddressPause]:
    """The addresses paused now (for whatever username they try next), or with
    `except_known_for`, those that would refuse that username: not the ones it signed in from
    lately."""
    _, address_limit, window = _limits()
    now = utcnow()
    paused = select(SignInFailure.address).where(
        SignInFailure.address_pause_lifted.is_(False), SignInFailure.at >= now - window
    )
    if except_known_for is not None:
        paused = paused.where(SignInFailure.address.not_in(_known_addresses(except_known_for)))
    candidates = db.session.scalars(
        paused.group_by(SignInFailure.address)
        .having(func.count() >= address_limit)
        .order_by(SignInFailure.address)
    ).all()
    pauses = []
    for address in candidates:
        # As the next attempt from the address would see it: one more failure.
        minutes = _pause(_for_address(address), address_limit - 1, now, window)
        if minutes is not None:
            pauses.append(AddressPause(address, minutes))
    return pauses


def lift_address_pause(address: str) -> int:
    """Lift the pause on a client address (or the count toward one): its wrong passwords so
    far no longer count for the address, though they still do for their usernames. Returns how
    many were counted."""
    _, _, window = _limits()
    result = db.session.execute(
        update(SignInFailure)
        .where(*_for_address(address), SignInFailure.at >= utcnow() - window)
        .values(address_pause_lifted=True),
        execution_options={"synchronize_session": False},
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def recent_failures(username: str) -> int:
    """How many wrong passwords for the username are still counted."""
    _, _, window = _limits()
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(SignInFailure.username == username, SignInFailure.at >= utcnow() - window)
        )
        or 0
    )


def remember_sign_in(username: str, address: str) -> None:
    """A right password for the username from the address: its failures for the username no
    longer count (others' still do), and the address is known for the username from now."""
    db.session.execute(
        delete(SignInFailure).where(
            SignInFailure.username == username, SignInFailure.address == address
        )
    )
    db.session.execute(
        delete(KnownSignInAddress).where(
            or_(
                KnownSignInAddress.at < utcnow() - _known_for(),
                and_(
                    KnownSignInAddress.username == username, KnownSignInAddress.address == address
                ),
            )
        )
    )
    db.session.add(KnownSignInAddress(username=username, address=address))


def is_known_address(username: str, address: str) -> bool:
    """Whether the address signed in as the username within SIGN_IN_KNOWN_ADDRESS_DAYS."""
    return (
        db.session.scalars(
            _known_addresses(username).where(KnownSignInAddress.address == address).limit(1)
        ).first()
        is not None
    )


def _known_addresses(username: str) -> Select[str]:
    return select(KnownSignInAddress.address).where(
        KnownSignInAddress.username == username,
        KnownSignInAddress.at >= utcnow() - _known_for(),
    )


def _for_address(address: str) -> list[Any]:
    """The failures that count toward the address's pause."""
    return [SignInFailure.address == address, SignInFailure.address_pause_lifted.is_(False)]


def forget_failures(username: str) -> None:
    """A new password or an unlock: none of the username's failures count any more."""
    db.session.execute(delete(SignInFailure).where(SignInFailure.username == username))


def _pause(conditions: list[Any], limit: int, now: dt.datetime, window: dt.timedelta) -> int | None:
    """Minutes left of a pause when more than `limit` failures match within the window."""
    recent = db.session.scalars(
        select(SignInFailure.at)
        .where(*conditions, SignInFailure.at >= now - window)
        .order_by(SignInFailure.at.desc(), SignInFailure.id.desc())
        .limit(limit + 1)
    ).all()
    if len(recent) <= limit:
        return None
    # The pause ends when the oldest of the `limit` failures before this attempt leaves the
    # window.
    oldest = recent[limit] if recent[limit].tzinfo else recent[limit].replace(tzinfo=dt.UTC)
    return max(1, math.ceil((oldest + window - now).total_seconds() / 60))


def _limits() -> tuple[int, int, dt.timedelta]:
    configured = settings()
    return (
        configured.sign_in_max_failures,
        configured.sign_in_max_failures_per_address,
        configured.sign_in_pause,
    )


def _known_for() -> dt.timedelta:
    return settings().known_address_period
