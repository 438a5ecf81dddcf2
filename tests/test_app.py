"""The factory, settings and read-only pages."""

from __future__ import annotations

import os
import stat

import pytest

from pharmacy_app import create_app
from pharmacy_app.config import database_url


def test_a_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    first.instance_path = str(instance)
    from pharmacy_app.config import _instance_secret

    instance.mkdir()
    key = _instance_secret(instance / "secret_key")
    assert len(key) == 64
    assert _instance_secret(instance / "secret_key") == key
    assert stat.S_IMODE(os.stat(instance / "secret_key").st_mode) == 0o600


def test_the_app_secret_comes_from_the_instance_folder_when_unset(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SECRET_KEY"]
    assert (
        app.config["SECRET_KEY"]
        == create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    )


def test_database_url_and_pharmacy_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/pharmacy")
    monkeypatch.setenv("PHARMACY_NAME", "Cedar Pharmacy")
    monkeypatch.setenv("CHECK_NOT_LOW_DOSE_FROM_MG", "8")
    app = create_app({"SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db/pharmacy"
    assert app.config["PHARMACY_NAME"] == "Cedar Pharmacy"
    assert str(app.extensions["check_policy"].not_low_dose_from_mg) == "8"


def test_a_bad_threshold_setting_stops_the_app_with_a_clear_message(monkeypatch):
    monkeypatch.setenv("CHECK_USUAL_MAX_MG", "four")
    with pytest.raises(ValueError, match="CHECK_USUAL_MAX_MG"):
        create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://a@b/c", "postgresql+psycopg://a@b/c"),
        ("postgresql://a@b/c", "postgresql+psycopg://a@b/c"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_database_urls_use_psycopg_3(given, used):
    assert database_url(given) == used


def test_home_page_counts_and_lists_orders(api, signed_in, make_document):
    api.post("/api/v1/orders", json=make_document(preparation={"release": "SR"}))
    page = signed_in("technician").get("/").get_data(as_text=True)
    assert "RX-100001" in page
    assert "Blocked" in page


def test_order_page_shows_findings_and_escapes_names(api, signed_in, make_document):
    order = api.post(
        "/api/v1/orders",
        json=make_document(
            patient={"first_name": "<script>alert(1)</script>"},
            preparation={"excipients": ["CaCO3"]},
        ),
    ).get_json()
    response = signed_in("technician").get(f"/orders/{order['id']}")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "excipient.calcium_carbonate" in page


def test_missing_order_page_is_a_friendly_404(signed_in):
    response = signed_in("technician").get("/orders/4242")
    assert response.status_code == 404
    assert "No order with id 4242" in response.get_data(as_text=True)
