"""Ingredients, their lots, master formulation records and compounding records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..extensions import Model, stored_enum
from ..orders.models import OrderStatus
from ..timeutil import utcnow
from .arithmetic import deviation_percent

if TYPE_CHECKING:
    from ..accounts.models import User
    from ..orders.models import Order


class IngredientKind(StrEnum):
    ACTIVE_POWDER = "active_powder"  # naltrexone HCl powder
    TABLET = "tablet"  # commercial naltrexone 50 mg tablets
    FILLER = "filler"
    VEHICLE = "vehicle"
    CAPSULE_SHELL = "capsule_shell"
    CONTAINER = "container"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class Ingredient(Model):
    __tablename__ = "ingredients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[IngredientKind] = mapped_column(
        # No CHECK: SQLite adds one only by rebuilding the table, which lots refer to.
        stored_enum(IngredientKind, length=20, name=None)
    )
    # Stock is counted in g (powders), mL (liquids) or each (tablets, shells, containers).
    stock_unit: Mapped[str] = mapped_column(String(10))
    salt_form: Mapped[str | None] = mapped_column(String(20))
    assay_percent: Mapped[Decimal | None] = mapped_column(Numeric(6, 3))
    tablet_strength_mg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    tablet_weight_mg: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    density_g_per_ml: Mapped[Decimal | None] = mapped_column(Numeric(8, 4))
    capsule_size: Mapped[str | None] = mapped_column(String(5))
    # Containers: what one holds, in mL (a cream made by weight counts 1 g as about 1 mL).
    capacity_ml: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))

    lots: Mapped[list[Lot]] = relationship(back_populates="ingredient", order_by="Lot.expiry_date")

    @validates("kind")
    def _kind_member(self, _key: str, kind: str) -> IngredientKind:
        # The ingredient form gives the kind as text; the ingredient holds the member at once.
        return IngredientKind(kind)


# "Mannitol NF" and "mannitol nf" are one ingredient to a pharmacist: the database refuses the
# second whichever worker saves it, with the name folded as routes._ingredient_named folds it.
Index("uq_ingredients_name_folded", func.lower(Ingredient.name), unique=True)


class Lot(Model):
    __tablename__ = "lots"

    id: Mapped[int] = mapped_column(primary_key=True)
    ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id"), index=True)
    supplier: Mapped[str] = mapped_column(String(200))
    lot_number: Mapped[str] = mapped_column(String(100))
    expiry_date: Mapped[dt.date] = mapped_column(Date)
    quantity_received: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    on_hand: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit_cost: Mapped[Decimal] = mapped_column(Numeric(12, 4))  # per stock unit
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    received_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # A lot held back (a recall, a damaged container, a failed check): never offered or used.
    quarantined: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    ingredient: Mapped[Ingredient] = relationship(back_populates="lots", lazy="joined")
    adjustments: Mapped[list[LotAdjustment]] = relationship(
        back_populates="lot", order_by="LotAdjustment.id"
    )

    __table_args__ = (
        UniqueConstraint("ingredient_id", "lot_number", name="uq_lots_ingredient_lot"),
        CheckConstraint("on_hand >= 0", name="ck_lots_on_hand"),
    )


class AdjustmentKind(StrEnum):
    COUNT = "count"
    QUARANTINE = "quarantine"
    RELEASE = "release"

    @property
    def label(self) -> str:
        return {
            AdjustmentKind.COUNT: "counted",
            AdjustmentKind.QUARANTINE: "quarantined",
            AdjustmentKind.RELEASE: "released from quarantine",
        }[self]


class LotAdjustment(Model):
    """A pharmacist's correction of a lot: a stock count, a quarantine or its release, with
    the reason, who and when (stock records must explain every change that is not a fill)."""

    __tablename__ = "lot_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    kind: Mapped[AdjustmentKind] = mapped_column(
        stored_enum(AdjustmentKind, length=20, name="ck_lot_adjustments_kind")
    )
    on_hand_before: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    on_hand_after: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    reason: Mapped[str] = mapped_column(String(300))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    lot: Mapped[Lot] = relationship(back_populates="adjustments")
    user: Mapped[User] = relationship()


class MasterFormulation(Model):
    """A master formulation record (USP <795>); versioned: a change is a new version and old
    compounding records keep pointing at the version they followed."""

    __tablename__ = "master_formulations"

    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(String(100), index=True)
    version: Mapped[int] = mapped_column(Integer)
    is_current: Mapped[bool] = mapped_column(Boolean, default=True)
    name: Mapped[str] = mapped_column(String(200))
    dosage_form: Mapped[str] = mapped_column(String(30))
    strength_mg: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    strength_per: Mapped[str | None] = mapped_column(String(10))  # None: per unit; "mL", "g"
    release: Mapped[str] = mapped_column(String(50), default="immediate release")
    active_ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id"))
    base_ingredient_id: Mapped[int] = mapped_column(ForeignKey("ingredients.id"))  # filler/vehicle
    shell_ingredient_id: Mapped[int | None] = mapped_column(ForeignKey("ingredients.id"))
    container_ingredient_id: Mapped[int | None] = mapped_column(ForeignKey("ingredients.id"))
    capsule_size: Mapped[str | None] = mapped_column(String(5))
    overage_percent: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=Decimal(0))
    method: Mapped[str] = mapped_column(Text, default="")
    equipment: Mapped[str] = mapped_column(Text, default="")
    container: Mapped[str] = mapped_column(String(200), default="")
    storage: Mapped[str] = mapped_column(String(200), default="")
    # What the patient sees ("white opaque size 1 capsule", "clear colourless liquid"):
    # required for each new version, printed where the state's label profile asks (Oregon,
    # OAR 855-041-1130). "" for versions saved before it was asked for.
    physical_description: Mapped[str] = mapped_column(String(200), default="", server_default="")
    bud_rule: Mapped[str] = mapped_column(String(30))
    # Water activity >= 0.6 (USP <795>): decides which BUD rules fit; a pharmacist says so.
    aqueous: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    quality_checks: Mapped[str] = mapped_column(Text, default="")
    labour_minutes: Mapped[int] = mapped_column(Integer, default=15)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    active_ingredient: Mapped[Ingredient] = relationship(
        foreign_keys=[active_ingredient_id], lazy="joined"
    )
    base_ingredient: Mapped[Ingredient] = relationship(
        foreign_keys=[base_ingredient_id], lazy="joined"
    )
    shell_ingredient: Mapped[Ingredient | None] = relationship(foreign_keys=[shell_ingredient_id])
    container_ingredient: Mapped[Ingredient | None] = relationship(
        foreign_keys=[container_ingredient_id]
    )

    __table_args__ = (UniqueConstraint("family", "version", name="uq_mfr_family_version"),)


# Two current formulas of one name could not be told apart when a fill is started: the
# database refuses the second, whichever worker saves it, with the name folded as
# formulas._refuse_taken_name compares it. Old versions keep their names.
Index(
    "uq_mfr_current_name",
    func.lower(MasterFormulation.name),
    unique=True,
    sqlite_where=MasterFormulation.is_current,
    postgresql_where=MasterFormulation.is_current,
)


class RecordStatus(StrEnum):
    IN_PROGRESS = "in_progress"  # worksheet made, weights not yet recorded
    AWAITING_SIGNOFF = "awaiting_signoff"
    SIGNED_OFF = "signed_off"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class DispenseMethod(StrEnum):
    """How a fill left the pharmacy."""

    PICKED_UP = "picked_up"
    SHIPPED = "shipped"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class UncollectedDisposition(StrEnum):
    """What became of a fill that waited for pick-up and was not collected (will-call)."""

    RETURNED_TO_STOCK = "returned_to_stock"
    DISCARDED = "discarded"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class CompoundingRecord(Model):
    """One fill: which formula, which lots, how much of each, who made and checked it."""

    __tablename__ = "compounding_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    mfr_id: Mapped[int] = mapped_column(ForeignKey("master_formulations.id"))
    batch_number: Mapped[str] = mapped_column(String(30), unique=True)
    status: Mapped[RecordStatus] = mapped_column(
        stored_enum(RecordStatus, length=20, name="ck_compounding_records_status"),
        default=RecordStatus.IN_PROGRESS,
    )
    units_to_make: Mapped[Decimal] = mapped_column(Numeric(12, 3))
    unit_name: Mapped[str] = mapped_column(String(20))
    worksheet: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    tolerance_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    # Beyond this a dose-setting amount may not be accepted: the fill is discarded.
    discard_limit_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2))
    beyond_use_date: Mapped[dt.date] = mapped_column(Date)
    storage: Mapped[str] = mapped_column(String(200))
    bud_reason: Mapped[str] = mapped_column(String(300))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    prepared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_off_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="")
    # What the worksheet flags for the people making it (a weighing below the balance's
    # minimum, an earlier lot passed over, a vehicle other than the prescription's).
    cautions: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # A supply that outlasts the BUD, and the pharmacist's acceptance of it.
    supply_warning: Mapped[str | None] = mapped_column(Text)
    supply_accepted_reason: Mapped[str | None] = mapped_column(Text)
    supply_accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_compounding_records_supply_accepted_by")
    )
    # A supply the BUD cuts short counted from the day the fill is labelled or dispensed (not
    # the compounding day), and the pharmacist's acceptance of it (compounding/expiry.py): the
    # warning as accepted, since the shortfall grows each day the fill waits.
    handover_supply_warning: Mapped[str | None] = mapped_column(Text)
    handover_supply_reason: Mapped[str | None] = mapped_column(Text)
    handover_supply_accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_compounding_records_handover_supply_by")
    )
    handover_supply_accepted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    fill_number: Mapped[int] = mapped_column(Integer, default=1)  # 1 = first fill, 2 = refill 1
    # The prescription as it stood when the fill was started (dosage form, strength, its
    # unit, quantity): weighing, sign-off, labels and dispensing refuse a fill that no longer
    # matches its order. None on fills started before it was kept (migration 0013).
    made_for: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    dispensed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    dispensed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_compounding_records_dispensed_by")
    )

    dispense_method: Mapped[DispenseMethod | None] = mapped_column(
        # No CHECK, as for Ingredient.kind (labels, components and costs refer to fills).
        stored_enum(DispenseMethod, length=20, name=None)
    )
    dispense_note: Mapped[str] = mapped_column(Text, default="")
    # The final check: a pharmacist scanned the label and the container and released the
    # fill, signing with their password; the signature is who, when and what it means
    # (21 CFR 11.50: "released"). Nothing leaves the pharmacy unreleased.
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    released_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_compounding_records_released_by")
    )
    release_meaning: Mapped[str | None] = mapped_column(String(40))
    # At dispensing: who collected the fill (name, relation, ID checked) or how it was
    # shipped (carrier, tracking number), the bag label scanned, and the counselling offer
    # and its answer (dispensing/pickup.py).
    handover: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Not collected (dispensing/will_call.py): a pharmacist returned the fill to stock or
    # discarded it, when and who (the reason is in `notes`). The fill is then discarded and
    # its request answered: the patient asks again for the fill to be made.
    uncollected: Mapped[UncollectedDisposition | None] = mapped_column(
        # No CHECK, as for dispense_method.
        stored_enum(UncollectedDisposition, length=20, name=None)
    )
    uncollected_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    uncollected_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_compounding_records_uncollected_by")
    )

    order: Mapped[Order] = relationship()
    mfr: Mapped[MasterFormulation] = relationship(lazy="joined")
    components: Mapped[list[RecordComponent]] = relationship(
        back_populates="record", order_by="RecordComponent.id", cascade="all, delete-orphan"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    prepared_by: Mapped[User | None] = relationship(foreign_keys=[prepared_by_id])
    signed_off_by: Mapped[User | None] = relationship(foreign_keys=[signed_off_by_id])
    dispensed_by: Mapped[User | None] = relationship(foreign_keys=[dispensed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    uncollected_by: Mapped[User | None] = relationship(foreign_keys=[uncollected_by_id])
    supply_accepted_by: Mapped[User | None] = relationship(foreign_keys=[supply_accepted_by_id])
    substitutions: Mapped[list[Substitution]] = relationship(
        back_populates="record", order_by="Substitution.id", cascade="all, delete-orphan"
    )
    handover_supply_accepted_by: Mapped[User | None] = relationship(
        foreign_keys=[handover_supply_accepted_by_id]
    )

    # What may be done next with the fill, as its state allows (the services check the same
    # under the order's lock; the pages ask these).
    @property
    def is_signed_off(self) -> bool:
        return self.status is RecordStatus.SIGNED_OFF

    @property
    def in_making(self) -> bool:
        """Not yet signed off or discarded: its supply may still be accepted."""
        return self.status in (RecordStatus.IN_PROGRESS, RecordStatus.AWAITING_SIGNOFF)

    @property
    def takes_weights(self) -> bool:
        return self.status is RecordStatus.IN_PROGRESS

    @property
    def substitution_pending(self) -> bool:
        """A substitution waits for a pharmacist's decision: nothing is weighed or signed off
        until then (substitutions.refuse_if_substitution_pending)."""
        return any(not s.approved for s in self.substitutions)

    @property
    def takes_corrections(self) -> bool:
        """Weighed, not signed off, and its order still verified: a weight may be corrected."""
        return (
            self.status is RecordStatus.AWAITING_SIGNOFF
            and self.order.status is OrderStatus.VERIFIED
        )

    @property
    def awaiting_signoff(self) -> bool:
        return self.status is RecordStatus.AWAITING_SIGNOFF

    @property
    def awaiting_dispensing(self) -> bool:
        return self.is_signed_off and self.dispensed_at is None

    @property
    def discardable(self) -> bool:
        return self.status is not RecordStatus.DISCARDED and self.dispensed_at is None


# The components whose amount sets the strength: the naltrexone (powder or counted tablets),
# the aliquot of crushed tablets, and the vehicle a liquid is made up to.
DOSE_ROLES = ("active", "aliquot", "vehicle")


class RecordComponent(Model):
    """One component of a fill: its lot, the amount the worksheet asks for, the amount
    actually weighed or counted, and, out of tolerance, the pharmacist's decision."""

    __tablename__ = "record_components"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("compounding_records.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    required: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    unit: Mapped[str] = mapped_column(String(10))  # mg, mL or each
    weighed: Mapped[bool] = mapped_column(Boolean)  # a mass to check against tolerance
    # False for a weighing of something already taken from stock (the aliquot of crushed
    # tablets, which were counted out of their lot).
    from_stock: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    actual: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    within_tolerance: Mapped[bool | None] = mapped_column(Boolean)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    record: Mapped[CompoundingRecord] = relationship(back_populates="components")
    lot: Mapped[Lot] = relationship(lazy="joined")
    decided_by: Mapped[User | None] = relationship()

    @property
    def sets_dose(self) -> bool:
        return self.role in DOSE_ROLES

    @property
    def beyond_limit(self) -> bool:
        """A dose-setting amount so far off (or none at all) that no pharmacist may accept
        it: the fill is discarded and made again."""
        if not self.sets_dose or self.actual is None:
            return False
        if self.actual == 0:
            return True
        return deviation_percent(self.required, self.actual) > self.record.discard_limit_percent


class SubstitutionKind(StrEnum):
    VEHICLE = "vehicle"
    FILLER = "filler"


class Substitution(Model):
    """A fill made with a vehicle or filler other than the prescription's, and the
    pharmacist's decision on it: the reason and the prescriber consulted (name and date).
    Until it is approved the fill is not weighed or signed off."""

    __tablename__ = "substitutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("compounding_records.id"), index=True)
    kind: Mapped[SubstitutionKind] = mapped_column(
        stored_enum(SubstitutionKind, length=20, name="ck_substitutions_kind")
    )
    prescribed: Mapped[str] = mapped_column(String(500))
    used: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(Text)
    prescriber_consulted: Mapped[str | None] = mapped_column(String(200))
    consulted_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", name="fk_substitutions_decided_by")
    )
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    record: Mapped[CompoundingRecord] = relationship(back_populates="substitutions")
    decided_by: Mapped[User | None] = relationship()

    @property
    def approved(self) -> bool:
        return self.decided_at is not None


class BatchCounter(Model):
    """One row holding the last batch number given (like the Rx counter)."""

    __tablename__ = "batch_counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
