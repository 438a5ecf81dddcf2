"""The workflow's shared rules: the error every refused action raises, the pharmacist's
permission, and the rule for a reason given for a decision. Every feature's services use
these; the views and the API report a WorkflowError at the field, as a message, or as 409."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute

from .extensions import db

if TYPE_CHECKING:
    from .accounts.models import User

# A reason for a decision (an override, a rejection, a discard, a correction...) is a few
# words at least: "ok" or "." says nothing an inspector could read later.
MIN_REASON = 5
# And at most a paragraph: the longest reason a form takes (the override's, the rejection's).
MAX_REASON = 500


class WorkflowError(ValueError):
    """An action the record's state does not allow, with the reason for the person; `field`
    names the form field it concerns, where there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def visible_text(text: str, field: str | None = None, *, lines: bool = False) -> str:
    """`text` stripped, when every character of it is visible (as order entry demands of
    its texts: a right-to-left override would print one thing on a record and mean
    another); else WorkflowError at `field` naming the hidden character."""
    from .plaintext import hidden_character_refusal

    refusal = hidden_character_refusal(text, lines=lines)
    if refusal:
        raise WorkflowError(refusal, field)
    return text.strip()


def require_reason(reason: str, message: str, field: str | None = None) -> str:
    """The reason, stripped; WorkflowError(message) when it is shorter than MIN_REASON, and
    a WorkflowError saying why when it is longer than MAX_REASON or hides a character."""
    stripped = visible_text(reason, field)
    if len(stripped) < MIN_REASON:
        raise WorkflowError(message, field)
    if len(stripped) > MAX_REASON:
        raise WorkflowError(
            f"The reason is too long: at most {MAX_REASON} characters (a few words are "
            "enough; details go in a note).",
            field,
        )
    return stripped


def require_pharmacist(user: User, message: str = "Only a pharmacist can do this.") -> None:
    """Refuse anyone without a pharmacist's permission to decide."""
    from .accounts.models import Permission

    if not user.can(Permission.VERIFY):
        raise WorkflowError(message)


def lock_row(entity: Any, column: InstrumentedAttribute[Any]) -> None:
    """Take `entity`'s row lock for the rest of the transaction, then re-read it, so the
    state a change starts from is checked under the lock and two workers acting at once are
    served one after the other (PostgreSQL locks the row; SQLite takes its write lock).
    `column` is set to itself; where the model has an `onupdate` timestamp, name that one, so
    the lock leaves it as it was (an UPDATE that does not name it would set it)."""
    model = type(entity)
    db.session.execute(
        update(model)
        .where(model.id == entity.id)
        .values({column.key: column})
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(entity)
