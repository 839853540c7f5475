"""`flask --app lms users import FILE.csv`: the roster import from the command line."""

import sys
from pathlib import Path

import click

from lms.catalog import current_catalog, weekly_track_ids
from lms.notifications import mail
from lms.roster import service
from lms.transaction import transactional


@click.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the preview and write nothing.")
@click.option("--invite", is_flag=True, help="Email each new person an invitation link.")
def import_roster(csv_file: Path, dry_run: bool, invite: bool):
    """Import a roster CSV (email,name,role,team,manager_email,mentor_email,start_date[,track])."""
    invited = _import(csv_file, dry_run, invite)
    if invited:
        mail.deliver_now(invited)
        click.echo(f"Invited {len(invited)} new people (see the outbox if mail is not configured).")


@transactional
def _import(csv_file: Path, dry_run: bool, invite: bool) -> list[int]:
    """Check and write the roster in one unit of work; return the queued invitations."""
    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        click.echo(f"Error: {csv_file} is not UTF-8 text", err=True)
        sys.exit(1)
    preview = service.preview_roster(text, track_ids=weekly_track_ids())
    for message in preview.file_errors:
        click.echo(f"{csv_file}: {message}", err=True)
    for row in preview.rows:
        for message in row.errors:
            click.echo(f"{csv_file}:{row.number}: {message}", err=True)
    if not preview.ok:
        click.echo(f"Error: {preview.error_count} error(s); nothing was imported", err=True)
        sys.exit(1)
    summary = ", ".join(f"{preview.count(a)} {a}" for a in ("create", "update", "unchanged"))
    if dry_run:
        click.echo(f"Dry run: would {summary}.")
        return []
    service.apply_roster(preview, current_catalog())
    click.echo(f"Imported: {summary}.")
    return service.invite_new_people(preview) if invite else []
