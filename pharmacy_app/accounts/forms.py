"""Account forms (WTForms, CSRF-protected by Flask-WTF). The rules for usernames, names,
labels and passwords are the services' (so `flask create-user` applies the same ones)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from ..idempotency.forms import OnceTokenField
from .models import USERNAME_MAX, Role, User
from .passwords import MIN_PASSWORD_LENGTH
from .services import (
    AccountError,
    check_password_rules,
    clean_full_name,
    clean_text,
    clean_token_label,
    clean_username,
)

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


def rule(check: Callable[[str], Any]) -> Callable[[FlaskForm, Field], None]:
    """A WTForms validator made of a service's check (which raises AccountError)."""

    def validate(_form: FlaskForm, field: Field) -> None:
        try:
            check(field.data or "")
        except AccountError as exc:
            raise ValidationError(str(exc)) from exc

    return validate


def password_rules(field: Field, username: str, full_name: str) -> None:
    """The password policy at the field, for the user with this username and full name."""
    try:
        check_password_rules(field.data or "", username=username, full_name=full_name)
    except AccountError as exc:
        raise ValidationError(str(exc)) from exc


def one_line(max_length: int) -> Callable[[FlaskForm, Field], None]:
    return rule(lambda text: clean_text(text, max_length=max_length))


def no_nul(_form: FlaskForm, field: Field) -> None:
    """Sign-in fields: a NUL character cannot be in any username or password (and
    PostgreSQL refuses it in a query)."""
    if "\x00" in (field.data or ""):
        raise ValidationError("May not contain NUL characters.")


class SignInForm(FlaskForm):
    username = StringField(
        "Username", validators=[DataRequired(), Length(max=USERNAME_MAX), no_nul]
    )
    password = PasswordField("Password", validators=[DataRequired(), no_nul])
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired(), no_nul])
    new = PasswordField(
        "New password",
        validators=[DataRequired()],
        description=f"At least {MIN_PASSWORD_LENGTH} characters; a few unrelated words make a "
        "good one.",
    )
    repeat = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new", "The passwords differ.")],
    )
    revoke_tokens = BooleanField(
        "Also revoke my API tokens (whoever knew the old password may have one)", default=True
    )
    submit = SubmitField("Change password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_new(self, field: Field) -> None:
        password_rules(field, self.user.username, self.user.full_name)


class NewTokenForm(FlaskForm):
    label = StringField(
        "What the token is for",
        validators=[DataRequired(), rule(clean_token_label)],
        description="For example: e-prescribing gateway",
    )
    submit = SubmitField("Create token")


class NewUserForm(FlaskForm):
    once_token = OnceTokenField()
    username = StringField("Username", validators=[DataRequired(), rule(clean_username)])
    full_name = StringField("Full name", validators=[DataRequired(), rule(clean_full_name)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.TECHNICIAN.value)
    password = PasswordField("Initial password", validators=[DataRequired()])
    submit = SubmitField("Add user")

    def validate_password(self, field: Field) -> None:
        try:
            username = clean_username(self.username.data or "")
        except AccountError:
            username = (self.username.data or "").strip().lower()
        password_rules(field, username, self.full_name.data or "")


class EditUserForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired(), rule(clean_full_name)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")
    submit = SubmitField("Save")


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        "Temporary password",
        validators=[DataRequired()],
        description="Tell the user; they choose their own when they next sign in.",
    )
    submit = SubmitField("Reset password")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_password(self, field: Field) -> None:
        password_rules(field, self.user.username, self.user.full_name)


class SettingsForm(FlaskForm):
    name = StringField("Pharmacy name", validators=[one_line(200)])
    address = StringField("Address", validators=[one_line(300)])
    phone = StringField("Phone", validators=[one_line(40)])
    allow_self_verification = BooleanField(
        "A pharmacist may verify orders they entered and sign off compounding they prepared "
        "themselves (single-pharmacist stores)"
    )
    submit = SubmitField("Save settings")
