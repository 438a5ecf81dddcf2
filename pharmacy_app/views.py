"""What every feature's views share: make a change, commit it and answer; or, when the change
is refused, roll it back and show why (as an error message, or at the form's field)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import flash, redirect
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from .extensions import db
from .workflow import WorkflowError

T = TypeVar("T")
A = TypeVar("A")  # what a view answers when the change is done...
B = TypeVar("B")  # ...and when it is refused


def commit_or_refuse(
    action: Callable[[], T],
    done: Callable[[T], A],
    refused: Callable[[WorkflowError], B],
    *,
    raced: Callable[[], WorkflowError | None] | None = None,
) -> A | B:
    """Do `action` and commit, then answer with `done(result)`. A WorkflowError rolls the
    change back and is answered by `refused(error)`. An IntegrityError is a unique index
    refusing a save made at the same moment as another (PostgreSQL made this one wait for
    the first to commit): after the rollback, `raced()` says which refusal it was, answered
    the same way; when it says none (or there is no `raced`), the error is raised. Anything
    else is rolled back and raised."""
    try:
        result = action()
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        return refused(error)
    except IntegrityError:
        db.session.rollback()
        lost = raced() if raced is not None else None
        if lost is None:
            raise
        return refused(lost)
    except Exception:
        db.session.rollback()
        raise
    return done(result)


def act(
    action: Callable[[], T], done: str | Callable[[T], str], to: str, code: int = 302
) -> Response:
    """A change made with a button: do it and commit, then go to `to` saying what was done
    (`done`, or what `done(result)` says), or why it was not."""
    return commit_or_refuse(
        action,
        lambda result: go(to, done if isinstance(done, str) else done(result), code),
        go_back(to, code),
    )


def go(to: str, message: str | None = None, code: int = 302) -> Response:
    """Say what was done (when there is something to say) and send the browser to `to`."""
    if message:
        flash(message)
    return redirect(to, code)


def go_back(to: str, code: int = 302, prefix: str = "") -> Callable[[WorkflowError], Response]:
    """A refusal shown as an error message on the page at `to`."""

    def answer(error: WorkflowError) -> Response:
        flash(prefix + str(error), "error")
        return redirect(to, code)

    return answer


def at_field(
    form: Any, page: Callable[[], A], otherwise: str | None = None
) -> Callable[[WorkflowError], A]:
    """A refusal shown at the form field it names, else at the field `otherwise` (else as an
    error message), on the page the form is shown again on, with everything typed kept."""

    def answer(error: WorkflowError) -> A:
        name = error.field or otherwise
        field = getattr(form, name, None) if name else None
        if field is None:
            flash(str(error), "error")
        else:
            field.errors = [*field.errors, str(error)]
        return page()

    return answer


def form_errors(form: Any) -> str:
    """Every message of a refused form, in one line ("This field is required.; ...")."""
    return "; ".join(e for errors in form.errors.values() for e in errors)
