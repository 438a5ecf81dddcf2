"""Sign-in and sign-out, the user's own page, and the admin's users and settings pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..extensions import db
from .auth import require
from .forms import (
    ChangePasswordForm,
    EditUserForm,
    NewTokenForm,
    NewUserForm,
    SettingsForm,
    SignInForm,
)
from .models import Permission, Role, User
from .services import (
    AccountError,
    authenticate,
    change_role_or_activity,
    create_user,
    issue_token,
    pharmacy_settings,
    revoke_token,
    set_password,
)

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data or "", form.password.data or "")
        if user is not None:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append("Wrong username or password, or the account is inactive.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> str | Response:
    password_form = ChangePasswordForm(prefix="pw")
    token_form = NewTokenForm(prefix="tok")
    new_token = None
    if password_form.submit.data and password_form.validate_on_submit():
        if authenticate(current_user.username, password_form.current.data or "") is None:
            password_form.current.errors.append("That is not your current password.")
        else:
            set_password(current_user, password_form.new.data or "")
            db.session.commit()
            login_user(current_user)  # keep this session; the others end
            flash("Password changed. Other sessions are signed out.")
            return redirect(url_for("accounts.account"))
    if token_form.submit.data and token_form.validate_on_submit():
        new_token = issue_token(current_user, token_form.label.data or "")
        db.session.commit()
    return render_template(
        "accounts/account.html",
        password_form=password_form,
        token_form=token_form,
        new_token=new_token,
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    try:
        revoke_token(current_user, token_id)
        db.session.commit()
        flash("Token revoked.")
    except AccountError as exc:
        flash(str(exc), "error")
    return redirect(url_for("accounts.account"))


@bp.route("/admin/users", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def users() -> str | Response:
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            create_user(
                form.username.data or "",
                form.full_name.data or "",
                Role(form.role.data),
                form.password.data or "",
            )
            db.session.commit()
            flash(f"User {form.username.data} added.")
            return redirect(url_for("accounts.users"))
        except AccountError as exc:
            db.session.rollback()
            form.username.errors.append(str(exc))
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.username)).all()
    edit_forms = {
        u.id: EditUserForm(prefix=f"u{u.id}", role=u.role, active=u.active) for u in people
    }
    return render_template("accounts/users.html", form=form, people=people, edit_forms=edit_forms)


@bp.post("/admin/users/<int:user_id>")
@require(Permission.ADMINISTER)
def edit_user(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = EditUserForm(prefix=f"u{user_id}")
    if form.validate_on_submit():
        try:
            change_role_or_activity(user, Role(form.role.data), bool(form.active.data))
            db.session.commit()
            flash(f"{user.username}: {user.role_label}, {'active' if user.active else 'inactive'}.")
        except AccountError as exc:
            db.session.rollback()
            flash(str(exc), "error")
    else:
        flash(
            "The change was not saved: "
            + "; ".join(e for errors in form.errors.values() for e in errors),
            "error",
        )
    return redirect(url_for("accounts.users"))


@bp.route("/admin/settings", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def settings() -> str | Response:
    current = pharmacy_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        form.populate_obj(current)
        db.session.commit()
        flash("Settings saved.")
        return redirect(url_for("accounts.settings"))
    return render_template("accounts/settings.html", form=form)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme or host) may follow sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("orders.home")
