"""Account forms (WTForms, CSRF-protected by Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from .models import Role
from .services import MIN_PASSWORD_LENGTH

ROLE_CHOICES = [SelectChoice(r.value, r.label) for r in Role]


class SignInForm(FlaskForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=80)])
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Sign in")


class ChangePasswordForm(FlaskForm):
    current = PasswordField("Current password", validators=[DataRequired()])
    new = PasswordField(
        "New password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, message=(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
            ),
        ],
    )
    repeat = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new", "The passwords differ.")],
    )
    submit = SubmitField("Change password")


class NewTokenForm(FlaskForm):
    label = StringField(
        "What the token is for",
        validators=[DataRequired(), Length(max=100)],
        description="For example: e-prescribing gateway",
    )
    submit = SubmitField("Create token")


class NewUserForm(FlaskForm):
    username = StringField(
        "Username",
        validators=[
            DataRequired(),
            Length(max=80),
            Regexp(r"^[A-Za-z0-9._-]+$", message="Letters, digits, dots, dashes and underscores."),
        ],
    )
    full_name = StringField("Full name", validators=[DataRequired(), Length(max=200)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.TECHNICIAN.value)
    password = PasswordField(
        "Initial password",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, message=(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
            ),
        ],
    )
    submit = SubmitField("Add user")


class EditUserForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active")
    submit = SubmitField("Save")


class SettingsForm(FlaskForm):
    name = StringField("Pharmacy name", validators=[Length(max=200)])
    address = StringField("Address", validators=[Length(max=300)])
    phone = StringField("Phone", validators=[Length(max=40)])
    allow_self_verification = BooleanField(
        "A pharmacist may verify orders they entered themselves (single-pharmacist stores)"
    )
    submit = SubmitField("Save settings")
