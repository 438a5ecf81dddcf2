"""The API fuzzed from its own OpenAPI description (Schemathesis), and the storing path with
valid generated order documents (Hypothesis).

Every generated call meets the seeded database as it was (orders in every state), with a
pharmacist's token. Whatever is sent: never a 5xx, every answer's status, content type and
body as documented, a body the description refuses is refused, and a refused call stores
nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from schemathesis.config import SchemathesisConfig

from pharmacy_app.api.openapi import openapi_document
from pharmacy_app.checks import parse_order_document
from pharmacy_app.timeutil import pharmacy_today
from tests.fuzz.conftest import (
    ABSENT_ID,
    PHARMACIST_TOKEN,
    SEEDED_ORDER_IDS,
    FuzzDatabase,
    fuzz_settings,
)

# The description cannot state everything the document parser refuses: an amount is text
# such as "4.5 mg" read with Pint, and a date of birth must be in the past. A valid-looking
# body refused with 422 is therefore right, and `positive_data_acceptance` would report it;
# the storing path is fuzzed below with documents that are valid in full.
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 2026,
        "generation": {"max-examples": 25, "database": "none"},
        "phases": {"stateful": {"enabled": False}},
        "checks": {"positive_data_acceptance": {"enabled": False}},
        # A pharmacist's token on every call but those Schemathesis makes without it.
        "auth": {"openapi": {"bearer": {"bearer": PHARMACIST_TOKEN}}},
    }
)


# Built from the same function that serves /api/v1/openapi.json (a test below checks that
# the served description is this one): Schemathesis makes one test per operation from it.
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


class _FuzzTarget:
    """The WSGI app Schemathesis calls (also for the checks that send a request again): the
    schema is built at import, before any fixture, so the fuzz app is bound to it when the
    tests start."""

    app: Flask | None = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        assert self.app is not None, "the fuzz app is not bound"
        return self.app(environ, start_response)


TARGET = _FuzzTarget()
schema.app = TARGET


@pytest.fixture(scope="module", autouse=True)
def _bind_target(fuzz_app: Flask) -> Iterator[None]:
    TARGET.app = fuzz_app
    yield
    TARGET.app = None


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any] | None) -> Any:
    """An order id drawn as a valid one is mostly a seeded order's (every state), sometimes
    one that does not exist; an id drawn invalid (a negative case) is left as it is."""
    drawn = (path_parameters or {}).get("order_id")
    if not isinstance(drawn, int) or isinstance(drawn, bool):
        return st.just(path_parameters)
    return st.one_of(st.sampled_from(SEEDED_ORDER_IDS), st.just(ABSENT_ID), st.just(drawn)).map(
        lambda order_id: {**(path_parameters or {}), "order_id": order_id}
    )


def test_the_served_description_is_the_one_fuzzed(fuzz_app: Flask) -> None:
    assert fuzz_app.test_client().get("/api/v1/openapi.json").get_json() == openapi_document()


@schema.parametrize()
@fuzz_settings(max_examples=25)
def test_the_api_answers_as_documented(case: Any, fuzz_db: FuzzDatabase) -> None:
    fuzz_db.restore()
    before = fuzz_db.checksums()
    response = case.call_and_validate()
    if 400 <= response.status_code < 500:
        assert fuzz_db.checksums() == before, f"{response.status_code} but a table changed"


# The storing path: order documents valid in every part, as Hypothesis draws them.

# Names as people have them: any script's letters (and their marks), with the spaces,
# hyphens and apostrophes between them; never a control or formatting character.
_LETTER = st.characters(categories=["L"])
_NAME_PART = st.text(st.characters(categories=["L", "M"]), min_size=0, max_size=12)
NAMES = st.builds(
    lambda first, rest: (first + rest).strip(),
    _LETTER,
    st.lists(
        st.tuples(st.sampled_from([" ", "-", "'", "’", ""]), _NAME_PART).map("".join),
        max_size=4,
    ).map("".join),
).filter(lambda name: 0 < len(name) <= 200)
# Free text (medications, directions): printable characters of any script.
TEXT = st.text(st.characters(categories=["L", "M", "N", "P", "S", "Zs"]), max_size=60).map(
    str.strip
)


def _decimal(low: str, high: str, places: int) -> st.SearchStrategy[str]:
    return st.decimals(low, high, places=places, allow_nan=False, allow_infinity=False).map(
        lambda d: format(d.normalize(), "f")
    )


def _preparation_and_sig() -> st.SearchStrategy[dict[str, Any]]:
    capsule = st.fixed_dictionaries(
        {
            "preparation": st.fixed_dictionaries(
                {
                    "dosage_form": st.just("capsule"),
                    "strength": st.one_of(
                        _decimal("0.1", "50", 2).map(lambda v: f"{v} mg"),
                        st.integers(100, 9000).map(lambda v: f"{v} mcg"),
                    ),
                }
            ),
            "sig": st.fixed_dictionaries(
                {"dose": st.sampled_from(["1 capsule", "2 capsules", "1 cap"])}
            ),
            "quantity": st.integers(1, 10_000),
        }
    )
    liquid = st.fixed_dictionaries(
        {
            "preparation": st.fixed_dictionaries(
                {
                    "dosage_form": st.sampled_from(
                        ["oral_liquid", "sublingual_drops", "topical_cream"]
                    ),
                    "strength": _decimal("0.1", "10", 2).map(lambda v: f"{v} mg/mL"),
                }
            ),
            "sig": st.fixed_dictionaries(
                {"dose": _decimal("0.1", "20", 1).map(lambda v: f"{v} mL")}
            ),
            "quantity": _decimal("1", "10000", 3).map(float),
        }
    )
    return st.one_of(capsule, liquid)


def _past_date(years: int) -> st.SearchStrategy[str]:
    today = dt.date.today()
    return st.dates(today - dt.timedelta(days=365 * years), today - dt.timedelta(days=1)).map(
        dt.date.isoformat
    )


@st.composite
def order_documents(draw: st.DrawFn) -> dict[str, Any]:
    """A well-formed order document: it is stored whatever the checker finds in it."""
    parts = draw(_preparation_and_sig())
    preparation = parts["preparation"] | {
        "release": draw(st.sampled_from(["IR", "", "immediate release", "SR"])),
        "excipients": draw(
            st.lists(
                st.sampled_from(
                    ["microcrystalline cellulose", "Avicel", "lactose", "calcium carbonate"]
                ),
                max_size=3,
            )
        ),
    }
    document: dict[str, Any] = {
        "patient": {
            "first_name": draw(NAMES),
            "last_name": draw(NAMES),
            "date_of_birth": draw(_past_date(120)),
            "medications": draw(st.lists(TEXT, max_size=3)),
            "allergies": draw(st.lists(TEXT, max_size=2)),
            "conditions": draw(st.lists(TEXT, max_size=2)),
        },
        "prescriber": {
            "name": draw(NAMES),
            "credential": draw(st.sampled_from(["MD", "DO", "NP", "PA", "ND", ""])),
            "license_number": draw(st.from_regex(r"\A[A-Z]{0,2}[0-9]{0,8}\Z")),
            "state": draw(st.sampled_from(["OR", "WA", "CA", "Oregon", ""])),
            "npi": draw(st.sampled_from(["", "1234567893", "1111111111"])),
        },
        "preparation": preparation,
        "sig": parts["sig"]
        | {
            "times_per_day": draw(st.integers(1, 24)),
            "time_of_day": draw(st.sampled_from(["bedtime", "morning", ""])),
            "text": draw(TEXT),
        },
        "quantity": parts["quantity"],
        "days_supply": draw(st.integers(1, 366)),
        "refills": draw(st.integers(0, 99)),
    }
    if draw(st.booleans()):
        document["date_written"] = draw(_past_date(1))
    return document


def _api(app: Flask) -> Any:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {PHARMACIST_TOKEN}"
    return client


@given(document=order_documents())
@fuzz_settings(max_examples=60)
def test_a_valid_document_is_stored_and_reads_back(
    fuzz_db: FuzzDatabase, document: dict[str, Any]
) -> None:
    fuzz_db.restore()
    api = _api(fuzz_db.app)
    created = api.post("/api/v1/orders", json=document)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    read = api.get(created.headers["Location"])
    assert read.status_code == 200
    assert read.get_json() == body
    with fuzz_db.app.app_context():
        expected = parse_order_document(document, today=pharmacy_today())
    assert body["document"] == expected.model_dump(mode="json")


# What makes a valid document malformed: each is refused with 422 and nothing is stored.
BREAKAGES: list[tuple[str, Any]] = [
    ("a missing part", lambda d: d.pop("sig")),
    ("a missing name", lambda d: d["patient"].pop("last_name")),
    ("a blank name", lambda d: d["patient"].update(first_name="   ")),
    ("an unknown field", lambda d: d["preparation"].update(colour="blue")),
    ("a strength without a unit", lambda d: d["preparation"].update(strength="4.5")),
    ("a decimal comma", lambda d: d["preparation"].update(strength="4,5 mg")),
    ("a dose that is no amount", lambda d: d["sig"].update(dose="one at night")),
    ("a quantity of text", lambda d: d.update(quantity="thirty")),
    ("a quantity of zero", lambda d: d.update(quantity=0)),
    ("a huge quantity", lambda d: d.update(quantity=1e309)),
    ("a boolean quantity", lambda d: d.update(quantity=True)),
    ("no days", lambda d: d.update(days_supply=0)),
    ("a year and more", lambda d: d.update(days_supply=367)),
    ("days as text", lambda d: d.update(days_supply="30")),
    ("refills beyond 99", lambda d: d.update(refills=100)),
    ("24 times a day and more", lambda d: d["sig"].update(times_per_day=25)),
    ("a birth date to come", lambda d: d["patient"].update(date_of_birth="2999-01-01")),
    ("a birth date unreadable", lambda d: d["patient"].update(date_of_birth="03/14/1968")),
    ("a name too long", lambda d: d["patient"].update(first_name="A" * 201)),
    ("too many medications", lambda d: d["patient"].update(medications=["x"] * 51)),
    ("an unknown dosage form", lambda d: d["preparation"].update(dosage_form="patch")),
    ("a list for text", lambda d: d["prescriber"].update(name=["Dana"])),
]


@given(
    document=order_documents(),
    breakage=st.sampled_from(BREAKAGES),
    second=st.sampled_from(BREAKAGES),
)
@fuzz_settings(max_examples=60)
def test_a_malformed_document_is_refused_and_nothing_is_stored(
    fuzz_db: FuzzDatabase,
    document: dict[str, Any],
    breakage: tuple[str, Any],
    second: tuple[str, Any],
) -> None:
    fuzz_db.restore()
    before = fuzz_db.checksums()
    for _, breaks in {breakage[0]: breakage, second[0]: second}.values():
        with contextlib.suppress(KeyError):  # the part was already taken away by the other
            breaks(document)
    refused = _api(fuzz_db.app).post("/api/v1/orders", json=document)
    assert refused.status_code == 422, (breakage[0], second[0], refused.get_json())
    assert refused.get_json()["errors"]
    assert fuzz_db.checksums() == before


# Characters that make a name show other than it is stored: C0 and C1 controls (an ANSI
# escape recolours a terminal), bidirectional overrides and isolates, zero-width characters.
HIDDEN = st.one_of(
    st.characters(categories=["Cc"]).filter(lambda c: c != "\x00"),  # NUL: 400 at the door
    st.sampled_from(["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069", "\u200b"]),
)


@given(
    document=order_documents(),
    where=st.sampled_from(
        [("patient", "first_name"), ("patient", "last_name"), ("prescriber", "name")]
    ),
    hidden=HIDDEN,
    at=st.integers(0, 3),
)
@fuzz_settings(max_examples=30)
def test_a_name_with_a_control_or_bidi_character_is_refused(
    fuzz_db: FuzzDatabase, document: dict[str, Any], where: tuple[str, str], hidden: str, at: int
) -> None:
    fuzz_db.restore()
    before = fuzz_db.checksums()
    part, field = where
    name = document[part][field]
    document[part][field] = name[:at] + hidden + name[at:]
    refused = _api(fuzz_db.app).post("/api/v1/orders", json=document)
    assert refused.status_code == 422, (where, repr(hidden), refused.get_json())
    assert fuzz_db.checksums() == before
