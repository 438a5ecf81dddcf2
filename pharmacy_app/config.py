"""Settings in layers: defaults, the instance folder, environment variables, test overrides,
loaded into app.config; the app's own settings are then built from it once (settings.py)."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from werkzeug.middleware.proxy_fix import ProxyFix

from .settings import ConfigurationError, Settings, install

__all__ = ["configure", "configure_proxies"]

# Flask's and its extensions' own settings; the app's are in settings.py, with their defaults.
DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 256 * 1024,
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


def configure(app: Flask, test_config: dict[str, Any] | None) -> Settings:
    """Load every layer into app.config, build and check the app's settings from it once
    (settings.py), and give the database URL and secret key safe defaults."""
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
    settings = Settings.from_config(app.config)
    install(app, settings)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        url = f"sqlite:///{Path(app.instance_path) / 'pharmacy.sqlite3'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = database_url(url)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config, settings)

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(Path(app.instance_path) / "secret_key")
    return settings


def configure_proxies(app: Flask, settings: Settings) -> None:
    """Trust TRUSTED_PROXIES proxies' X-Forwarded-For and X-Forwarded-Proto (werkzeug's
    ProxyFix), so request.remote_addr is the client's address and not the proxy's."""
    proxies = settings.trusted_proxies
    if proxies:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies
        )


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


def engine_options(config: Mapping[str, Any], settings: Settings) -> dict[str, Any]:
    """SQLAlchemy's engine options: the configured ones, with the settings' waits. SQLite's busy
    timeout is the driver's `timeout` (sqlite3 sets the busy handler from it)."""
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        connect_args.setdefault("timeout", settings.sqlite_busy_timeout_seconds)
    else:
        # A server may drop idle connections; SQLite files have none to lose.
        options.setdefault("pool_pre_ping", True)
        # libpq counts whole seconds, and at least 2.
        wait = max(2, round(settings.database_connect_timeout_seconds))
        connect_args.setdefault("connect_timeout", wait)
    options["connect_args"] = connect_args
    return options


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
