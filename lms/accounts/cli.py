"""`flask --app lms users ...`: the same service functions the admin pages call."""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from lms import catalog
from lms.accounts import service
from lms.accounts.models import Role
from lms.errors import ServiceError
from lms.extensions import db

users_cli = AppGroup("users", help="Create, import, and manage user accounts.")


def _fail(message: str) -> None:
    db.session.rollback()
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def _user(email: str):
    user = service.get_by_email(email)
    if user is None:
        _fail(f"no user with the email {email}")
    return user


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), default="learner")
@click.option("--team", default=None)
@click.option("--manager", "manager_email", default=None, help="Manager's email.")
@click.option("--mentor", "mentor_email", default=None, help="Mentor's email.")
@click.option("--start-date", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(email, name, role, team, manager_email, mentor_email, start_date, password):
    """Create a user account."""
    try:
        user = service.create_user(
            email=email, name=name, password=password, role=role, team=team,
            manager_email=manager_email, mentor_email=mentor_email,
            start_date=start_date.date() if start_date else None,
        )  # fmt: skip
        db.session.commit()
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the preview and write nothing.")
def import_roster(csv_file: Path, dry_run: bool):
    """Import a roster CSV (email,name,role,team,manager_email,mentor_email,start_date[,track])."""
    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        _fail(f"{csv_file} is not UTF-8 text")
    preview = service.preview_roster(text, track_ids=catalog.weekly_track_ids())
    for message in preview.file_errors:
        click.echo(f"{csv_file}: {message}", err=True)
    for row in preview.rows:
        for message in row.errors:
            click.echo(f"{csv_file}:{row.number}: {message}", err=True)
    if not preview.ok:
        _fail(f"{preview.error_count} error(s); nothing was imported")
    summary = ", ".join(f"{preview.count(a)} {a}" for a in ("create", "update", "unchanged"))
    if dry_run:
        click.echo(f"Dry run: would {summary}.")
        return
    try:
        service.apply_roster(preview)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"Imported: {summary}.")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def set_role(email: str, role: str):
    """Change a user's role."""
    user = _user(email)
    try:
        service.set_role(user, role)
        db.session.commit()
    except ServiceError as exc:
        _fail(exc.message)
    click.echo(f"{user.email} is now {role}.")


@users_cli.command("deactivate")
@click.argument("email")
def deactivate(email: str):
    """Deactivate a user so they can no longer sign in."""
    user = _user(email)
    service.set_active(user, False)
    db.session.commit()
    click.echo(f"{user.email} is deactivated.")
