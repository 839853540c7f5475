"""`flask --app lms users ...`: the same service functions the admin pages call."""

import click
from flask.cli import AppGroup

from lms.accounts import service
from lms.accounts.models import Role
from lms.errors import ServiceError
from lms.transaction import transactional

users_cli = AppGroup("users", help="Create, import, and manage user accounts.")


def _user(email: str):
    user = service.get_by_email(email)
    if user is None:
        raise ServiceError(f"no user with the email {email}")
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
@transactional
def create(email, name, role, team, manager_email, mentor_email, start_date, password):
    """Create a user account."""
    user = service.create_user(
        email=email, name=name, password=password, role=role, team=team,
        manager_email=manager_email, mentor_email=mentor_email,
        start_date=start_date.date() if start_date else None,
    )  # fmt: skip
    click.echo(f"Created {user.email} ({user.role.value}).")


@users_cli.command("set-role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@transactional
def set_role(email: str, role: str):
    """Change a user's role."""
    user = _user(email)
    service.set_role(user, role)
    click.echo(f"{user.email} is now {role}.")


@users_cli.command("deactivate")
@click.argument("email")
@transactional
def deactivate(email: str):
    """Deactivate a user so they can no longer sign in."""
    user = _user(email)
    service.set_active(user, False)
    click.echo(f"{user.email} is deactivated.")


@users_cli.command("delete")
@click.argument("email")
@transactional
def delete(email: str):
    """Delete an account that holds no training records (otherwise deactivate it)."""
    user = _user(email)
    service.delete_user(user)
    click.echo(f"Deleted {email}.")
