"""The settings object: every setting read by its one name from each layer, turned into its
type and checked once when the app is built, and a bad value refused at start."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess
import sys
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from pharmacy_app import create_app
from pharmacy_app.settings import ConfigurationError, Settings, settings
from pharmacy_app.timeutil import pharmacy_zone


def built(**config: object) -> Settings:
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://", **config})
    with app.app_context():
        return settings()


@pytest.mark.parametrize("each", dataclasses.fields(Settings), ids=lambda each: each.name)
def test_each_setting_is_read_by_its_name_in_upper_case(each):
    default = getattr(Settings(), each.name)
    written = "1024" if default is None else str(default)
    found = Settings.from_config({each.name.upper(): written})
    assert str(getattr(found, each.name)) == written


def test_unset_settings_keep_their_defaults_in_their_types():
    found = built()
    assert found == Settings()
    assert found.pharmacy_timezone == ZoneInfo("America/Los_Angeles")
    assert found.labour_rate_per_hour == Decimal("60.00")
    assert found.sign_in_max_failures == 10
    assert found.sign_in_pause == dt.timedelta(minutes=15)
    assert found.known_address_period == dt.timedelta(days=30)
    assert found.submission_retention == dt.timedelta(hours=24)
    assert found.argon2_memory_cost is None
    assert found.will_call_uncollected_days == 14


def test_flask_prefixed_variables_set_settings(monkeypatch):
    monkeypatch.setenv("FLASK_LABOUR_RATE_PER_HOUR", "72.50")
    monkeypatch.setenv("FLASK_SIGN_IN_MAX_FAILURES", "4")
    monkeypatch.setenv("FLASK_CURRENCY", "CAD")
    monkeypatch.setenv("FLASK_WILL_CALL_UNCOLLECTED_DAYS", "10")
    found = built()
    assert found.will_call_uncollected_days == 10
    assert found.labour_rate_per_hour == Decimal("72.5")
    assert found.sign_in_max_failures == 4
    assert found.currency == "CAD"


def test_the_pharmacy_wide_names_are_read_without_the_prefix(monkeypatch):
    monkeypatch.setenv("PHARMACY_TIMEZONE", "America/Chicago")
    monkeypatch.setenv("PHARMACY_STATE", "WA")
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.extensions["settings"].pharmacy_timezone == ZoneInfo("America/Chicago")
    # The checker judges by the same state, and its callers give it the same zone's today.
    assert app.extensions["check_policy"].pharmacy_state == "WA"
    with app.app_context():
        assert pharmacy_zone() == ZoneInfo("America/Chicago")


def test_the_checker_gets_the_default_state_when_none_is_configured(monkeypatch):
    monkeypatch.delenv("PHARMACY_STATE", raising=False)
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.extensions["check_policy"].pharmacy_state == "OR"


def test_the_instance_config_sets_settings_and_the_environment_and_tests_win(tmp_path, monkeypatch):
    (tmp_path / "config.py").write_text(
        'SIGN_IN_PAUSE_MINUTES = 45\nCURRENCY = "EUR"\nFEES_PER_FILL = "1.10"\n'
    )
    monkeypatch.setenv("PHARMACY_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("FLASK_CURRENCY", "GBP")
    found = built(FEES_PER_FILL="0.90")
    assert found.sign_in_pause == dt.timedelta(minutes=45)
    assert found.currency == "GBP"
    assert found.fees_per_fill == Decimal("0.90")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("LABOUR_RATE_PER_HOUR", "-1", "must be an amount of 0 or more"),
        ("FEES_PER_FILL", "a dollar", "must be an amount of 0 or more"),
        ("DEFAULT_MARKUP_PERCENT", "Infinity", "must be a number of 0 or more"),
        ("PHARMACY_TIMEZONE", "Pacific/Atlantis", "must be an IANA time zone name"),
        ("PHARMACY_TIMEZONE", "../etc/passwd", "must be an IANA time zone name"),
        ("PHARMACY_TIMEZONE", "America", "must be an IANA time zone name"),
        ("SIGN_IN_MAX_FAILURES", "0", "must be a whole number of 1 or more"),
        ("SIGN_IN_MAX_FAILURES_PER_ADDRESS", "2.5", "must be a whole number of 1 or more"),
        ("SIGN_IN_PAUSE_MINUTES", True, "must be a number of 0 or more"),
        ("SUBMISSION_RETENTION_HOURS", "NaN", "must be a number of 0 or more"),
        ("COMPOUNDING_TOLERANCE_PERCENT", "0", "must be a number above 0"),
        ("COMPOUNDING_BALANCE_READABILITY_G", "-0.001", "must be a number above 0"),
        ("ARGON2_MEMORY_COST", "lots", "must be a whole number of KiB"),
        ("DATABASE_RETRY_AFTER_SECONDS", "-5", "must be a whole number of seconds"),
        ("DATABASE_CONNECT_TIMEOUT_SECONDS", 601, "must be a number of seconds from 0 to 600"),
        ("WILL_CALL_UNCOLLECTED_DAYS", "0", "must be a whole number of 1 or more"),
        ("WILL_CALL_UNCOLLECTED_DAYS", "10.5", "must be a whole number of 1 or more"),
    ],
)
def test_a_bad_setting_stops_the_app_naming_the_setting(name, value, message):
    with pytest.raises(ConfigurationError, match=f"^{name} {message}.*, not "):
        built(**{name: value})


def test_the_settings_cannot_change_while_the_app_runs():
    with pytest.raises(dataclasses.FrozenInstanceError):
        built().currency = "EUR"  # type: ignore[misc]


def test_the_settings_module_loads_no_flask():
    loaded = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, pharmacy_app.settings as s; s.Settings.from_config({'CURRENCY': 'EUR'}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'werkzeug')))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout
