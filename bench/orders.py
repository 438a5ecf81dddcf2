"""Realistic, varied order documents for the benchmarks (deterministic from a seed)."""

from __future__ import annotations

import random

FIRST = ["Ann", "José", "Zoë", "Mai", "Fang", "Liam", "Olga", "Aroha", "Priya", "Dmitri"]
LAST = ["Lee", "Núñez", "O'Brien", "Nguyễn", "Wang", "Smith", "Kowalski", "Ngata", "Patel"]
MEDS = [
    "levothyroxine 50 mcg",
    "Synthroid 75 mcg",
    "metformin 500 mg BID",
    "vitamin D3 2000 IU",
    "sertraline 50 mg",
    "gabapentin 300 mg",
    "ibuprofen 400 mg PRN",
    "hydroxychloroquine",
    "cod liver oil",
    "oxybutynin 5 mg",
    "Armour Thyroid 60 mg",
    "magnesium glycinate",
    "tramadol 50 mg",
    "Norco 5/325",
    "loperamide 2 mg",
    "low dose naltrexone 1.5 mg",
]
CONDITIONS = [
    "Hashimoto's thyroiditis",
    "multiple sclerosis",
    "fibromyalgia",
    "Crohn's disease",
    "long COVID",
    "not pregnant",
    "pregnant",
    "CKD stage 3",
    "cirrhosis",
]
RELEASES = ["IR", "immediate release", "Immediate-Release", "", "I.R.", "SR", "slow release"]
FILLERS = [
    "microcrystalline cellulose",
    "Avicel PH-102",
    "lactose monohydrate",
    "sucrose",
    "calcium carbonate",
    "acidophilus",
    "magnesium stearate",
]
CAPSULES = [
    ("4.5 mg", "4.5 mg"),
    ("1.5 mg", "1 capsule"),
    ("3 mg", "3 mg"),
    ("0.5 mg", "0.5 mg"),
    ("4500 mcg", "1 cap"),
    ("50 mg", "1 capsule"),
    ("2 mg", "2 capsules"),
]
PRESCRIBERS = [
    ("Dr. Ana Ruiz", "MD", "OR"),
    ("Sam Hill", "NP", "WA"),
    ("Jo Park", "ND", "OR"),
    ("Lee Chan", "D.O.", "CA"),
    ("Ria Das", "PA-C", "TX"),
    ("Max Roe", "DC", "FL"),
]


def order_documents(count: int, seed: int = 7, unique_text: bool = False) -> list[dict]:
    """`count` order documents; with `unique_text` every free-text entry is different, so no
    cache inside the checker helps (the worst case)."""
    rng = random.Random(seed)
    documents = []
    for n in range(count):
        tag = f" #{n}" if unique_text else ""
        name, credential, state = rng.choice(PRESCRIBERS)
        liquid = rng.random() < 0.25
        if liquid:
            preparation = {
                "dosage_form": "oral_liquid",
                "release": rng.choice(RELEASES),
                "strength": "1 mg/mL",
                "excipients": ["purified water", "glycerin"],
            }
            sig = {"dose": rng.choice(["4.5 mL", "3 mL", "1.5 mL"]), "times_per_day": 1}
            quantity = 150
        else:
            strength, dose = rng.choice(CAPSULES)
            preparation = {
                "dosage_form": "capsule",
                "release": rng.choice(RELEASES),
                "strength": strength,
                "excipients": [rng.choice(FILLERS) + tag],
            }
            sig = {"dose": dose, "times_per_day": 1}
            quantity = 30
        sig |= {"time_of_day": "bedtime", "text": "Take 1 dose by mouth at bedtime" + tag}
        documents.append(
            {
                "patient": {
                    "first_name": rng.choice(FIRST),
                    "last_name": rng.choice(LAST),
                    "date_of_birth": f"19{rng.randint(40, 99)}-0{rng.randint(1, 9)}-1{n % 9}",
                    "medications": [m + tag for m in rng.sample(MEDS, rng.randint(0, 4))],
                    "allergies": rng.choice([[], ["penicillin"], ["sulfa", "latex"]]),
                    "conditions": [c + tag for c in rng.sample(CONDITIONS, rng.randint(0, 2))],
                },
                "prescriber": {
                    "name": name,
                    "credential": credential,
                    "license_number": f"{state}{rng.randint(10000, 99999)}",
                    "state": state,
                },
                "preparation": preparation,
                "sig": sig,
                "quantity": quantity,
                "days_supply": 30,
                "refills": rng.randint(0, 5),
            }
        )
    return documents
