"""The application factory: settings, extensions, checker policy, blueprints, errors, CLI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from .accounts.auth import configure_auth
from .checks.findings import plain
from .config import configure, configure_proxies
from .extensions import csrf, db, migrate
from .guards import configure_guards
from .security import configure_security_headers

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations"


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings, extensions, checker policy, blueprints, errors, CLI."""
    app = Flask(
        "pharmacy_app",
        # The instance folder (the SQLite file, the generated secret key, instance/config.py):
        # PHARMACY_INSTANCE_PATH, else instance/ beside the package.
        instance_path=_instance_path(),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    settings = configure(app, test_config)
    configure_proxies(app, settings)
    app.json.sort_keys = False  # type: ignore[attr-defined]  # verdict first, as documented
    register_extensions(app)
    app.extensions["check_policy"] = settings.check_policy(app.config)
    configure_auth(app)
    # Form tokens are checked after sign-in (before-request hooks run in the order they are
    # registered): a signed-out visitor is sent to sign in before a stale-token page can say
    # anything about an order.
    csrf.init_app(app)
    configure_guards(app)
    configure_security_headers(app)
    register_blueprints(app)
    app.add_template_filter(plain, "plain")
    app.context_processor(_pharmacy_context)
    from .errors import register_error_handlers

    register_error_handlers(app)
    from .idempotency.forms import configure_form_tokens

    configure_form_tokens(app)
    from .cli import register_cli

    register_cli(app)
    return app


def _instance_path() -> str | None:
    folder = os.environ.get("PHARMACY_INSTANCE_PATH")
    return str(Path(folder).resolve()) if folder else None


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS), render_as_batch=True)


def register_blueprints(app: Flask) -> None:
    # The home and order pages: views of orders_bp that show what the features above made.
    from . import order_page  # noqa: F401
    from .accounts.routes import bp as accounts_bp
    from .api import bp as api_bp
    from .compounding.routes import bp as compounding_bp
    from .costs.routes import bp as costs_bp
    from .dispensing.routes import bp as dispensing_bp
    from .labels.routes import bp as labels_bp
    from .orders.routes import bp as orders_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(compounding_bp)
    app.register_blueprint(labels_bp)
    app.register_blueprint(costs_bp)
    app.register_blueprint(dispensing_bp)

    app.register_blueprint(api_bp)


def _pharmacy_context() -> dict[str, Any]:
    from .accounts.services import pharmacy_details

    return {"pharmacy": pharmacy_details()}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys and write ahead. A busy writer is waited for as long as
    SQLITE_BUSY_TIMEOUT_SECONDS (the driver's timeout, see config.engine_options), then the
    request is answered 503 (errors.py)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()
