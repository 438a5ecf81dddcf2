"""The pharmacy's settings: one typed, frozen object, built and checked once when the app is.

Naming: every setting has one upper-case name, and its field here is that name in lower case
(`LABOUR_RATE_PER_HOUR` is `settings().labour_rate_per_hour`). The name is read, in this
order, from the defaults below, `instance/config.py` (`LABOUR_RATE_PER_HOUR = "65.00"`), the
environment as `FLASK_<NAME>` (`FLASK_LABOUR_RATE_PER_HOUR=65.00`; Flask reads the value as
JSON when it can), and a test's `create_app({...})`. The pharmacy-wide names in
`config.NAMED_VARIABLES` (`PHARMACY_TIMEZONE`, `PHARMACY_NAME`, ...) are also read from the
environment without the prefix; the checker's thresholds are `CHECK_*` (checks/policy.py).

A value is turned into its type here, once (money and percentages `Decimal`, the time zone a
`ZoneInfo`, counts `int`); a name that ends in its unit (`_HOURS`, `_MINUTES`, `_DAYS`,
`_SECONDS`) keeps the number in that unit, and a duration the code needs as a `timedelta`
has a property for it (`sign_in_pause`). A value the app cannot use stops it from starting
with a `ConfigurationError` that names the setting. The settings do not change while the app
runs: a test that needs other settings builds its app with them
(`@pytest.mark.app_config(NAME=value)` for the `app` fixture)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from .checks.policy import CheckPolicy

if TYPE_CHECKING:
    from flask import Flask

T = TypeVar("T")
Parser = Callable[[str, object], T]


class ConfigurationError(click.ClickException):
    """A setting the app cannot start with. A ClickException, so a `flask ...` command prints
    it as one line ("Error: ...") and exits with status 1 instead of a traceback."""


def _number(
    name: str, raw: object, what: str, *, least: int, most: int | None = None, above: bool = False
) -> Decimal:
    """`raw` as a finite Decimal from `least` (or `above` it) to `most`, else a
    ConfigurationError saying `what` the setting must be."""
    try:
        value = Decimal(str(raw)) if not isinstance(raw, bool) else Decimal("NaN")
    except InvalidOperation:
        value = Decimal("NaN")
    if (
        not value.is_finite()
        or value < least
        or (above and value == least)
        or (most is not None and value > most)
    ):
        raise ConfigurationError(f"{name} must be {what}, not {raw!r}.")
    return value


def _decimal(
    what: str, *, least: int = 0, most: int | None = None, above: bool = False
) -> Parser[Decimal]:
    def parse(name: str, raw: object) -> Decimal:
        return _number(name, raw, what, least=least, most=most, above=above)

    return parse


def _whole(what: str, *, least: int) -> Parser[int]:
    def parse(name: str, raw: object) -> int:
        value = _number(name, raw, what, least=least)
        if value != value.to_integral_value():
            raise ConfigurationError(f"{name} must be {what}, not {raw!r}.")
        return int(value)

    return parse


def _seconds(name: str, raw: object) -> float:
    """A wait: SQLAlchemy's drivers take float seconds."""
    return float(_number(name, raw, "a number of seconds from 0 to 600", least=0, most=600))


def _text(_name: str, raw: object) -> str:
    return str(raw)


def _one_of(*choices: str) -> Parser[str]:
    def parse(name: str, raw: object) -> str:
        value = str(raw).strip().lower()
        if value not in choices:
            raise ConfigurationError(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
        return value

    return parse


def _zone(name: str, raw: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(raw).strip())
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: "America", a folder
        raise ConfigurationError(
            f"{name} must be an IANA time zone name such as America/Los_Angeles, not {raw!r}."
        ) from exc


def _parsed_by(parse: Parser[Any]) -> dict[str, Parser[Any]]:
    """A field's metadata: the parser that turns a configured value into the field's type."""
    return {"parse": parse}


_TEXT = _parsed_by(_text)
_ZONE = _parsed_by(_zone)
_MONEY = _parsed_by(_decimal("an amount of 0 or more"))
_PERCENT = _parsed_by(_decimal("a number of 0 or more"))
_SHARE = _parsed_by(_decimal("a number from 0 to 100", most=100))
_ABOVE_ZERO = _parsed_by(_decimal("a number above 0", above=True))
_COUNT = _parsed_by(_whole("a whole number of 1 or more", least=1))
_DURATION = _parsed_by(_decimal("a number of 0 or more"))
_WAIT = _parsed_by(_seconds)


@dataclass(frozen=True, slots=True)
class Settings:
    """Every setting of the app that Flask and its extensions do not read themselves."""

    # The pharmacy as pages and labels name it; an admin may override these three on
    # /admin/settings (accounts.services.pharmacy_details).
    pharmacy_name: str = field(default="Willow Creek Compounding Pharmacy", metadata=_TEXT)
    pharmacy_address: str = field(
        default="1420 SE Hawthorne Blvd, Portland, OR 97214", metadata=_TEXT
    )
    pharmacy_phone: str = field(default="(503) 555-0142", metadata=_TEXT)
    # The state the pharmacy dispenses in (the checker reads it too, see checks/policy.py).
    pharmacy_state: str = field(default="OR", metadata=_TEXT)
    # Money (issue 6): one currency; the pharmacy's time zone decides which month a fill is
    # in, and which day "today" is.
    currency: str = field(default="USD", metadata=_TEXT)
    pharmacy_timezone: ZoneInfo = field(default=ZoneInfo("America/Los_Angeles"), metadata=_ZONE)
    labour_rate_per_hour: Decimal = field(default=Decimal("60.00"), metadata=_MONEY)
    fees_per_fill: Decimal = field(default=Decimal("0.75"), metadata=_MONEY)
    default_markup_percent: Decimal = field(default=Decimal("100"), metadata=_PERCENT)
    default_dispensing_fee: Decimal = field(default=Decimal("10.00"), metadata=_MONEY)
    # Actual weights within this many percent of the worksheet pass; others need a
    # pharmacist's decision.
    compounding_tolerance_percent: Decimal = field(default=Decimal("5"), metadata=_ABOVE_ZERO)
    # The balance's readability (Medisca: LDN needs a balance reading to 0.001 g;
    # shared/domain/ldn.md).
    compounding_balance_readability_g: Decimal = field(
        default=Decimal("0.001"), metadata=_ABOVE_ZERO
    )
    # A dose-setting amount further off than this (or none at all) cannot be accepted; the
    # fill is discarded and made again. A general-knowledge default (USP <795> leaves the
    # limits to the pharmacy), never below the tolerance (compounding.worksheets).
    compounding_discard_limit_percent: Decimal = field(default=Decimal("10"), metadata=_ABOVE_ZERO)
    # A refill is "too soon" before this share of the previous fill's days supply has passed
    # (0 turns the check off). 75% is the threshold US payers commonly apply to a
    # non-controlled drug's refill (general knowledge, not a law: naltrexone is not
    # scheduled): a 30-day fill may be refilled from day 23, which leaves a compounding
    # pharmacy a week to make and ship the next fill, while a second month's supply handed
    # over days after the first (a double entry, a fill recorded on the wrong patient) is
    # caught.
    refill_too_soon_percent: Decimal = field(default=Decimal("75"), metadata=_SHARE)
    # When the counselling offer must be recorded at dispensing: "new" (a new prescription's
    # first fill), "every" fill, or "none". Federal OBRA '90 requires the offer to counsel
    # Medicaid patients on new prescriptions, and most states extend it to every new
    # prescription (shared/domain/ldn.md, "Label rules in detail"); a state that asks for
    # an offer at every fill sets "every". The answer (accepted or declined) is kept.
    counsel_offer_required: str = field(
        default="new", metadata=_parsed_by(_one_of("new", "every", "none"))
    )
    # A prescription may be filled and dispensed for this many days from the date written
    # (from the date received when the date written is missing); after it no new fill is
    # started or dispensed and the order shows "renewal needed" (orders/validity.py). One
    # year is what most states allow a non-controlled prescription (shared/domain/ldn.md,
    # "Prescription validity": general knowledge, a setting per state); naltrexone is not
    # scheduled, so the shorter federal limit for Schedule III-V (6 months, 21 CFR 1306.22)
    # does not apply. The checker's stale-at-entry rule (CHECK_MAX_PRESCRIPTION_AGE_DAYS)
    # follows it unless set on its own.
    prescription_valid_days: int = field(default=365, metadata=_COUNT)
    # Will-call: a fill released and not collected for this many days (the pharmacy's dates,
    # counted from its release) is listed as not collected, for a pharmacist to return to
    # stock or discard (dispensing/will_call.py). The pharmacy's own return-to-stock policy:
    # no rule sets it, and many pharmacies use 10 to 14 days (general knowledge).
    will_call_uncollected_days: int = field(default=14, metadata=_COUNT)
    # Sign-in throttling: this many wrong passwords for one username within the pause pauses
    # that username until the oldest of them is older than the pause; so does this many from
    # one client address (for any usernames). An address that signed in as the user within
    # the last SIGN_IN_KNOWN_ADDRESS_DAYS is not shut out by others' failures for the username.
    sign_in_max_failures: int = field(default=10, metadata=_COUNT)
    sign_in_max_failures_per_address: int = field(default=30, metadata=_COUNT)
    sign_in_pause_minutes: Decimal = field(default=Decimal(15), metadata=_DURATION)
    sign_in_known_address_days: Decimal = field(default=Decimal(30), metadata=_DURATION)
    # Argon2id costs; unset, the library's recommended ones. Tests lower the memory cost
    # (ARGON2_MEMORY_COST=1024) to run faster; the time cost is then 1 unless given.
    argon2_time_cost: int | None = field(default=None, metadata=_COUNT)
    argon2_memory_cost: int | None = field(
        default=None, metadata=_parsed_by(_whole("a whole number of KiB, 8 or more", least=8))
    )
    # Behind a reverse proxy (nginx, a load balancer) every request's address is the proxy's:
    # set FLASK_TRUSTED_PROXIES to how many proxies in front of the app set X-Forwarded-For
    # and X-Forwarded-Proto, so the throttle sees the client's address. Never set it when
    # clients reach the app directly: they could then claim any address.
    trusted_proxies: int = field(
        default=0, metadata=_parsed_by(_whole("a whole number of proxies (0 for none)", least=0))
    )
    # The database out of reach or busy: how long a request waits before it is answered 503
    # (an SQLite writer for the write lock, a PostgreSQL connection for the server), and the
    # Retry-After that answer gives. Short, so a locked or lost database never holds every
    # worker: the 503 comes after seconds, and the client tries again.
    sqlite_busy_timeout_seconds: float = field(default=5.0, metadata=_WAIT)
    database_connect_timeout_seconds: float = field(default=5.0, metadata=_WAIT)
    database_retry_after_seconds: int = field(
        default=10, metadata=_parsed_by(_whole("a whole number of seconds, 0 or more", least=0))
    )
    # Exactly once: a form's one-time token is accepted, and an API answer stored under its
    # Idempotency-Key replayed, for this many hours (at least 24: a retry the next day).
    submission_retention_hours: Decimal = field(default=Decimal(24), metadata=_DURATION)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Settings:
        """The settings from a mapping of upper-case names (Flask's app.config): each
        configured value checked and turned into its type, the rest left at the defaults."""
        values = {}
        for each in fields(cls):
            raw = config.get(each.name.upper())
            if raw is not None:
                values[each.name] = each.metadata["parse"](each.name.upper(), raw)
        return cls(**values)

    def check_policy(self, config: Mapping[str, Any]) -> CheckPolicy:
        """The checker's policy: its CHECK_* thresholds from `config`, with the pharmacy's
        state from these settings (the checker is given the pharmacy's today by its callers)."""
        return CheckPolicy.from_settings(
            {
                "CHECK_MAX_PRESCRIPTION_AGE_DAYS": self.prescription_valid_days,
                **config,
                "PHARMACY_STATE": self.pharmacy_state,
            }
        )

    def value_of(self, name: str) -> Any:
        """The setting by its upper-case name (`PHARMACY_NAME`)."""
        return getattr(self, name.lower())

    @property
    def sign_in_pause(self) -> dt.timedelta:
        return dt.timedelta(minutes=float(self.sign_in_pause_minutes))

    @property
    def known_address_period(self) -> dt.timedelta:
        return dt.timedelta(days=float(self.sign_in_known_address_days))

    @property
    def submission_retention(self) -> dt.timedelta:
        return dt.timedelta(hours=float(self.submission_retention_hours))


def install(app: Flask, settings: Settings) -> None:
    """Keep the app's settings where `settings()` finds them, and show them to templates
    (`{{ settings.currency }}`)."""
    app.extensions["settings"] = settings
    app.jinja_env.globals["settings"] = settings


def settings() -> Settings:
    """The current app's settings."""
    from flask import current_app

    found: Settings = current_app.extensions["settings"]
    return found
