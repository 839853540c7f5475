"""`flask --app lms onboarding ...`: assign tracks from the command line."""

import sys

import click
from flask.cli import AppGroup

from lms import catalog as content
from lms.accounts import service as accounts
from lms.errors import ServiceError
from lms.extensions import db
from lms.onboarding import service

onboarding_cli = AppGroup("onboarding", help="Onboarding plans: assign tracks to people.")


@onboarding_cli.command("assign")
@click.argument("email")
@click.argument("track")
@click.option("--start", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day of week 1 (YYYY-MM-DD).")  # fmt: skip
def assign(email: str, track: str, start):
    """Assign TRACK (an id from curriculum.yml) to the person with EMAIL from --start."""
    person = accounts.get_by_email(email)
    try:
        if person is None:
            raise ServiceError(f"no user with the email {email}")
        service.assign_track(person, track, start.date(), content.catalog())
        db.session.commit()
    except ServiceError as exc:
        db.session.rollback()
        click.echo(f"Error: {exc.message}", err=True)
        sys.exit(1)
    click.echo(f"Assigned {track} to {person.email} from {start.date()}.")
