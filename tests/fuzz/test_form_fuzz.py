"""Every HTML form fuzzed with Hypothesis: each route in app.url_map that takes a POST outside
the API, signed in with a role allowed to use it, posted garbage in its own fields (the
WTForms classes' names, or the names the view reads) and in fields it does not have.

For each submission: never a 500, and a refusal (4xx, the form shown again with its errors,
or a redirect with an error message) changes no table. Every example starts from the seeded
database (orders and fills in every state), so the routes with ids have something to act on.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from hypothesis import given
from hypothesis import strategies as st

from pharmacy_app import create_app
from pharmacy_app.accounts.forms import (
    ChangePasswordForm,
    EditUserForm,
    NewTokenForm,
    NewUserForm,
    ResetPasswordForm,
    SettingsForm,
    SignInForm,
)
from pharmacy_app.accounts.models import User
from pharmacy_app.checks import parse_order_document
from pharmacy_app.compounding.bud import BudRule
from pharmacy_app.compounding.forms import (
    AcceptSupplyForm,
    DecisionForm,
    DiscardForm,
    FormulationForm,
    IngredientForm,
    ReceiveLotForm,
    SignOffForm,
    StartRecordForm,
    SubstitutionForm,
)
from pharmacy_app.compounding.models import CompoundingRecord, Ingredient, IngredientKind
from pharmacy_app.costs.forms import PriceScheduleForm
from pharmacy_app.dispensing.forms import (
    AutoRefillForm,
    CancelRequestForm,
    DispenseForm,
    FinalCheckForm,
    RefillRequestForm,
    ReturnUncollectedForm,
    ReverseDispensingForm,
)
from pharmacy_app.extensions import db
from pharmacy_app.labels.forms import LabelStockForm
from pharmacy_app.orders.forms import OrderForm, OverrideForm, RejectForm, VerifyForm
from pharmacy_app.timeutil import pharmacy_today
from tests.conftest import CLEAN_ORDER, PASSWORD
from tests.fills import code_of, handover_form
from tests.fuzz.conftest import ABSENT_ID, FuzzDatabase, Seeded, fuzz_settings


def form_routes(app: Flask) -> list[str]:
    """Every route outside the API that takes a POST."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/")
    )


@dataclasses.dataclass(frozen=True)
class Target:
    """How to post one route's form: as whom, with which ids, and a submission that works
    (the fuzzer replaces some of its values with garbage and adds fields it does not have)."""

    user: str | None  # None: signed out (the sign-in page)
    ids: dict[str, tuple[int, ...]]  # URL argument -> seeded ids to choose from
    valid: dict[str, str]
    # Tables a refusal may change on purpose: a wrong password is counted.
    may_change: frozenset[str] = frozenset()


def rendered(form: FlaskForm, **overrides: str) -> dict[str, str]:
    """The form's fields as a browser would post them untouched, with `overrides`."""
    values: dict[str, str] = {}
    for field in form:
        # Form tokens are left out: the fuzz app runs without CSRF, where a form may be posted
        # without its one-time token, so every example reaches the fields it fuzzes (a token
        # issued here would belong to nobody and refuse each post before its fields).
        if field.type in ("SubmitField", "CSRFTokenField", "OnceTokenField"):
            continue
        if field.type == "BooleanField":
            if field.data:
                values[field.name] = "y"
            continue
        if field.type == "SelectField":
            choices = [c[0] for c in field.iter_choices()]
            value = field.data if field.data not in (None, "") else (choices[0] if choices else "")
        else:
            value = field._value()
        values[field.name] = "" if value is None else str(value)
    return values | overrides


def order_form_values() -> dict[str, str]:
    form = OrderForm(formdata=None)
    form.fill_from(
        parse_order_document(CLEAN_ORDER, today=pharmacy_today()).model_dump(mode="json")
    )
    return rendered(form, date_received=f"{pharmacy_today():%m/%d/%Y}", save="Save")


def targets(seeded: Seeded) -> dict[str, Target]:
    """The route -> Target table; built in a request context (forms read the database)."""
    pharmacist, admin = "fuzzpharm", "fuzzadmin"
    orders = tuple(seeded.orders.values())
    records = tuple(seeded.records.values())
    me = seeded.users[pharmacist]
    other = seeded.users["fuzztech"]
    users = (other, me, seeded.users[admin])
    reason = {"reason": "checked with the prescriber"}
    deviation = seeded.records["deviation"]
    components = db.session.get(CompoundingRecord, seeded.records["in_progress"]).components
    weights = {f"actual-{c.id}": str(c.required) for c in components} | {
        f"lot-{c.id}": c.lot.lot_number for c in components
    }
    labelled = db.session.get(CompoundingRecord, seeded.records["labelled"])
    released = db.session.get(CompoundingRecord, seeded.records["released"])
    formula = FormulationForm(formdata=None)
    _choose_ingredients(formula)
    return {
        "/login": Target(
            None,
            {},
            rendered(SignInForm(formdata=None), username=pharmacist, password=PASSWORD),
            frozenset({"sign_in_failures"}),
        ),
        "/logout": Target(pharmacist, {}, {}),
        "/account": Target(
            pharmacist,
            {},
            rendered(ChangePasswordForm(prefix="pw", formdata=None, user=db.session.get(User, me)))
            | rendered(NewTokenForm(prefix="tok", formdata=None), **{"tok-label": "laptop"})
            | {"tok-submit": "Create token"},
            frozenset({"sign_in_failures"}),
        ),
        "/account/tokens/<int:token_id>/revoke": Target(
            pharmacist, {"token_id": seeded.tokens}, {}
        ),
        "/admin/users": Target(
            admin,
            {},
            rendered(
                NewUserForm(formdata=None),
                username="newcomer",
                full_name="New Comer",
                password="a long new password",
            ),
        ),
        "/admin/users/<int:user_id>": Target(
            admin,
            {"user_id": users},
            rendered(
                EditUserForm(prefix=f"u{other}", formdata=None, full_name="Fuzz Tech"),
                **{f"u{other}-active": "y", f"u{other}-role": "technician"},
            ),
        ),
        "/admin/users/<int:user_id>/password": Target(
            admin,
            {"user_id": users},
            rendered(
                ResetPasswordForm(
                    prefix=f"pw{other}", formdata=None, user=db.session.get(User, other)
                ),
                **{f"pw{other}-password": "a temporary password"},
            ),
        ),
        "/admin/users/<int:user_id>/tokens/<int:token_id>/revoke": Target(
            admin, {"user_id": users, "token_id": seeded.tokens}, {}
        ),
        "/admin/users/<int:user_id>/unlock": Target(admin, {"user_id": users}, {}),
        "/admin/settings": Target(
            admin, {}, rendered(SettingsForm(formdata=None), name="Fuzz Pharmacy")
        ),
        "/compounding/formulas/new": Target(
            pharmacist,
            {},
            rendered(
                formula,
                name="Fuzz LDN 4.5 mg capsules",
                strength_mg="4.5",
                method="Weigh, mix, fill.",
                capsule_size="1",
                aqueous="nonaqueous",
                bud_rule=BudRule.SOLID.value,
            ),
        ),
        "/compounding/formulas/<int:mfr_id>/new-version": Target(
            pharmacist,
            {"mfr_id": seeded.formulas},
            rendered(
                formula,
                name="Fuzz LDN",
                strength_mg="4.5",
                method="Weigh, mix, fill.",
                aqueous="nonaqueous",
                bud_rule=BudRule.SOLID.value,
            ),
        ),
        "/compounding/ingredients": Target(
            pharmacist,
            {},
            rendered(
                IngredientForm(formdata=None),
                name="Fuzz filler",
                kind=IngredientKind.FILLER.value,
                density_g_per_ml="0.6",
            ),
        ),
        "/compounding/lots": Target(
            pharmacist,
            {},
            rendered(
                _with_ingredients(ReceiveLotForm(formdata=None)),
                supplier="Fuzz Supply",
                lot_number="FZ-1",
                expiry_date="2030-01-01",
                quantity="100",
                unit_cost="0.5",
            ),
        ),
        "/compounding/lots/<int:lot_id>/adjust": Target(
            pharmacist,
            {"lot_id": seeded.lots},
            {"action": "count", "counted": "10", **reason},
        ),
        "/compounding/orders/<int:order_id>/start": Target(
            pharmacist,
            {"order_id": orders},
            rendered(StartRecordForm(formdata=None), mfr=str(seeded.formulas[0]))
            | {"lot-active": str(seeded.lots[0]), "lot-base": str(seeded.lots[1])},
        ),
        "/compounding/records/<int:record_id>/components/<int:component_id>/decision": Target(
            pharmacist,
            {"record_id": (deviation, *records), "component_id": seeded.components},
            rendered(DecisionForm(formdata=None), **reason),
        ),
        "/compounding/records/<int:record_id>/discard": Target(
            pharmacist, {"record_id": records}, rendered(DiscardForm(formdata=None), **reason)
        ),
        "/compounding/records/<int:record_id>/dispense": Target(
            pharmacist,
            {"record_id": (released.id, *records)},
            rendered(DispenseForm(formdata=None)) | handover_form(code_of(released)),
        ),
        "/compounding/records/<int:record_id>/final-check": Target(
            pharmacist,
            {"record_id": (labelled.id, *records)},
            rendered(
                FinalCheckForm(formdata=None),
                label_scan=code_of(labelled),
                container_scan=labelled.batch_number,
                password=PASSWORD,
            ),
            # The password is the signature: checked, it is counted as sign-in is.
            frozenset({"sign_in_failures", "known_sign_in_addresses"}),
        ),
        "/compounding/records/<int:record_id>/reverse-dispensing": Target(
            pharmacist,
            {"record_id": records},
            rendered(ReverseDispensingForm(formdata=None), **reason),
        ),
        "/dispensing/will-call/<int:record_id>/return": Target(
            pharmacist,
            {"record_id": (released.id, *records)},
            rendered(ReturnUncollectedForm(formdata=None), disposition="discarded", **reason),
        ),
        "/compounding/records/<int:record_id>/sign-off": Target(
            pharmacist, {"record_id": records}, rendered(SignOffForm(formdata=None))
        ),
        "/compounding/records/<int:record_id>/substitutions/<int:substitution_id>/approval": Target(
            pharmacist,
            {"record_id": records, "substitution_id": (1, 2)},
            rendered(
                SubstitutionForm(formdata=None),
                **reason,
                prescriber="Dr Dana Ruiz",
                consulted_on="2026-01-02",
            ),
        ),
        "/compounding/records/<int:record_id>/supply": Target(
            pharmacist, {"record_id": records}, rendered(AcceptSupplyForm(formdata=None), **reason)
        ),
        "/compounding/records/<int:record_id>/short-supply": Target(
            pharmacist, {"record_id": records}, rendered(AcceptSupplyForm(formdata=None), **reason)
        ),
        "/compounding/to-discard/<int:record_id>": Target(
            pharmacist, {"record_id": records}, rendered(DiscardForm(formdata=None), **reason)
        ),
        "/compounding/records/<int:record_id>/weights": Target(
            pharmacist,
            {"record_id": (seeded.records["in_progress"], *records)},
            weights | {"correction": ""},
        ),
        "/costs/<int:cost_id>/void": Target(pharmacist, {"cost_id": seeded.costs}, reason),
        "/orders/<int:order_id>/refill-requests": Target(
            pharmacist,
            {"order_id": orders},
            rendered(RefillRequestForm(formdata=None), note="left a voicemail"),
        ),
        "/refill-requests/<int:request_id>/cancel": Target(
            pharmacist,
            {"request_id": seeded.refill_requests},
            rendered(CancelRequestForm(formdata=None), **reason),
        ),
        "/orders/<int:order_id>/auto-refill": Target(
            pharmacist, {"order_id": orders}, rendered(AutoRefillForm(formdata=None), enabled="y")
        ),
        "/orders/<int:order_id>/renewal-request": Target(pharmacist, {"order_id": orders}, {}),
        "/costs/prices": Target(
            pharmacist,
            {},
            rendered(
                PriceScheduleForm(formdata=None),
                method="cost_plus",
                markup_percent="100",
                dispensing_fee="10",
            ),
        ),
        "/labels/batch": Target(
            pharmacist,
            {},
            {
                "order_id": str(seeded.orders["fill_signed_off"]),
                "stock": str(seeded.stocks[0]),
                "first_position": "1",
            },
        ),
        "/labels/stocks": Target(
            admin,
            {},
            rendered(
                LabelStockForm(formdata=None),
                name="Fuzz roll",
                label_width_mm="100",
                label_height_mm="50",
            ),
        ),
        "/orders/<int:order_id>/edit": Target(
            pharmacist, {"order_id": orders}, order_form_values()
        ),
        "/orders/<int:order_id>/label": Target(
            pharmacist, {"order_id": orders}, {"stock": str(seeded.stocks[0])}
        ),
        "/orders/<int:order_id>/label.zpl": Target(
            pharmacist, {"order_id": orders}, {"stock": str(seeded.stocks[0])}
        ),
        # The seeded stocks have no network printer: refused before anything is sent.
        "/orders/<int:order_id>/label/send": Target(
            pharmacist, {"order_id": orders}, {"stock": str(seeded.stocks[0])}
        ),
        "/orders/<int:order_id>/overrides": Target(
            pharmacist,
            {"order_id": orders},
            rendered(
                OverrideForm(formdata=None), code="dose.above_usual", field="sig.dose", **reason
            ),
        ),
        "/orders/<int:order_id>/reject": Target(
            pharmacist, {"order_id": orders}, rendered(RejectForm(formdata=None), **reason)
        ),
        "/orders/<int:order_id>/verify": Target(
            pharmacist, {"order_id": orders}, rendered(VerifyForm(formdata=None))
        ),
        "/orders/check": Target(pharmacist, {}, order_form_values()),
        "/orders/new": Target(pharmacist, {}, order_form_values()),
    }


def _with_ingredients(form: ReceiveLotForm) -> ReceiveLotForm:
    form.ingredient.choices = [(i.id, i.name) for i in db.session.scalars(db.select(Ingredient))]
    return form


def _choose_ingredients(form: FormulationForm) -> None:
    form.offer_ingredients()


# Routes are read from a throwaway app at import, so a new route without a Target fails.
ROUTES = form_routes(create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"}))


@pytest.fixture(scope="module")
def form_targets(fuzz_app: Flask, seeded: Seeded) -> dict[str, Target]:
    with fuzz_app.test_request_context():
        return targets(seeded)


@pytest.fixture(scope="module")
def browser(fuzz_app: Flask, signed_in_as: Callable[[str], FlaskClient]) -> Callable[..., Any]:
    """browser("fuzzpharm") -> a fresh client with that user's session cookie: no flash
    messages or cookies carried over from the previous example (a sign-out clears them)."""
    cookies = {
        name: signed_in_as(name).get_cookie("session").value  # type: ignore[union-attr]
        for name in ("fuzzpharm", "fuzzadmin")
    }

    def make(user: str | None) -> FlaskClient:
        client = fuzz_app.test_client()
        if user is not None:
            client.set_cookie("session", cookies[user])
        return client

    return make


def test_every_form_route_has_a_target(form_targets: dict[str, Target]) -> None:
    assert set(ROUTES) == set(form_targets)


# Garbage, as a hostile or careless user types it.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-0",
        "-1",
        "1e309",
        "-1e309",
        "1e-400",
        "NaN",
        "nan",
        "inf",
        "-Infinity",
        "1500%",
        "1500",
        "-5",
        "100.005",
        "0.0000001",
        "1,5",
        "4,50",
        "½",
        "٣",
        "１２",
        "²",
        "2147483648",
        "-2147483649",
        "99999999999999999999999999999",
        "9" * 400,
        "true",
        "on",
        "y",
        "2026-02-30",
        "13/45/2020",
        "02/29/2023",
        "0001-01-01",
        "9999-12-31",
        "10000-01-01",
        "A\u0001\u001b[31m\u202e",
        "\u202eevil",
        "\u200b",
        "\x7f",
        "\r\n\r\n",
        "\x00",
        "'; DROP TABLE orders;--",
        "<script>alert(1)</script>",
        "{{7*7}}",
        "%s%d%(x)s%",
        "../../etc/passwd",
        "file:///etc/passwd",
    ]
)
GARBAGE = st.one_of(
    NASTY,
    st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(500, 100_000).map(lambda n: "x" * n),
)


@st.composite
def submissions(draw: st.DrawFn, target: Target) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """URL ids (seeded or absent) and form fields: each of the form's own fields valid,
    garbage or missing; sometimes repeated; sometimes fields the form does not have."""
    ids = {
        name: draw(st.one_of(st.sampled_from(choices), st.just(ABSENT_ID)))
        for name, choices in target.ids.items()
    }
    fields: list[tuple[str, str]] = []
    for name, value in target.valid.items():
        kind = draw(st.sampled_from(["valid", "valid", "garbage", "missing", "twice"]))
        if kind == "valid":
            fields.append((name, value))
        elif kind == "garbage":
            fields.append((name, draw(GARBAGE)))
        elif kind == "twice":
            fields += [(name, draw(GARBAGE)), (name, value)]
    extra = draw(st.lists(st.tuples(st.one_of(st.text(max_size=20), NASTY), GARBAGE), max_size=3))
    return ids, fields + extra


def refused(response: Any, flashes: list[tuple[str, str]]) -> bool:
    """A 4xx, the form shown again with an error, or a redirect with an error message."""
    if 400 <= response.status_code < 500:
        return True
    if any(category == "error" for category, _ in flashes):
        return True
    if response.status_code == 200 and response.mimetype == "text/html":
        page = response.get_data(as_text=True)
        return 'class="error"' in page or "flash-error" in page
    return False


def _url(rule: str, ids: dict[str, int]) -> str:
    for name, value in ids.items():
        rule = rule.replace(f"<int:{name}>", str(value))
    return rule


@pytest.mark.parametrize("rule", ROUTES)
def test_a_form_fuzzed_never_fails_and_a_refusal_changes_nothing(
    rule: str,
    fuzz_db: FuzzDatabase,
    form_targets: dict[str, Target],
    browser: Callable[..., FlaskClient],
) -> None:
    target = form_targets[rule]

    @given(submission=submissions(target))
    @fuzz_settings(max_examples=30)
    def fuzz(submission: tuple[dict[str, int], list[tuple[str, str]]]) -> None:
        ids, fields = submission
        fuzz_db.restore()
        before = fuzz_db.checksums()
        client = browser(target.user)
        url = _url(rule, ids)
        response = client.post(url, data=_multidict(fields))
        assert response.status_code < 500, (url, fields, response.get_data(as_text=True)[:500])
        with client.session_transaction() as session:
            flashes = session.get("_flashes", [])
        if refused(response, flashes):
            changed = {
                table
                for table, digest in fuzz_db.checksums().items()
                if digest != before.get(table) and table not in target.may_change
            }
            assert not changed, (url, response.status_code, flashes, changed)

    fuzz()


def _multidict(fields: list[tuple[str, str]]) -> Any:
    from werkzeug.datastructures import MultiDict

    return MultiDict(fields)


@pytest.fixture(autouse=True)
def _fresh(fuzz_db: FuzzDatabase) -> Iterator[None]:
    yield
    fuzz_db.restore()


@pytest.fixture(scope="module")
def csrf_app(fuzz_db: FuzzDatabase) -> Flask:
    """The fuzz app's database served with CSRF protection on, as in production."""
    return fuzz_db.serve(WTF_CSRF_ENABLED=True)


@pytest.mark.parametrize("signed_in", [True, False], ids=["signed in", "signed out"])
@pytest.mark.parametrize("rule", ROUTES)
def test_a_form_without_its_token_is_refused_cleanly(
    rule: str,
    signed_in: bool,
    fuzz_db: FuzzDatabase,
    csrf_app: Flask,
    form_targets: dict[str, Target],
    signed_in_as: Callable[[str], FlaskClient],
) -> None:
    """No form token (a stale page, a forged post): never a 500, nothing changed, and signed
    out nothing about a record is shown (it would let Rx numbers be enumerated)."""
    target = form_targets[rule]
    user = target.user if signed_in else None
    cookie = signed_in_as(user).get_cookie("session") if user else None
    for ids in ({name: choices[0] for name, choices in target.ids.items()},) + (
        ({name: ABSENT_ID for name in target.ids},) if target.ids else ()
    ):
        fuzz_db.restore()
        before = fuzz_db.checksums()
        client = csrf_app.test_client()
        if cookie is not None:
            client.set_cookie("session", cookie.value)
        url = _url(rule, ids)
        response = client.post(url, data=target.valid)
        assert response.status_code < 500, (url, response.status_code)
        assert fuzz_db.checksums() == before, url
        if not signed_in:
            assert "RX-" not in response.get_data(as_text=True), url
