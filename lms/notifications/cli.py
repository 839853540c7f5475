"""`flask --app lms notify ...`: the daily reminders, run by cron or a systemd timer."""

import click
from flask.cli import AppGroup

from lms.catalog import current_catalog
from lms.notifications import digest, mail
from lms.timeutil import today
from lms.transaction import unit_of_work

notify_cli = AppGroup("notify", help="Reminder emails: the daily digest and the outbox.")


@notify_cli.command("run")
def run():
    """Queue today's digests, then send everything waiting in the outbox (safe to rerun).

    Two steps, each its own unit of work: the digests and their log entries commit
    together, so a crash cannot leave a digest logged but never queued; then every
    message is sent and marked on its own, so one failure never resends the others.
    """
    with unit_of_work():
        result = digest.queue_digests(current_catalog(), today())
    sent, failed = mail.deliver_waiting()
    click.echo(
        f"{result.people} people checked, {result.digests} digest(s) queued "
        f"({result.skipped_opted_out} turned off); {sent} message(s) sent, {failed} failed."
    )
    if failed:
        click.echo("Failed messages stay in the outbox and are retried on the next run.", err=True)
