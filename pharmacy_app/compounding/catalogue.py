"""The ingredient catalogue: what a formula may name, each ingredient once under its name."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from ..extensions import db
from ..workflow import WorkflowError
from .models import Ingredient, IngredientKind

IN_THE_CATALOGUE = "This ingredient is already in the catalogue."


def catalogue() -> Sequence[Ingredient]:
    """Every ingredient, by kind and then by name."""
    return db.session.scalars(select(Ingredient).order_by(Ingredient.kind, Ingredient.name)).all()


def ingredients_of(*kinds: IngredientKind) -> list[Ingredient]:
    """The ingredients of these kinds, by name."""
    return list(
        db.session.scalars(
            select(Ingredient).where(Ingredient.kind.in_(kinds)).order_by(Ingredient.name)
        )
    )


def add_ingredient(ingredient: Ingredient) -> Ingredient:
    """Add an ingredient to the catalogue; refused at its name when one of that name (in any
    case) is there. Names are unique in the database too: a save at the same moment that
    loses to this one raises IntegrityError, and `name_taken` says why."""
    if _named(ingredient.name):
        raise WorkflowError(IN_THE_CATALOGUE, "name")
    db.session.add(ingredient)
    return ingredient


def name_taken(name: str) -> WorkflowError | None:
    """The refusal of an ingredient whose name another save took a moment ago, if it did."""
    return WorkflowError(IN_THE_CATALOGUE, "name") if _named(name) else None


def _named(name: str) -> bool:
    # Folded by the database, as its unique index on the name folds it.
    return bool(
        db.session.scalar(
            select(func.count())
            .select_from(Ingredient)
            .where(func.lower(Ingredient.name) == func.lower(name))
        )
    )
