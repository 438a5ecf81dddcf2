"""Fuzz fixtures: one seeded SQLite file with orders and fills in every state, restored before
each generated example, a checksum of every table, and the Hypothesis settings the fuzzers
share.

The fuzzers run in the normal suite with a bounded number of examples and derandomized
generation, so a run is reproducible: the same examples every time, on every machine. Set
FUZZ_EXAMPLES to a larger number (and FUZZ_RANDOM=1 for fresh random examples) to probe
harder by hand.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import select

from pharmacy_app import create_app
from pharmacy_app.accounts import services as account_services
from pharmacy_app.accounts.models import ApiToken, Role, User
from pharmacy_app.accounts.services import TOKEN_PREFIX, create_user, issue_token
from pharmacy_app.checks import parse_order_document
from pharmacy_app.compounding.models import CompoundingRecord, Lot, MasterFormulation
from pharmacy_app.compounding.services import (
    matching_formulations,
    record_weights,
    sign_off,
    start_record,
)
from pharmacy_app.costs.models import CostRecord
from pharmacy_app.demo import store_demo_orders
from pharmacy_app.dispensing.refills import request_refill
from pharmacy_app.dispensing.services import dispense
from pharmacy_app.extensions import db
from pharmacy_app.labels.models import LabelStock
from pharmacy_app.labels.services import default_stock, record_print
from pharmacy_app.orders.models import Order, OrderStatus
from pharmacy_app.orders.services import create_order, current_policy
from pharmacy_app.orders.workflow import reject_order, verify_order
from pharmacy_app.timeutil import pharmacy_today
from tests.conftest import CLEAN_ORDER, PASSWORD, merged, sign_in
from tests.fills import handover, lots_scanned, release_fill

# Hypothesis keeps caches (Unicode tables, constants) even with no example database: in the
# system's temporary directory, never in the checkout.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "pharmacy-app-hypothesis")

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "0") or 0)
FUZZ_RANDOM = bool(os.environ.get("FUZZ_RANDOM"))
# A number no table reaches: the "no such record" case of every route with an id.
ABSENT_ID = 999_999
# The ids the seed gives its orders (checked when it is made), for strategies built at import.
SEEDED_ORDER_IDS = range(1, 38)
# The fuzz pharmacist's API token, known before any fixture runs: Schemathesis builds some of
# its cases (with their Authorization header) while the tests are collected.
PHARMACIST_TOKEN = "ldn_fuzz-pharmacist-token-for-the-test-suite-only"


def fuzz_settings(max_examples: int) -> settings:
    """Bounded and reproducible: derandomized (the same examples on every run), no example
    database written into the checkout, no deadline (the machine is shared)."""
    return settings(
        max_examples=FUZZ_EXAMPLES or max_examples,
        deadline=None,
        derandomize=not FUZZ_RANDOM,
        database=None,
        print_blob=True,
        # Shrinking stays (a failure is reported at its smallest); the explain phase, which
        # can take minutes, does not.
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
        report_multiple_bugs=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )


@dataclasses.dataclass(frozen=True)
class Seeded:
    """The ids of the seeded records, by what each is for."""

    orders: dict[str, int]  # by state: "checked", "warned", "verified", "in_progress", ...
    records: dict[str, int]  # compounding records by state
    components: tuple[int, ...]  # of the record awaiting a decision, then any other
    lots: tuple[int, ...]
    costs: tuple[int, ...]
    formulas: tuple[int, ...]
    stocks: tuple[int, ...]
    users: dict[str, int]  # by username
    tokens: tuple[int, ...]  # the fuzz pharmacist's own token, then another user's
    api_tokens: dict[str, str]  # each fuzz user's bearer token, by username
    refill_requests: tuple[int, ...]  # an open refill request


FUZZ_USERS = {
    "fuzztech": Role.TECHNICIAN,
    "fuzzpharm": Role.PHARMACIST,
    "fuzzcheck": Role.PHARMACIST,
    "fuzzadmin": Role.ADMIN,
}


def _document(last_name: str, **changes: Any) -> Any:
    return parse_order_document(
        merged(CLEAN_ORDER, {"patient": {"last_name": last_name}} | changes), today=pharmacy_today()
    )


def _seed(today: dt.date) -> Seeded:
    """Demo orders (every order status, fills, prints, dispensings, costs) plus one order
    stopped at each step of the workflow, each for a patient of its own."""
    store_demo_orders(24, seed=2026, policy=current_policy())
    users = {
        name: create_user(name, f"Fuzz {role.value.title()}", role, PASSWORD)
        for name, role in FUZZ_USERS.items()
    }
    db.session.flush()
    tech, pharm, checker = users["fuzztech"], users["fuzzpharm"], users["fuzzcheck"]
    policy = current_policy()

    def entered(last_name: str, status: OrderStatus = OrderStatus.CHECKED, **changes: Any) -> Order:
        order = create_order(
            _document(last_name, **changes), policy=policy, entered_by=tech, status=status
        )
        db.session.flush()
        return order

    def verified(last_name: str) -> Order:
        order = entered(last_name)
        verify_order(order, checker)
        return order

    def started(last_name: str) -> CompoundingRecord:
        order = verified(last_name)
        record = start_record(order, matching_formulations(order)[0][0], {}, tech, today)
        db.session.flush()
        return record

    def weighed(last_name: str, active_factor: Decimal = Decimal(1)) -> CompoundingRecord:
        record = started(last_name)
        # The balance reads to 1 mg: the naltrexone off by the factor, to the milligram.
        step = {"mg": Decimal(1), "g": Decimal("0.001")}
        actuals = {
            c.id: (c.required * active_factor).quantize(step[c.unit])
            if c.role == "active" and c.unit in step
            else c.required
            for c in record.components
        }
        record_weights(record, actuals, tech, scanned_lots=lots_scanned(record))
        return record

    def signed(last_name: str) -> CompoundingRecord:
        record = weighed(last_name)
        sign_off(record, checker)
        return record

    orders = {
        "checked": entered("Checked").id,
        "warned": entered("Warned", preparation={"strength": "6 mg"}).id,
        "blocked": entered("Blocked", preparation={"release": "SR"}).id,
        "draft": entered("Draft", OrderStatus.DRAFT).id,
        "verified": verified("Verified").id,
    }
    rejected = entered("Rejected")
    reject_order(rejected, "prescriber cancelled it", pharm)
    orders["rejected"] = rejected.id

    records = {
        "in_progress": started("Started"),
        "deviation": weighed("Deviation", Decimal("1.07")),
        "awaiting_signoff": weighed("Weighed"),
        "signed_off": signed("Signed"),
        "labelled": signed("Labelled"),
        "released": signed("Released"),
        "dispensed": signed("Dispensed"),
    }
    stock = default_stock()
    record_print(records["labelled"], stock, tech)
    record_print(records["released"], stock, tech)
    release_fill(records["released"], pharm)
    record_print(records["dispensed"], stock, tech)
    release_fill(records["dispensed"], pharm)
    dispense(records["dispensed"], "picked_up", "", tech, handover=handover(records["dispensed"]))
    db.session.flush()
    orders |= {f"fill_{state}": record.order_id for state, record in records.items()}
    # A refill asked for on a demo order waiting for one (the seeded dispensed order keeps
    # waiting, so a request can be made on it).
    waiting = db.session.scalars(
        select(Order)
        .where(Order.status == OrderStatus.REFILLABLE.value, Order.id != orders["fill_dispensed"])
        .order_by(Order.id)
    ).first()
    assert waiting is not None, "the demo orders no longer include one with refills on file"
    refill_request = request_refill(waiting, "patient", "phone", tech)
    orders["refill_requested"] = waiting.id

    deviation = records["deviation"].components
    components = [c.id for c in deviation if not c.within_tolerance] + [c.id for c in deviation]
    api_tokens = {name: issue_token(user, "fuzz") for name, user in users.items()}
    suffix = PHARMACIST_TOKEN.removeprefix(TOKEN_PREFIX)
    with mock.patch.object(account_services.secrets, "token_urlsafe", return_value=suffix):
        api_tokens["fuzzcheck"] = issue_token(users["fuzzcheck"], "fuzz (fixed)")
    assert api_tokens["fuzzcheck"] == PHARMACIST_TOKEN
    db.session.flush()

    def ids(model: Any) -> tuple[int, ...]:
        return tuple(db.session.scalars(select(model.id).order_by(model.id)).all())

    tokens = db.session.scalars(
        select(ApiToken.id).where(ApiToken.user_id.in_([pharm.id, tech.id])).order_by(ApiToken.id)
    ).all()
    all_orders = db.session.scalars(select(Order.id)).all()
    assert set(all_orders) == set(SEEDED_ORDER_IDS), "SEEDED_ORDER_IDS no longer fits the seed"
    return Seeded(
        orders=orders,
        records={state: record.id for state, record in records.items()},
        components=tuple(components),
        lots=ids(Lot),
        costs=ids(CostRecord),
        formulas=ids(MasterFormulation),
        stocks=ids(LabelStock),
        users={u.username: u.id for u in db.session.scalars(select(User))},
        tokens=tuple(tokens),
        api_tokens=api_tokens,
        refill_requests=(refill_request.id,),
    )


def fuzz_config(database: Path) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "PHARMACY_STATE": "OR",
        "WTF_CSRF_ENABLED": False,
        "ARGON2_MEMORY_COST": 1024,
    }


@pytest.fixture(scope="session")
def seeded_sqlite(
    migrated_sqlite: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Seeded]]:
    """The migrated database with the seed, made once per test session."""
    path = tmp_path_factory.mktemp("fuzz-seed") / "seeded.sqlite3"
    shutil.copy(migrated_sqlite, path)
    app = create_app(fuzz_config(path))
    with app.app_context():
        seeded = _seed(dt.date.today())
        db.session.commit()
        db.engine.dispose()
    yield path, seeded


class FuzzDatabase:
    """The working copy of the seeded database that the fuzz app serves."""

    def __init__(self, path: Path, template: Path):
        self.path, self.template = path, template
        self.apps: list[Flask] = []
        self.app = self.serve()

    def serve(self, **config: Any) -> Flask:
        """An app on the working copy (with config changes), closed with every restore."""
        app = create_app(fuzz_config(self.path) | config)
        self.apps.append(app)
        return app

    def restore(self) -> None:
        """Back to the seed, before each example: every example meets the same records. No
        connection may stay open over the copy (SQLite would report a disk I/O error)."""
        for app in self.apps:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.path)

    def checksums(self) -> dict[str, str]:
        """A digest of every table's rows, read beside the app's own connections."""
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        try:
            tables = [
                name
                for (name,) in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            digests = {}
            for table in tables:
                rows = sorted(repr(row) for row in connection.execute(f'SELECT * FROM "{table}"'))
                digests[table] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
            return digests
        finally:
            connection.close()


@pytest.fixture(scope="module")
def fuzz_db(
    seeded_sqlite: tuple[Path, Seeded], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FuzzDatabase]:
    template, _ = seeded_sqlite
    path = tmp_path_factory.mktemp("fuzz") / "pharmacy.sqlite3"
    shutil.copyfile(template, path)
    database = FuzzDatabase(path, template)
    yield database
    for app in database.apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def fuzz_app(fuzz_db: FuzzDatabase) -> Flask:
    return fuzz_db.app


@pytest.fixture(scope="module")
def seeded(seeded_sqlite: tuple[Path, Seeded]) -> Seeded:
    return seeded_sqlite[1]


@pytest.fixture(scope="module")
def signed_in_as(fuzz_app: Flask) -> Callable[[str], FlaskClient]:
    """signed_in_as("fuzzpharm") -> a browser signed in as that seeded user (the session
    token is in the seed, so the sign-in survives every restore)."""
    clients: dict[str, FlaskClient] = {}

    def client_for(username: str) -> FlaskClient:
        if username not in clients:
            clients[username] = sign_in(fuzz_app.test_client(), username)
        return clients[username]

    return client_for
