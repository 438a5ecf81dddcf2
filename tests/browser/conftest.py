"""Browser tests: the app served by a real WSGI server on 127.0.0.1, driven by Playwright
in Debian's headless Chromium. Skipped without Chromium, except in CI where that fails."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from pharmacy_app import create_app
from pharmacy_app.accounts.models import Role
from pharmacy_app.accounts.services import create_user
from pharmacy_app.demo.compounding import store_demo_compounding
from pharmacy_app.extensions import db
from tests.conftest import IN_CI, PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
USERS = {
    "tina": Role.TECHNICIAN,
    "priya": Role.PHARMACIST,
    "sam": Role.PHARMACIST,
    "alex": Role.ADMIN,
}


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - the test extra installs it
        _unavailable(f"Playwright is not installed: {exc}")
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


def _unavailable(why: str) -> None:
    if IN_CI:
        pytest.fail(f"Browser tests must run in CI: {why}")
    pytest.skip(why)


@pytest.fixture
def live_server(migrated_sqlite: Path, tmp_path: Path) -> Iterator[str]:
    """The app on a fresh database with four users, served on a free local port."""
    database = tmp_path / "browser.sqlite3"
    shutil.copy(migrated_sqlite, database)
    app = create_app(
        {
            "SECRET_KEY": "browser-tests",
            "PHARMACY_STATE": "OR",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "ARGON2_MEMORY_COST": 1024,
        }
    )
    with app.app_context():
        for username, role in USERS.items():
            create_user(username, f"{username.title()} {role.label}", role, PASSWORD)
        store_demo_compounding(dt.date.today())
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    with app.app_context():
        db.engine.dispose()


# Every page of every browser test reports what the Content-Security-Policy refused: an inline
# script, style or event handler left in a template would otherwise fail silently (a button
# that does nothing, a layout that falls apart) while the test may still pass.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
    + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`));
"""


def csp_violations_in(console: list[str]) -> list[str]:
    """The console errors that are the browser refusing something under the CSP (Chromium's
    own message, or the report of the listener above)."""
    return [m for m in console if "Content Security Policy" in m or "CSP violation" in m]


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh browser tab; the test fails if any page it opened broke the CSP."""
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    console: list[str] = []
    context.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.console_errors = console
    yield page
    context.close()
    violations = csp_violations_in(console)
    assert not violations, "The pages broke the Content-Security-Policy:\n" + "\n".join(violations)


def sign_in(page: Any, username: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/")


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
