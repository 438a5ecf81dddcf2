"""Realistic demo data: prescribers, patients and LDN orders over the last six months.

Every demo order goes through the same checker and services as a real one."""

from __future__ import annotations

import datetime as dt
import random
import secrets
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from ..accounts.errors import AccountError
from ..accounts.models import Role, User
from ..accounts.passwords import check_password_rules
from ..accounts.services import create_user
from ..barcodes import fill_code
from ..checks import CheckPolicy, Verdict, parse_order_document
from ..compounding.arithmetic import weigh
from ..compounding.models import CompoundingRecord, MasterFormulation
from ..compounding.services import matching_formulations, record_weights, sign_off, start_record
from ..compounding.substitutions import approve_substitution, pending
from ..compounding.worksheets import (
    lots_first_expiry_first,
    needs,
    readability_mg,
)
from ..dispensing.final_check import Signature, release
from ..dispensing.pickup import Handover
from ..dispensing.services import dispense
from ..extensions import db
from ..labels.services import default_stock, record_print
from ..orders.models import Order, OrderStatus
from ..orders.services import create_order
from ..orders.workflow import outstanding_warnings, override_warning, reject_order, verify_order
from ..timeutil import pharmacy_today, pharmacy_zone, utcnow
from ..workflow import WorkflowError
from .compounding import store_demo_compounding

AREA_CODES = {
    "OR": 503,
    "WA": 206,
    "CA": 415,
    "NY": 212,
    "CO": 303,
    "TX": 512,
    "AZ": 602,
    "FL": 305,
}
PRESCRIBERS = [
    ("Dana Ruiz", "MD", "OR", "MD154210"),
    ("Michael Okafor", "DO", "WA", "OP60028341"),
    ("Priya Raman", "MD", "CA", "A148823"),
    ("Hannah Lindqvist", "NP", "OR", "NP201877"),
    ("Tomás Herrera", "PA-C", "WA", "PA60412277"),
    ("Evelyn Brooks", "ND", "OR", "ND1734"),
    ("Samuel Adeyemi", "MD", "NY", "298431"),
    ("Grace Kim", "APRN", "CO", "APN.0992113"),
    ("Robert Feldman", "M.D.", "TX", "R4471"),
    ("Aiko Tanaka", "ND", "WA", "ND60239154"),
    ("Lucia Moretti", "FNP-C", "AZ", "RN227341"),
    ("Benjamin Clarke", "DO", "FL", "OS13377"),
]
FAMILY_NAME_FIRST = frozenset({"Nguyễn Thị", "王"})
PATIENT_NAMES = [
    ("José", "Núñez"),
    ("Zoë", "O'Brien"),
    ("Mai", "Nguyễn Thị"),
    ("芳", "王"),
    ("Margaret", "Thompson"),
    ("Liam", "Murphy"),
    ("Olga", "Kowalczyk"),
    ("Aroha", "Ngata"),
    ("Priya", "Patel"),
    ("Dmitri", "Volkov"),
    ("Siobhan", "Byrne"),
    ("Kwame", "Mensah"),
    ("Ingrid", "Johansson"),
    ("Mateo", "García"),
    ("Leilani", "Kahananui"),
    ("Noor", "Haddad"),
    ("Charlotte", "Evans"),
    ("Raj", "Shah"),
    ("Amélie", "Lefèvre"),
    ("Tariq", "Aziz"),
    ("Beatriz", "Oliveira"),
    ("Connor", "Walsh"),
    ("Yuki", "Sato"),
    ("Hana", "Kim"),
    ("Ewa", "Nowak"),
    ("Chidi", "Okonkwo"),
    ("Freya", "Larsen"),
    ("Omar", "Farouk"),
    ("Lucía", "Fernández"),
    ("Ingvild", "Ødegaard"),
    ("Thandiwe", "Dlamini"),
    ("Ana", "Silva"),
    ("Sean", "Kelly"),
    ("Giulia", "Rossi"),
    ("Ivan", "Petrov"),
    ("Mary-Kate", "St. John"),
]
CONDITIONS = [
    "Hashimoto's thyroiditis",
    "multiple sclerosis",
    "fibromyalgia",
    "Crohn's disease",
    "long COVID",
    "ulcerative colitis",
    "chronic fatigue syndrome",
    "psoriasis",
    "complex regional pain syndrome",
    "rheumatoid arthritis",
    "depression",
]
EVERYDAY_MEDS = [
    "levothyroxine 75 mcg",
    "Synthroid 50 mcg",
    "Armour Thyroid 60 mg",
    "vitamin D3 2000 IU",
    "metformin 500 mg",
    "sertraline 50 mg",
    "gabapentin 300 mg",
    "ibuprofen 400 mg PRN",
    "mesalamine 1.2 g",
    "magnesium glycinate",
    "omeprazole 20 mg",
    "cod liver oil",
    "loratadine 10 mg",
    "hydroxychloroquine 200 mg",
    "oxybutynin 5 mg",
    "B12 1000 mcg",
]
# (medication or condition to add, what it is for): the orders a pharmacist must catch.
PROBLEMS = [
    ("medications", "tramadol 50 mg q6h PRN"),
    ("medications", "Norco 5/325"),
    ("medications", "Suboxone 8/2 mg film"),
    ("conditions", "pregnant"),
    ("conditions", "breastfeeding"),
    ("conditions", "cirrhosis"),
    ("medications", "loperamide 2 mg PRN"),
    ("conditions", "CKD stage 3"),
]
CAPSULE_STRENGTHS = [
    ("4.5 mg", "1 capsule", 30),
    ("3 mg", "3 mg", 30),
    ("1.5 mg", "1 capsule", 30),
    ("4.5 mg", "4.5 mg", 90),
    ("0.5 mg", "1 capsule", 30),
    ("1 mg", "1 capsule", 30),
    ("2.5 mg", "1 cap", 30),
    ("4 mg", "4 mg", 30),
]


def demo_documents(
    count: int, seed: int = 2026, today: dt.date | None = None
) -> list[tuple[dict[str, Any], dt.date]]:
    """`count` order documents with the date each was received, over the last 182 days."""
    rng = random.Random(seed)
    today = today or dt.date.today()
    patients = [_patient(rng, i) for i in range(len(PATIENT_NAMES))]
    documents = []
    for n in range(count):
        patient = rng.choice(patients)
        which = rng.randrange(len(PRESCRIBERS))
        name, credential, state, license_number = PRESCRIBERS[which]
        received = today - dt.timedelta(days=rng.randint(0, 182))
        written = received - dt.timedelta(days=rng.choice([0, 0, 1, 2, 5, 14]))
        document = {
            "patient": {
                **patient,
                "medications": list(patient["medications"]),
                "conditions": list(patient["conditions"]),
            },
            "prescriber": {
                "name": name,
                "credential": credential,
                "state": state,
                "license_number": license_number,
                # 555-0100 to 555-0199: the numbers set aside for fiction.
                "phone": f"({AREA_CODES[state]}) 555-01{which:02d}",
                "fax": f"({AREA_CODES[state]}) 555-01{which + 50:02d}",
            },
            **_preparation_and_sig(rng),
            "refills": 0,
            "date_written": written.isoformat(),
            "date_received": received.isoformat(),
        }
        most_refills = 365 // document["days_supply"] - 1
        document["refills"] = rng.choice([0, 1, 2, 3, 5, 11, 11])
        if n % 12 != 11:
            document["refills"] = min(document["refills"], most_refills)
        _add_problem(rng, document, n)
        documents.append((document, received))
    return documents


DEMO_USERS = [
    ("admin", "Alex Admin", Role.ADMIN),
    ("tina", "Tina Alvarez", Role.TECHNICIAN),
    ("marco", "Marco Bianchi", Role.TECHNICIAN),
    ("priya", "Priya Desai", Role.PHARMACIST),
    ("sam", "Sam Okoro", Role.PHARMACIST),
]
WARNING_REASONS = [
    "Confirmed with prescriber by phone",
    "Patient titrating; prescriber aware",
    "Reviewed history: acceptable for this patient",
    "Discussed with patient",
]


def demo_password(username: str, full_name: str) -> str:
    """A random password the password policy takes for this user (one in a great many random
    strings might contain a short username, so draw again then)."""
    for _ in range(100):
        password = secrets.token_urlsafe(12)
        try:
            check_password_rules(password, username=username, full_name=full_name)
        except AccountError:
            continue
        return password
    raise RuntimeError(f"no random password passed the password policy for {username}")


def store_demo_orders(count: int, *, seed: int, policy: CheckPolicy) -> dict[str, str]:
    """Store demo users and orders in one transaction, taking the older orders through
    verification or rejection as a pharmacist would. Returns the new users' passwords."""
    rng = random.Random(seed)
    now = utcnow()
    passwords: dict[str, str] = {}
    try:
        users = {}
        for username, full_name, role in DEMO_USERS:
            existing = db.session.scalars(select(User).where(User.username == username)).first()
            if existing is None:
                passwords[username] = demo_password(username, full_name)
                existing = create_user(username, full_name, role, passwords[username])
            users[username] = existing
        store_demo_compounding(pharmacy_today())
        technicians = [users["tina"], users["marco"]]

        pharmacists = [users["priya"], users["sam"]]
        today = pharmacy_today()
        for n, (raw, received) in enumerate(demo_documents(count, seed=seed, today=today)):
            created = min(
                dt.datetime.combine(received, dt.time(9 + n % 8, (n * 7) % 60), tzinfo=dt.UTC),
                now,
            )
            status = OrderStatus.DRAFT if n % 9 == 4 else OrderStatus.CHECKED
            order = create_order(
                parse_order_document(raw, today=today),
                policy=policy,
                status=status,
                entered_by=rng.choice(technicians),
                created_at=created,
            )
            if status is OrderStatus.CHECKED and now - created > dt.timedelta(days=2):
                pharmacist = rng.choice(pharmacists)
                _decide(order, pharmacist, rng, created + dt.timedelta(hours=2))
                if order.status == OrderStatus.VERIFIED and rng.random() < 0.7:
                    _compound(
                        order,
                        rng.choice(technicians),
                        next(p for p in pharmacists if p is not pharmacist),
                        rng,
                        created + dt.timedelta(days=1),
                    )

        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return passwords


def _decide(order: Order, pharmacist: User, rng: random.Random, at: dt.datetime) -> None:
    """What a pharmacist did with an older order: verify, override then verify, or reject."""
    events_before = len(order.events)
    if order.verdict is Verdict.BLOCK:
        if rng.random() < 0.85:
            finding = order.latest_check.findings[0] if order.latest_check else {}
            reject_order(
                order, f"Prescriber contacted: {finding.get('code', 'blocked')}", pharmacist
            )
    elif order.verdict is Verdict.WARN:
        if rng.random() < 0.8:
            for warning in outstanding_warnings(order):
                override_warning(
                    order,
                    warning["code"],
                    warning["field"],
                    rng.choice(WARNING_REASONS),
                    pharmacist,
                )
            verify_order(order, pharmacist)
    elif rng.random() < 0.95:
        verify_order(order, pharmacist)
    for event in order.events[events_before:]:
        event.at = at
    for override in order.overrides:
        override.at = at
    if order.verified_at is not None:
        order.verified_at = at


def _patient(rng: random.Random, index: int) -> dict[str, Any]:
    born = dt.date(rng.randint(1942, 2001), rng.randint(1, 12), rng.randint(1, 28))
    return {
        "first_name": PATIENT_NAMES[index][0],
        "last_name": PATIENT_NAMES[index][1],
        # Written family name first: 王芳, Nguyễn Thị Mai.
        "family_name_first": PATIENT_NAMES[index][1] in FAMILY_NAME_FIRST,
        "date_of_birth": born.isoformat(),
        "medications": rng.sample(EVERYDAY_MEDS, rng.randint(0, 4)),
        "allergies": rng.choice(
            [
                [],
                [],
                ["penicillin"],
                ["sulfa"],
                ["NKDA"],
                ["codeine (nausea)"],
                ["lactose intolerance"],
            ]
        ),
        "conditions": rng.sample(CONDITIONS, rng.randint(1, 2)),
    }


def _preparation_and_sig(rng: random.Random) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.7:
        strength, dose, quantity = rng.choice(CAPSULE_STRENGTHS)
        filler = rng.choice(
            [
                "microcrystalline cellulose",
                "Avicel PH-102",
                "lactose monohydrate",
                "sucrose",
                "acidophilus",
            ]
        )
        return {
            "preparation": {
                "dosage_form": "capsule",
                "release": rng.choice(["IR", "immediate release", "I.R."]),
                "strength": strength,
                "excipients": [filler],
            },
            "sig": {
                "dose": dose,
                "times_per_day": 1,
                "time_of_day": "bedtime",
                "text": "Take 1 capsule by mouth at bedtime",
            },
            "quantity": quantity,
            "days_supply": quantity,
        }
    if kind < 0.85:
        ml = rng.choice(["1.5 mL", "3 mL", "4.5 mL"])
        return {
            "preparation": {
                "dosage_form": "oral_liquid",
                "release": "immediate release",
                "strength": "1 mg/mL",
                "excipients": ["purified water", "glycerin", "sodium benzoate"],
            },
            "sig": {
                "dose": ml,
                "times_per_day": 1,
                "time_of_day": "bedtime",
                "text": f"Take {ml} by mouth at bedtime using the oral syringe",
            },
            "quantity": float(ml.split()[0]) * 30,
            "days_supply": 30,
        }
    if kind < 0.93:
        return {
            "preparation": {
                "dosage_form": "sublingual_drops",
                "release": "IR",
                "strength": "1 mg/mL",
                "excipients": ["purified water", "glycerin"],
            },
            "sig": {
                "dose": "1 mL",
                "times_per_day": 1,
                "time_of_day": "morning",
                "text": "Hold 1 mL under the tongue for 1 minute each morning",
            },
            "quantity": 30,
            "days_supply": 30,
        }
    by_weight = kind >= 0.965  # creams are often prescribed per gram
    return {
        "preparation": {
            "dosage_form": "topical_cream",
            "release": "",
            "strength": "0.5 mg/g" if by_weight else "0.5 mg/mL",
            "excipients": ["Lipoderm base" if by_weight else "Versabase cream"],
        },
        "sig": {
            "dose": "1 mL",
            "times_per_day": 1,
            "time_of_day": "bedtime",
            "text": "Apply 1 mL to the inner wrist at bedtime",
        },
        "quantity": 30,
        "days_supply": 30,
    }


def _add_problem(rng: random.Random, document: dict[str, Any], n: int) -> None:
    """About one order in four carries something the checker must catch."""
    roll = n % 12
    preparation, sig = document["preparation"], document["sig"]
    if roll == 1:
        preparation["release"] = rng.choice(["SR", "sustained release", "ER", "slow release"])
    elif roll == 3 and preparation["dosage_form"] == "capsule":
        preparation["excipients"] = [
            rng.choice(["calcium carbonate", "CaCO3", "Calcium Carbonate USP"])
        ]
    elif roll == 5 and preparation["dosage_form"] == "capsule":
        preparation["strength"], sig["dose"] = "50 mg", "1 capsule"
    elif roll == 7:
        where, what = rng.choice(PROBLEMS)
        document["patient"][where].append(what)
    elif roll == 9 and preparation["dosage_form"] == "capsule":
        preparation["strength"], sig["dose"] = "3 mg", "3 mg"
        sig["times_per_day"], sig["text"] = 2, "Take 1 capsule by mouth twice daily"
        document["quantity"] = document["days_supply"] * 2


def _lasting_lots(order: Order, mfr: MasterFormulation, day: dt.date) -> dict[str, int]:
    """The lots a pharmacist would pick: first-expiry-first among those that outlast the
    supply (a lot expiring next week would cut a 30-day fill's BUD short)."""
    _, wanted = needs(mfr, order.quantity)
    lasting = day + dt.timedelta(days=order.days_supply)
    chosen = {}
    for need in wanted:
        lot = next(
            (x for x in lots_first_expiry_first(need, day) if x.expiry_date >= lasting), None
        )
        if need.from_stock and lot is not None:
            chosen[need.role] = lot.id
    return chosen


def _reading(amount: Decimal, unit: str) -> Decimal:
    """What the balance (to its readability) or a graduated cylinder (0.1 mL) shows."""
    if unit == "mg":
        return weigh(amount, readability_mg())
    if unit == "g":
        return weigh(amount * 1000, readability_mg()) / 1000
    return amount.quantize(Decimal("0.1"))


DEMO_SUBSTITUTION = "The formula's vehicle, not the one prescribed: agreed with the prescriber"


def _release_and_dispense(
    record: CompoundingRecord,
    technician: User,
    pharmacist: User,
    rng: random.Random,
    at: dt.datetime,
) -> None:
    """The fill's final check and its hand-over, as the pharmacy recorded them. The demo's
    history is made up, not signed: its pharmacist's signature is taken as given."""
    code = fill_code(record.order.rx_number, record.fill_number)
    release(
        record,
        Signature(pharmacist, at + dt.timedelta(minutes=55)),
        label_scan=code,
        container_scan=record.batch_number,
    )
    method = rng.choice(["picked_up", "picked_up", "shipped"])
    handover = (
        Handover(
            bag_scan=code,
            collected_by=record.order.patient.full_name,
            relation="self",
            id_checked=True,
            counselling=rng.choice(["accepted", "declined"]),
        )
        if method == "picked_up"
        else Handover(
            bag_scan=code,
            carrier="USPS",
            tracking_number=f"9400 1000 0000 {rng.randrange(10**8):08d}",
            counselling="declined",
        )
    )
    dispense(
        record,
        method,
        "",
        technician,
        at=min(at + dt.timedelta(days=1), utcnow()),
        handover=handover,
    )


def _compound(
    order: Order, technician: User, pharmacist: User, rng: random.Random, at: dt.datetime
) -> None:
    """A fill as the pharmacy made it: worksheet, weights near the figures, sign-off."""
    matches, _ = matching_formulations(order)
    if not matches:
        return
    try:
        day = at.astimezone(pharmacy_zone()).date()
        record = start_record(
            order, matches[0], _lasting_lots(order, matches[0], day), technician, today=day
        )
        for substitution in pending(record):  # the prescribed vehicle, agreed by phone
            approve_substitution(
                record, substitution, DEMO_SUBSTITUTION, order.prescriber.name, day, pharmacist,
                today=day,
            )  # fmt: skip
        actuals = {
            c.id: _reading(c.required * Decimal(str(rng.uniform(0.985, 1.015))), c.unit)
            if c.weighed
            else c.required
            for c in record.components
        }
        db.session.flush()
        record_weights(
            record,
            {c.id: actuals[c.id] for c in record.components},
            technician,
            scanned_lots={c.id: c.lot.lot_number for c in record.components},
        )
        sign_off(record, pharmacist, today=day)
        if rng.random() < 0.85:
            record_print(record, default_stock(), technician, today=day)
            if rng.random() < 0.8:
                _release_and_dispense(record, technician, pharmacist, rng, at)
            elif record.id % 2 == 0:
                # Checked and bagged, waiting at will-call (some of them long uncollected).
                release(
                    record,
                    Signature(pharmacist, at + dt.timedelta(minutes=55)),
                    label_scan=fill_code(order.rx_number, record.fill_number),
                    container_scan=record.batch_number,
                )

    except WorkflowError:
        return

    record.created_at = at
    record.prepared_at = at + dt.timedelta(minutes=25)
    record.signed_off_at = at + dt.timedelta(minutes=50)
    for event in order.events[-5:]:
        if event.kind in ("compounding", "compounded", "label printed", "released", "dispensed"):
            event.at = at + dt.timedelta(minutes=50)
