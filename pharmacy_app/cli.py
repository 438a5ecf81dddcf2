"""The `flask --app pharmacy_app` commands: database, demo data, checking and storing orders."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate import upgrade
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from .accounts.models import Permission, Role, User
from .accounts.services import (
    AccountError,
    clean_full_name,
    clean_username,
    counted,
    create_user,
    issue_token,
    revoke_all_tokens,
    revoke_token,
    set_password,
    unlock,
    unlock_address,
    unlocked_message,
)
from .accounts.throttle import address_pauses
from .checks import DocumentError, Severity, Verdict, parse_order_document
from .extensions import db
from .orders.models import Order
from .orders.services import check_document, create_order, current_policy
from .timeutil import pharmacy_time, pharmacy_today

# Exit status of `check`: the verdict, or a malformed document.
EXIT_CODES = {Verdict.PASS: 0, Verdict.WARN: 1, Verdict.BLOCK: 2}
EXIT_MALFORMED = 3
F = TypeVar("F", bound=Callable[..., Any])


def register_cli(app: Flask) -> None:
    app.cli.add_command(init_db)
    app.cli.add_command(seed_demo)
    app.cli.add_command(check)
    app.cli.add_command(create_order_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(create_token_command)
    app.cli.add_command(set_password_command)
    app.cli.add_command(list_tokens_command)
    app.cli.add_command(revoke_token_command)
    app.cli.add_command(unlock_user_command)
    app.cli.add_command(unlock_address_command)


def with_database(command: F) -> F:
    """with_appcontext, and a database that answers: a file that is not a database or a
    server that cannot be reached is one line of error and exit status 1, not a traceback."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            db.session.execute(text("SELECT 1"))
        except DBAPIError as exc:
            db.session.rollback()
            where = db.engine.url.render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise click.ClickException(f"Cannot use the database {where}: {reason}") from exc
        return command(*args, **kwargs)

    return with_appcontext(run)  # type: ignore[return-value]


@click.command("create-user")
@with_database
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.TECHNICIAN.value,
    show_default=True,
)
@click.option("--name", "full_name", default="", help="Full name (defaults to the username).")
@click.password_option("--password", prompt="Password", help="Prompted for when not given.")
def create_user_command(username: str, role: str, full_name: str, password: str) -> None:
    """Create a user: the first admin, or anyone else."""
    for what, value, check in (
        ("Username", username, clean_username),
        ("--name", full_name, clean_full_name),
    ):
        try:
            check(value or username)  # the name defaults to the username
        except AccountError as exc:
            raise click.ClickException(f"{what}: {exc}") from exc
    try:
        user = create_user(username, full_name, Role(role), password)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.username} ({user.role.label}).")


@click.command("set-password")
@with_database
@click.argument("username")
@click.password_option("--password", prompt="New password", help="Prompted for when not given.")
@click.option(
    "--revoke-tokens/--keep-tokens",
    default=True,
    show_default=True,
    help="Revoke the user's API tokens too.",
)
def set_password_command(username: str, password: str, revoke_tokens: bool) -> None:
    """Set a user's password (for a forgotten one, or the demo users after the first run);
    it also lifts a sign-in pause on the username."""
    user = _user(username)
    try:
        revoked = set_password(user, password, revoke_tokens=revoke_tokens, by=None)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Password set for {user.username}; their other sessions are signed out"
        f" and {counted(revoked, 'API token')} revoked."
    )


@click.command("list-tokens")
@with_database
@click.argument("username")
def list_tokens_command(username: str) -> None:
    """List a user's API tokens: id, what for, how it starts, created, revoked (never the
    token itself, which is not kept)."""
    user = _user(username, active=False)
    if not user.tokens:
        click.echo(f"{user.username} has no API tokens.")
    for token in user.tokens:
        state = (
            f"revoked {pharmacy_time(token.revoked_at):%Y-%m-%d %H:%M}"
            if token.revoked_at
            else "live"
        )
        click.echo(
            f"{token.id:>5}  {token.prefix}…  created "
            f"{pharmacy_time(token.created_at):%Y-%m-%d %H:%M}  {state}  {token.label}"
        )


@click.command("revoke-token")
@with_database
@click.argument("username")
@click.argument("token_id", type=click.IntRange(min=1), required=False)
@click.option("--all", "revoke_all", is_flag=True, help="Revoke every live token of the user.")
def revoke_token_command(username: str, token_id: int | None, revoke_all: bool) -> None:
    """Revoke one of a user's API tokens (its id from list-tokens), or --all of them; each is
    recorded in the user's account log."""
    if (token_id is None) == (not revoke_all):
        raise click.UsageError("Give a token id (see list-tokens) or --all, not both.")
    user = _user(username, active=False)
    try:
        if revoke_all:
            count = revoke_all_tokens(user, by=None)
            message = f"Revoked {counted(count, 'API token')} of {user.username}."
        else:
            assert token_id is not None
            token = revoke_token(user, token_id, by=None)
            message = f"Revoked {token.label} ({token.prefix}…) of {user.username}."
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(f"{exc} (see list-tokens {user.username})") from exc
    click.echo(message)


@click.command("unlock-user")
@with_database
@click.argument("username")
def unlock_user_command(username: str) -> None:
    """Lift a sign-in pause on a username after too many wrong passwords (recorded in the
    user's account log); to sign in as an admin when every admin is paused."""
    user = _user(username)
    forgotten = unlock(user, by=None)
    db.session.commit()
    click.echo(unlocked_message(user, forgotten))


@click.command("unlock-address")
@with_database
@click.argument("address")
def unlock_address_command(address: str) -> None:
    """Lift a sign-in pause on a client network address after too many wrong passwords from
    it (recorded in the app's log); the wrong passwords still count for their usernames."""
    lifted = unlock_address(address, by=None)
    if not lifted:
        db.session.rollback()
        paused = ", ".join(pause.address for pause in address_pauses()) or "none"
        raise click.ClickException(
            f"No wrong passwords from {address} are counted, so nothing was lifted "
            f"(addresses paused now: {paused})."
        )
    db.session.commit()
    click.echo(
        f"Sign-ins from {address} are no longer paused "
        f"({counted(lifted, 'wrong password')} no longer counted for the address)."
    )


@click.command("create-token")
@with_database
@click.argument("username")
@click.option("--label", default="API token", show_default=True, help="What it is for.")
def create_token_command(username: str, label: str) -> None:
    """Create an API token for a user; it is printed once and only its hash is kept."""
    user = _user(username)
    try:
        token = issue_token(user, label)
        db.session.commit()
    except AccountError as exc:
        db.session.rollback()
        raise click.ClickException(f"--label: {exc}") from exc
    click.echo(token)


@click.command("init-db")
@with_database
def init_db() -> None:
    """Create the database or upgrade it to the latest schema (Alembic)."""
    upgrade()
    click.echo("Database is at the latest schema.")


@click.command("seed-demo")
@with_database
@click.option(
    "--orders",
    "order_count",
    default=120,
    show_default=True,
    type=click.IntRange(min=0),
    help="Orders to create.",
)
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
@click.option(
    "--force",
    is_flag=True,
    help="Add demo data even if the database has orders (not once the demo catalogue is in).",
)
def seed_demo(order_count: int, seed: int, force: bool) -> None:
    """Load realistic demo data: the compounding catalogue, prescribers, patients and orders
    over the last 6 months.

    Does nothing when orders already exist, unless --force is given."""
    from .demo import store_demo_orders

    existing = db.session.scalar(select(func.count()).select_from(Order)) or 0
    if existing and not force:
        click.echo(
            f"The database already has {existing} orders; demo data not loaded "
            "(use --force to add more). To sign in as a demo user, set a password: "
            "flask --app pharmacy_app set-password priya"
        )
        return
    if _demo_catalogue_loaded():
        raise click.ClickException(
            "The demo catalogue (ingredients, lots, formulas) is already in this database, "
            "and the demo data cannot be loaded twice: use a new database for more demo orders."
        )
    try:
        passwords = store_demo_orders(order_count, seed=seed, policy=current_policy())
    except IntegrityError as exc:
        raise click.ClickException(
            f"The demo data clashes with what is in the database; nothing was loaded "
            f"({str(exc.orig).strip().splitlines()[0]})."
        ) from exc
    click.echo(f"Loaded {order_count} demo orders.")
    if passwords:
        click.echo("Demo users (passwords made for this database; change them on /account):")
        for username, password in passwords.items():
            click.echo(f"  {username:8} {password}")


@click.command("check")
@with_appcontext
@click.argument("path", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def check(path: Path, as_json: bool) -> None:
    """Check an order document from a JSON file (or - for standard input).

    Exit status: 0 pass, 1 warn, 2 block, 3 malformed."""
    document = _read_document(path)
    result = check_document(document, today=pharmacy_today())
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2))
    else:
        click.echo(f"Verdict: {result.verdict.upper()}")
        if result.dose.mg_per_day is not None:
            click.echo(
                f"Dose: {result.dose.mg_per_dose} mg per dose, {result.dose.mg_per_day} mg a day"
            )
        for finding in result.findings:
            colour = {Severity.BLOCK: "red", Severity.WARN: "yellow"}.get(finding.severity)
            click.secho(
                f"  {finding.severity.label.upper():5} {finding.code}  [{finding.field}]",
                fg=colour,
                bold=finding.severity is Severity.BLOCK,
            )
            click.echo(f"        {finding.message}")
    sys.exit(EXIT_CODES[result.verdict])


@click.command("create-order")
@with_database
@click.argument("path", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--user", "username", required=True, help="Who is entering the order.")
def create_order_command(path: Path, username: str) -> None:
    """Store an order from a JSON order document; prints its Rx number and verdict."""
    user = _user(username)
    if not user.can(Permission.ENTER):
        raise click.ClickException(f"{username} may not enter orders.")
    document = _read_document(path)
    try:
        order = create_order(document, policy=current_policy(), entered_by=user)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Stored {order.rx_number} (id {order.id}): verdict {order.verdict}")


def _demo_catalogue_loaded() -> bool:
    from .compounding.models import Ingredient
    from .demo.compounding import INGREDIENTS

    names = [spec["name"] for spec in INGREDIENTS]
    return (
        db.session.scalars(select(Ingredient.id).where(Ingredient.name.in_(names))).first()
        is not None
    )


def _user(username: str, *, active: bool = True) -> User:
    """The user by username (an active one unless `active` is False), or a one-line error."""
    user = db.session.scalars(select(User).where(User.username == username.strip().lower())).first()
    if user is None or (active and not user.active):
        raise click.ClickException(f"No {'active ' if active else ''}user {username}.")
    return user


def _read_document(path: Path) -> Any:
    """Parse the file into an OrderDocument, or print why not and exit with status 3."""
    try:
        text = sys.stdin.read() if str(path) == "-" else path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        _malformed({"": [f"Cannot read {path}: {exc}"]})
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        _malformed({"": [f"{path} is not valid JSON: {exc}"]})
    try:
        return parse_order_document(data, today=pharmacy_today())
    except DocumentError as exc:
        _malformed(exc.errors)


def _malformed(errors: dict[str, list[str]]) -> None:
    click.secho("Malformed order document:", fg="red", err=True)
    for field, messages in errors.items():
        for message in messages:
            click.echo(f"  {field or '(document)'}: {message}", err=True)
    sys.exit(EXIT_MALFORMED)
