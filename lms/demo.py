"""Demo accounts so a newcomer can sign in as each role; never in production."""

import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lms.accounts import service
from lms.accounts.models import Role
from lms.extensions import db
from lms.timeutil import today

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # email, name, role, team, mentor
    ("admin@example.com", "Ada Admin", Role.ADMIN, "Platform", None),
    ("trainer@example.com", "Tomas Trainer", Role.TRAINER, "Training", None),
    ("mentor@example.com", "Mira Mentor", Role.MENTOR, "SRE", None),
    ("engineer@example.com", "Eli Engineer", Role.LEARNER, "SRE", "mentor@example.com"),
    ("newhire@example.com", "Nia Newhire", Role.LEARNER, "SRE", "mentor@example.com"),
]

demo_cli = AppGroup("demo", help="Demo data for trying the platform (refused in production).")


def seed_demo() -> list[str]:
    """Create the demo accounts if missing and reset their demo fields; return the emails."""
    start = today() - timedelta(days=today().weekday())
    for email, name, role, team, mentor_email in DEMO_USERS:
        user = service.get_by_email(email)
        if user is None:
            user = service.create_user(
                email=email, name=name, password=DEMO_PASSWORD, role=role, team=team
            )
        mentor = service.get_by_email(mentor_email) if mentor_email else None
        user.mentor_id = mentor.id if mentor else None
        if email == "newhire@example.com":
            user.start_date = start
        elif email == "engineer@example.com":
            user.start_date = start - timedelta(weeks=14)
    db.session.flush()
    for hook in current_app.extensions.get("lms_demo_hooks", []):
        hook()
    return [email for email, *_ in DEMO_USERS]


@demo_cli.command("seed")
def seed():
    """Create the demo accounts (password demo-pass-2026); safe to run again."""
    if current_app.config["ENV_NAME"] == "production":
        click.echo("Error: refusing to seed demo accounts in production.", err=True)
        sys.exit(1)
    emails = seed_demo()
    db.session.commit()
    click.echo(f"Demo accounts ready ({DEMO_PASSWORD}): {', '.join(emails)}")
