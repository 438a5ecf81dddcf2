"""Demo ingredients, lots and the master formulations the demo orders need.

Filler densities are typical tapped densities for packing capsules (general knowledge, set
per ingredient by the pharmacy); capsule volumes come from shared/domain/ldn.md."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

from ..compounding.bud import BudRule
from ..compounding.models import Ingredient, IngredientKind, Lot, MasterFormulation
from ..costs.models import PriceSchedule
from ..extensions import db

INGREDIENTS: list[dict[str, Any]] = [
    {
        "name": "Naltrexone HCl USP powder",
        "kind": IngredientKind.ACTIVE_POWDER,
        "stock_unit": "g",
        "salt_form": "hcl",
        "assay_percent": D("99.5"),
    },
    {
        "name": "Naltrexone HCl 50 mg tablets",
        "kind": IngredientKind.TABLET,
        "stock_unit": "each",
        "tablet_strength_mg": D(50),
        "tablet_weight_mg": D(300),
    },
    {
        "name": "Microcrystalline cellulose (Avicel PH-102)",
        "kind": IngredientKind.FILLER,
        "stock_unit": "g",
        "density_g_per_ml": D("0.45"),
    },
    {
        "name": "Lactose monohydrate NF",
        "kind": IngredientKind.FILLER,
        "stock_unit": "g",
        "density_g_per_ml": D("0.70"),
    },
    {
        "name": "Sucrose NF",
        "kind": IngredientKind.FILLER,
        "stock_unit": "g",
        "density_g_per_ml": D("0.80"),
    },
    {
        "name": "Acidophilus probiotic powder",
        "kind": IngredientKind.FILLER,
        "stock_unit": "g",
        "density_g_per_ml": D("0.50"),
    },
    {
        "name": "Ora-Sweet SF (preserved vehicle)",
        "kind": IngredientKind.VEHICLE,
        "stock_unit": "mL",
    },
    {
        "name": "Glycerin and purified water, preserved",
        "kind": IngredientKind.VEHICLE,
        "stock_unit": "mL",
    },
    {"name": "Versabase cream", "kind": IngredientKind.VEHICLE, "stock_unit": "mL"},
    # The same kind of base, bought and weighed by the gram for creams prescribed in mg/g.
    {"name": "Lipoderm base (by weight)", "kind": IngredientKind.VEHICLE, "stock_unit": "g"},
    {
        "name": "Gelatin capsule shells, size 1",
        "kind": IngredientKind.CAPSULE_SHELL,
        "stock_unit": "each",
        "capsule_size": "1",
    },
    {
        "name": "Amber vial, 40 dram",
        "kind": IngredientKind.CONTAINER,
        "stock_unit": "each",
        "capacity_ml": D(148),
    },
    {
        "name": "Amber bottle, 150 mL, child-resistant",
        "kind": IngredientKind.CONTAINER,
        "stock_unit": "each",
        "capacity_ml": D(150),
    },
    {
        "name": "Dropper bottle, 30 mL",
        "kind": IngredientKind.CONTAINER,
        "stock_unit": "each",
        "capacity_ml": D(30),
    },
    {
        "name": "Airless pump, 30 mL",
        "kind": IngredientKind.CONTAINER,
        "stock_unit": "each",
        "capacity_ml": D(30),
    },
]
# (ingredient, supplier, lot, months to expiry, quantity, unit cost per stock unit)
LOTS = [
    ("Naltrexone HCl USP powder", "Medisca", "NX24-0117", 20, D(25), D("38.00")),
    ("Naltrexone HCl USP powder", "PCCA", "P-883120", 9, D(10), D("41.50")),
    ("Naltrexone HCl USP powder", "Medisca", "NX23-0921", -1, D(5), D("36.00")),  # expired
    ("Naltrexone HCl 50 mg tablets", "Cardinal Health", "T5531A", 14, D(300), D("0.92")),
    ("Microcrystalline cellulose (Avicel PH-102)", "Medisca", "MC-77231", 30, D(5000), D("0.035")),
    ("Microcrystalline cellulose (Avicel PH-102)", "PCCA", "P-771002", 7, D(1000), D("0.041")),
    ("Lactose monohydrate NF", "Spectrum", "LM-11890", 24, D(2000), D("0.028")),
    ("Sucrose NF", "Spectrum", "SU-55102", 36, D(2000), D("0.012")),
    ("Acidophilus probiotic powder", "Fagron", "AC-3309", 12, D(500), D("0.22")),
    ("Ora-Sweet SF (preserved vehicle)", "Perrigo", "OS-90412", 18, D(3785), D("0.018")),
    ("Glycerin and purified water, preserved", "Fagron", "GW-2219", 15, D(2000), D("0.012")),
    ("Versabase cream", "Medisca", "VB-66120", 16, D(2000), D("0.045")),
    ("Lipoderm base (by weight)", "PCCA", "LD-30718", 14, D(2000), D("0.052")),
    ("Gelatin capsule shells, size 1", "Capsuline", "CS1-40211", 40, D(20000), D("0.012")),
    ("Amber vial, 40 dram", "Berry Global", "AV40-2291", 120, D(1000), D("0.38")),
    ("Amber bottle, 150 mL, child-resistant", "Berry Global", "AB150-118", 120, D(300), D("0.74")),
    ("Dropper bottle, 30 mL", "Qorpak", "DB30-550", 120, D(300), D("0.61")),
    ("Airless pump, 30 mL", "Topwave", "AP30-3011", 120, D(200), D("1.35")),
]
CAPSULE_STRENGTHS = ["0.5", "1", "1.5", "2", "2.5", "3", "4", "4.5"]
FILLERS = {
    "MCC": "Microcrystalline cellulose (Avicel PH-102)",
    "lactose": "Lactose monohydrate NF",
    "sucrose": "Sucrose NF",
    "acidophilus": "Acidophilus probiotic powder",
}
CAPSULE_METHOD = """1. Verify the order and this worksheet; put on gloves and a mask.
2. Weigh the naltrexone HCl on a balance reading to 0.001 g.
3. Weigh the filler. Mix by geometric dilution in a mortar until uniform (at least 3 minutes).
4. Fill size-1 capsules on the capsule machine; tamp evenly.
5. Weigh 10 capsules; each must be within 5% of the mean fill weight.
6. Count into the vial; label; store the record for pharmacist release."""
LIQUID_METHOD = """1. Crush the tablets to a fine powder in a mortar.
2. Wet with a little vehicle to a smooth paste; add vehicle in portions, mixing well.
3. Transfer to a calibrated bottle and make up to final volume with vehicle; shake well.
4. Check volume, colour and absence of lumps. Label "Shake well"."""
POWDER_LIQUID_METHOD = """1. Weigh the naltrexone HCl on a balance reading to 0.001 g.
2. Dissolve or disperse in part of the base; make up to final volume; mix until uniform.
3. Fill the container; check appearance and volume."""
WEIGHED_CREAM_METHOD = """1. Weigh the naltrexone HCl on a balance reading to 0.001 g.
2. Levigate with a little of the base; add base in portions to the final weight (tared jar).
3. Pass through the ointment mill; fill the pump; check appearance and weight."""


def store_demo_compounding(today: dt.date) -> dict[str, MasterFormulation]:
    """Ingredients, lots and formulas; returns the formulas by name."""
    ingredients = {}
    for spec in INGREDIENTS:
        ingredient = Ingredient(**spec)
        db.session.add(ingredient)
        ingredients[ingredient.name] = ingredient
    for name, supplier, lot_number, months, quantity, cost in LOTS:
        db.session.add(
            Lot(
                ingredient=ingredients[name],
                supplier=supplier,
                lot_number=lot_number,
                expiry_date=today + dt.timedelta(days=30 * months),
                quantity_received=quantity,
                on_hand=quantity,
                unit_cost=cost,
            )
        )
    formulas: dict[str, MasterFormulation] = {}

    def add(name: str, **values: Any) -> None:
        mfr = MasterFormulation(
            family=name.casefold().replace(" ", "-"), version=1, name=name, **values
        )
        db.session.add(mfr)
        formulas[name] = mfr

    for strength in CAPSULE_STRENGTHS:
        for family, filler in FILLERS.items():
            add(
                f"Naltrexone {strength} mg capsules, {family}, size 1",
                dosage_form="capsule",
                strength_mg=D(strength),
                strength_per=None,
                active_ingredient=ingredients["Naltrexone HCl USP powder"],
                base_ingredient=ingredients[filler],
                shell_ingredient=ingredients["Gelatin capsule shells, size 1"],
                container_ingredient=ingredients["Amber vial, 40 dram"],
                capsule_size="1",
                overage_percent=D(5),
                method=CAPSULE_METHOD,
                equipment="Balance (0.001 g), mortar and pestle, capsule machine (size 1)",
                container="Amber plastic vial with child-resistant cap",
                storage="Room temperature, 20-25 °C, dry",
                physical_description="White opaque size 1 capsule",
                bud_rule=BudRule.SOLID.value,
                quality_checks="Weight variation of 10 capsules within 5%; appearance",
                labour_minutes=20,
            )
    add(
        "Naltrexone 1 mg/mL oral liquid",
        dosage_form="oral_liquid",
        strength_mg=D(1),
        strength_per="mL",
        active_ingredient=ingredients["Naltrexone HCl 50 mg tablets"],
        base_ingredient=ingredients["Ora-Sweet SF (preserved vehicle)"],
        container_ingredient=ingredients["Amber bottle, 150 mL, child-resistant"],
        overage_percent=D(0),
        method=LIQUID_METHOD,
        equipment="Mortar and pestle, graduated cylinder, calibrated bottle",
        container="Amber bottle with oral syringe",
        storage="Refrigerate or room temperature",
        # Crushed tablets: their binders and fillers do not dissolve.
        physical_description="Cloudy white suspension",
        aqueous=True,
        bud_rule=BudRule.AQUEOUS_PRESERVED.value,
        quality_checks="Volume; uniform suspension after shaking",
        labour_minutes=15,
    )
    add(
        "Naltrexone 1 mg/mL sublingual drops",
        dosage_form="sublingual_drops",
        strength_mg=D(1),
        strength_per="mL",
        active_ingredient=ingredients["Naltrexone HCl USP powder"],
        base_ingredient=ingredients["Glycerin and purified water, preserved"],
        container_ingredient=ingredients["Dropper bottle, 30 mL"],
        overage_percent=D(0),
        method=POWDER_LIQUID_METHOD,
        equipment="Balance (0.001 g), graduated cylinder",
        container="Amber dropper bottle",
        storage="Room temperature",
        physical_description="Clear colourless liquid",
        aqueous=True,
        bud_rule=BudRule.AQUEOUS_PRESERVED.value,
        quality_checks="Clear solution; volume",
        labour_minutes=15,
    )
    # Creams by volume (mg/mL) and by weight (mg/g): oil-in-water emulsions, so aqueous.
    for per, base, method, dispenses in (
        ("mL", "Versabase cream", POWDER_LIQUID_METHOD, "1 mL"),
        ("g", "Lipoderm base (by weight)", WEIGHED_CREAM_METHOD, "about 1 g"),
    ):
        add(
            f"Naltrexone 0.5 mg/{per} cream",
            dosage_form="topical_cream",
            strength_mg=D("0.5"),
            strength_per=per,
            active_ingredient=ingredients["Naltrexone HCl USP powder"],
            base_ingredient=ingredients[base],
            container_ingredient=ingredients["Airless pump, 30 mL"],
            overage_percent=D(0),
            method=method,
            equipment="Balance (0.001 g), ointment mill",
            container=f"Airless pump dispensing {dispenses} a click",
            storage="Room temperature",
            physical_description="Smooth white cream",
            aqueous=True,
            bud_rule=BudRule.AQUEOUS_PRESERVED.value,
            quality_checks="Smooth, uniform cream",
            labour_minutes=20,
        )
    # Two price schedules, one changed three months ago, so the demo months show both kinds.
    four_and_a_half = formulas["Naltrexone 4.5 mg capsules, MCC, size 1"].family
    db.session.add_all(
        [
            PriceSchedule(
                family=four_and_a_half,
                method="base",
                base_price=D("42.00"),
                base_quantity=D(30),
                dispensing_fee=D(0),
                effective_from=today - dt.timedelta(days=400),
            ),
            PriceSchedule(
                family=four_and_a_half,
                method="base",
                base_price=D("45.00"),
                base_quantity=D(30),
                dispensing_fee=D(0),
                effective_from=today - dt.timedelta(days=90),
            ),
            PriceSchedule(
                family=formulas["Naltrexone 1 mg/mL oral liquid"].family,
                method="cost_plus",
                markup_percent=D(150),
                dispensing_fee=D("8.00"),
                effective_from=today - dt.timedelta(days=400),
            ),
        ]
    )
    db.session.flush()
    return formulas
