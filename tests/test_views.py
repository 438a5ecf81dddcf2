"""The one view helper: a change is committed and answered, or rolled back and refused with
why (at the field the refusal names); a unique index's refusal is explained or raised."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from pharmacy_app.accounts.models import Role, User
from pharmacy_app.extensions import db
from pharmacy_app.views import at_field, commit_or_refuse
from pharmacy_app.workflow import WorkflowError


def users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def add(username: str) -> User:
    user = User(
        username=username, full_name=username, role=Role.TECHNICIAN.value, password_hash="x"
    )
    db.session.add(user)
    db.session.flush()
    return user


def test_a_done_change_is_committed_and_answered_with_its_result(app):
    before = users(app)
    with app.test_request_context():
        answer = commit_or_refuse(lambda: add("kim").username, lambda name: f"done {name}", str)
    assert answer == "done kim"
    assert users(app) == before + 1


def test_a_refused_change_is_rolled_back_and_answered_with_why(app):
    before = users(app)

    def refused_after_a_write() -> None:
        add("lee")
        raise WorkflowError("Not today.")

    with app.test_request_context():
        answer = commit_or_refuse(refused_after_a_write, repr, lambda error: f"no: {error}")
    assert answer == "no: Not today."
    assert users(app) == before


def test_a_unique_index_refusal_is_answered_when_raced_says_why_and_raised_otherwise(app):
    with app.test_request_context():
        add("sam")
        db.session.commit()
        why = WorkflowError("Taken a moment ago.", "username")
        answer = commit_or_refuse(
            lambda: add("sam"), repr, lambda error: error.field, raced=lambda: why
        )
        assert answer == "username"
        with pytest.raises(IntegrityError):
            commit_or_refuse(lambda: add("sam"), repr, repr, raced=lambda: None)


def test_a_refusal_shows_at_the_field_it_names_else_at_the_field_given(app):
    class Field:
        def __init__(self) -> None:
            self.errors: list[str] = []

    class Form:
        def __init__(self) -> None:
            self.name, self.username = Field(), Field()

    form = Form()
    with app.test_request_context():
        at_field(form, lambda: "page")(WorkflowError("At the name.", "name"))
        at_field(form, lambda: "page", otherwise="username")(WorkflowError("Nowhere."))
    assert form.name.errors == ["At the name."]
    assert form.username.errors == ["Nowhere."]
