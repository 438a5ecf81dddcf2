"""Sign-in and sign-out, the user's own page, and the admin's users (with each user's tokens,
sign-in pause and account log) and settings pages."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import login_user, logout_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from ..extensions import db
from ..idempotency.forms import claim
from ..settings import settings as app_settings
from ..views import act, at_field, commit_or_refuse, form_errors, go
from .auth import SIGNED_IN_AT, acting_user, require
from .forms import (
    ChangePasswordForm,
    EditUserForm,
    NewTokenForm,
    NewUserForm,
    ResetPasswordForm,
    SettingsForm,
    SignInForm,
)
from .models import Permission, Role, User
from .services import (
    CONFIGURED_DETAILS,
    account_events,
    check_own_password,
    counted,
    create_user,
    issue_token,
    pharmacy_settings,
    reset_password,
    revoke_token,
    save_settings,
    set_password,
    sign_in,
    unlock,
    unlocked_message,
    update_user,
)
from .throttle import TooManyAttempts, client_address, recent_failures, username_pause

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    form = SignInForm()
    if form.validate_on_submit():
        try:
            user = sign_in(
                form.username.data or "",
                form.password.data or "",
                client_address(request.remote_addr),
            )
        except TooManyAttempts as exc:
            form.password.errors.append(str(exc))
        else:
            if user is not None:
                _start_session(user)
                if user.must_change_password:  # the account page says why
                    return redirect(url_for("accounts.account"))
                return redirect(_safe_next(request.args.get("next")))
            form.password.errors.append("Wrong username or password, or the account is inactive.")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
def logout() -> Response:
    # Every session of the user ends, copies of this cookie included: the cookie itself
    # cannot be taken back, so the token it carries is replaced.
    user = acting_user()
    user.end_sessions()
    db.session.commit()
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("accounts.login"))


@bp.route("/account", methods=["GET", "POST"])
def account() -> str | Response:
    user = acting_user()
    password_form = ChangePasswordForm(prefix="pw", user=user)
    token_form = NewTokenForm(prefix="tok")
    new_token = None
    if password_form.submit.data and password_form.validate_on_submit():
        try:
            right = check_own_password(
                user, password_form.current.data or "", client_address(request.remote_addr)
            )
        except TooManyAttempts as exc:
            password_form.current.errors.append(str(exc))
        else:
            if not right:
                password_form.current.errors.append("That is not your current password.")
            else:
                revoked = set_password(
                    user,
                    password_form.new.data or "",
                    revoke_tokens=bool(password_form.revoke_tokens.data),
                    by=user,
                )
                db.session.commit()
                _start_session(user)  # keep this session; the others end
                flash(f"Password changed. Other sessions are signed out.{_revoked(revoked)}")
                return redirect(url_for("accounts.account"))
    if token_form.submit.data and token_form.validate_on_submit():
        new_token = issue_token(user, token_form.label.data or "")
        db.session.commit()
    return render_template(
        "accounts/account.html",
        password_form=password_form,
        token_form=token_form,
        new_token=new_token,
    )


@bp.post("/account/tokens/<int:token_id>/revoke")
def revoke(token_id: int) -> Response:
    return act(
        lambda: revoke_token(acting_user(), token_id, by=acting_user()),
        "Token revoked.",
        url_for("accounts.account"),
    )


@bp.route("/admin/users", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def users() -> str | Response:
    form = NewUserForm()
    if form.validate_on_submit():

        def add() -> None:
            submission = claim(form.once_token.data, "user")
            create_user(
                form.username.data or "",
                form.full_name.data or "",
                Role(form.role.data),
                form.password.data or "",
            )
            submission.saved(url_for("accounts.users"))

        return commit_or_refuse(
            add,
            lambda _: go(url_for("accounts.users"), f"User {form.username.data} added."),
            at_field(form, lambda: _users_page(form), otherwise="username"),
        )
    return _users_page(form)


def _users_page(form: NewUserForm) -> str:
    people = db.session.scalars(select(User).order_by(User.active.desc(), User.username)).all()
    edit_forms = {
        u.id: EditUserForm(
            prefix=f"u{u.id}", formdata=None, full_name=u.full_name, role=u.role, active=u.active
        )
        for u in people
    }
    reset_forms = {
        u.id: ResetPasswordForm(prefix=f"pw{u.id}", formdata=None, user=u) for u in people
    }
    return render_template(
        "accounts/users.html",
        form=form,
        people=people,
        edit_forms=edit_forms,
        reset_forms=reset_forms,
    )


@bp.post("/admin/users/<int:user_id>")
@require(Permission.ADMINISTER)
def edit_user(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = EditUserForm(prefix=f"u{user_id}")

    def change() -> str:
        update_user(user, form.full_name.data or "", Role(form.role.data), bool(form.active.data))
        status = "active" if user.active else "inactive"
        return f"{user.username} ({user.full_name}): {user.role.label}, {status}."

    return _change_user(form, change)


@bp.post("/admin/users/<int:user_id>/password")
@require(Permission.ADMINISTER)
def reset_user_password(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    form = ResetPasswordForm(prefix=f"pw{user_id}", user=user)

    def change() -> str:
        revoked = reset_password(user, form.password.data or "", by=acting_user())
        return (
            f"Temporary password set for {user.username}: they choose their own when they "
            f"next sign in. Their sessions are signed out.{_revoked(revoked)}"
        )

    return _change_user(form, change)


@bp.get("/admin/users/<int:user_id>")
@require(Permission.ADMINISTER)
def user_page(user_id: int) -> str:
    """One user: their API tokens (never the secret), a sign-in pause and the account log."""
    user = db.get_or_404(User, user_id)
    return render_template(
        "accounts/user.html",
        person=user,
        pause=username_pause(user.username),
        failures=recent_failures(user.username),
        events=account_events(user),
    )


@bp.post("/admin/users/<int:user_id>/tokens/<int:token_id>/revoke")
@require(Permission.ADMINISTER)
def revoke_user_token(user_id: int, token_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    return act(
        lambda: revoke_token(user, token_id, by=acting_user()),
        lambda token: f"Token {token.label} ({token.prefix}…) of {user.username} revoked.",
        url_for("accounts.user_page", user_id=user.id),
    )


@bp.post("/admin/users/<int:user_id>/unlock")
@require(Permission.ADMINISTER)
def unlock_user(user_id: int) -> Response:
    user = db.get_or_404(User, user_id)
    forgotten = unlock(user, by=acting_user())
    db.session.commit()
    flash(unlocked_message(user, forgotten))
    return redirect(url_for("accounts.user_page", user_id=user.id))


@bp.route("/admin/settings", methods=["GET", "POST"])
@require(Permission.ADMINISTER)
def settings() -> str | Response:
    current = pharmacy_settings()
    form = SettingsForm(obj=current)
    if form.validate_on_submit():
        save_settings(current, form.data)
        db.session.commit()
        flash("Settings saved.")
        return redirect(url_for("accounts.settings"))
    for name, variable in CONFIGURED_DETAILS.items():
        configured = app_settings().value_of(variable)
        form[name].render_kw = {"placeholder": configured}
        form[
            name
        ].description = f"Leave empty to use the server's setting ({variable}): {configured}"
    return render_template("accounts/settings.html", form=form)


def _start_session(user: User) -> None:
    """Sign the user in on this browser for one session lifetime from now."""
    login_user(user)
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())


def _change_user(form: EditUserForm | ResetPasswordForm, change: Callable[[], str]) -> Response:
    """An admin's change to one user from a row of the users page: validate the row's form,
    make the change (which says what it did), and go back to the page with the outcome."""
    if not form.validate_on_submit():
        flash(f"The change was not saved: {form_errors(form)}", "error")
        return go(url_for("accounts.users"))
    return act(change, lambda message: message, url_for("accounts.users"))


def _revoked(count: int) -> str:
    if not count:
        return ""
    return f" {counted(count, 'API token')} {'was' if count == 1 else 'were'} revoked."


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme or host) may follow sign-in."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("orders.home")
