"""`flask --app lms onboarding ...`: assign tracks from the command line."""

import click
from flask.cli import AppGroup

from lms.catalog import current_catalog
from lms.onboarding import service
from lms.transaction import transactional

onboarding_cli = AppGroup(
    "onboarding", help="Onboarding plans: assign tracks to people, count plans again."
)


@onboarding_cli.command("assign")
@click.argument("email")
@click.argument("track")
@click.option("--start", "start", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day of week 1 (YYYY-MM-DD).")  # fmt: skip
@transactional
def assign(email: str, track: str, start):
    """Assign TRACK (an id from curriculum.yml) to the person with EMAIL from --start."""
    person = service.assign_track_by_email(email, track, start.date(), current_catalog())
    click.echo(f"Assigned {track} to {person.email} from {start.date()}.")


@onboarding_cli.command("refresh")
@transactional
def refresh():
    """Count every onboarding plan again and store the counts (after new content is deployed:
    until then, plans counted against the old content are counted afresh on every read)."""
    stored = service.refresh_all_progress(current_catalog())
    click.echo(f"Counted {stored} plan{'' if stored == 1 else 's'}.")
