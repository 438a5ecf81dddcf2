"""Settings in layers: defaults, the instance folder, environment variables, test overrides."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from werkzeug.middleware.proxy_fix import ProxyFix

DEFAULTS: dict[str, Any] = {
    "PHARMACY_NAME": "Willow Creek Compounding Pharmacy",
    "PHARMACY_ADDRESS": "1420 SE Hawthorne Blvd, Portland, OR 97214",
    "PHARMACY_PHONE": "(503) 555-0142",
    "PHARMACY_STATE": "OR",
    "MAX_CONTENT_LENGTH": 256 * 1024,
    # The database out of reach or busy: how long a request waits before it is answered 503
    # (an SQLite writer for the write lock, a PostgreSQL connection for the server), and the
    # Retry-After that answer gives. Short, so a locked or lost database never holds every
    # worker: the 503 comes after seconds, and the client tries again.
    "SQLITE_BUSY_TIMEOUT_SECONDS": 5,
    "DATABASE_CONNECT_TIMEOUT_SECONDS": 5,
    "DATABASE_RETRY_AFTER_SECONDS": 10,
    # A form's CSRF token lives as long as the signed-in session, not one hour: an order form
    # left open over a phone call or lunch must still save.
    "WTF_CSRF_TIME_LIMIT": None,
    # Sessions: a signed-in session lasts a working day from sign-in (seconds); the cookie is
    # out of reach of scripts and not sent with cross-site posts. Set
    # FLASK_SESSION_COOKIE_SECURE=true when the app is served over HTTPS.
    "PERMANENT_SESSION_LIFETIME": 12 * 60 * 60,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_SECURE": False,
    # Sign-in throttling: this many wrong passwords for one username within the pause pauses
    # that username until the oldest of them is older than the pause; so does this many from
    # one client address (for any usernames). An address that signed in as the user within
    # the last SIGN_IN_KNOWN_ADDRESS_DAYS is not shut out by others' failures for the username.
    "SIGN_IN_MAX_FAILURES": 10,
    "SIGN_IN_MAX_FAILURES_PER_ADDRESS": 30,
    "SIGN_IN_PAUSE_MINUTES": 15,
    "SIGN_IN_KNOWN_ADDRESS_DAYS": 30,
    # Behind a reverse proxy (nginx, a load balancer) every request's address is the proxy's:
    # set FLASK_TRUSTED_PROXIES to how many proxies in front of the app set X-Forwarded-For
    # and X-Forwarded-Proto, so the throttle sees the client's address. Never set it when
    # clients reach the app directly: they could then claim any address.
    "TRUSTED_PROXIES": 0,
    # Actual weights within this many percent of the worksheet pass; others need a
    # pharmacist's decision.
    "COMPOUNDING_TOLERANCE_PERCENT": "5",
    # Money (issue 6): one currency; the pharmacy's time zone decides which month a fill is in.
    "CURRENCY": "USD",
    "PHARMACY_TIMEZONE": "America/Los_Angeles",
    "LABOUR_RATE_PER_HOUR": "60.00",
    "FEES_PER_FILL": "0.75",
    "DEFAULT_MARKUP_PERCENT": "100",
    "DEFAULT_DISPENSING_FEE": "10.00",
    # Exactly once: a form's one-time token is accepted, and an API answer stored under its
    # Idempotency-Key replayed, for this many hours (at least 24: a retry the next day).
    "SUBMISSION_RETENTION_HOURS": 24,
}
# Named environment variables read as they are (no FLASK_ prefix needed).
NAMED_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "PHARMACY_TIMEZONE",
    "PHARMACY_NAME",
    "PHARMACY_ADDRESS",
    "PHARMACY_PHONE",
    "PHARMACY_STATE",
)


def configure(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Load every layer into app.config; the database URL and secret key get safe defaults."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile("config.py", silent=True)
    for name in NAMED_VARIABLES:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    for name, value in os.environ.items():
        if name.startswith("CHECK_"):
            app.config[name] = value
    app.config.from_prefixed_env()
    if test_config:
        app.config.from_mapping(test_config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'pharmacy.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")


def configure_proxies(app: Flask) -> None:
    """Trust TRUSTED_PROXIES proxies' X-Forwarded-For and X-Forwarded-Proto (werkzeug's
    ProxyFix), so request.remote_addr is the client's address and not the proxy's."""
    value = app.config["TRUSTED_PROXIES"]
    try:
        proxies = int(value)
    except (TypeError, ValueError):
        proxies = -1
    if proxies < 0 or isinstance(value, bool):
        raise ConfigurationError(
            f"TRUSTED_PROXIES must be a whole number of proxies (0 for none), not {value!r}."
        )
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )


class ConfigurationError(click.ClickException):
    """A setting the app cannot start with. A ClickException, so a `flask ...` command prints
    it as one line ("Error: ...") and exits with status 1 instead of a traceback."""


def database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whichever way the URL names it; a URL that names no
    database this app can use is a ConfigurationError."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
            break
    try:
        make_url(url).get_dialect().import_dbapi()
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        scheme = url.partition("://")[0] if "://" in url else ""
        why = f"{scheme}:// is not supported" if scheme else "it has no scheme"
        raise ConfigurationError(
            f"DATABASE_URL is not a database URL this app can use ({why}): "
            "use sqlite:////path/to/file.sqlite3 or postgresql://user@host/name."
        ) from exc
    return url


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy's engine options: the configured ones, with the waits above. SQLite's busy
    timeout is the driver's `timeout` (sqlite3 sets the busy handler from it)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        connect_args.setdefault("timeout", _seconds(config, "SQLITE_BUSY_TIMEOUT_SECONDS"))
    else:
        # A server may drop idle connections; SQLite files have none to lose.
        options.setdefault("pool_pre_ping", True)
        # libpq counts whole seconds, and at least 2.
        wait = max(2, round(_seconds(config, "DATABASE_CONNECT_TIMEOUT_SECONDS")))
        connect_args.setdefault("connect_timeout", wait)
    options["connect_args"] = connect_args
    return options


def _seconds(config: Mapping[str, Any], name: str) -> float:
    value = config[name]
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = -1.0
    if isinstance(value, bool) or not 0 <= seconds <= 600:
        raise ConfigurationError(
            f"{name} must be a number of seconds from 0 to 600, not {value!r}."
        )
    return seconds


def _instance_secret(path: Path) -> str:
    """A secret key generated once and kept in the instance folder (mode 0600). Several
    workers may start at once: the first creates the file, the others read it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        for _ in range(50):
            key = path.read_text().strip()
            if key:
                return key
            time.sleep(0.02)
        raise RuntimeError(f"{path} is empty: delete it or set SECRET_KEY") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
