"""`flask --app lms certifications ...`: status, issue, revoke, recompute."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from lms.accounts import service as accounts
from lms.accounts.models import User
from lms.catalog import current_catalog
from lms.certification import service
from lms.errors import ServiceError
from lms.extensions import db
from lms.timeutil import today
from lms.transaction import transactional

certifications_cli = AppGroup(
    "certifications", help="Certifications: checklists, issue, revoke, recompute."
)


def _person(email: str) -> User:
    person = accounts.get_by_email(email)
    if person is None:
        raise ServiceError(f"no user with the email {email}")
    return person


@certifications_cli.command("status")
@click.argument("email")
def status(email: str):
    """Print EMAIL's checklist for every certification."""
    person = _person_or_exit(email)
    catalog = current_catalog()
    by_cert = service.statuses([person], catalog, today())[person.id]
    for certification in catalog.curriculum.certifications:
        result = by_cert[certification.id]
        line = f"{certification.title} ({certification.id}): {result.state.replace('_', ' ')}"
        if result.current is not None:
            line += f", certificate {result.current.code} expires {result.current.expires_on}"
        click.echo(line)
        heading = "renewal requirements" if result.renewing else "requirements"
        click.echo(f"  {result.met} of {result.total} {heading} met")
        for requirement in result.requirements:
            mark = "x" if requirement.met else " "
            note = f" ({requirement.note})" if requirement.note else ""
            click.echo(f"  [{mark}] {requirement.label}: {requirement.progress}{note}")


def _person_or_exit(email: str) -> User:
    try:
        return _person(email)
    except ServiceError as exc:
        raise click.ClickException(exc.message) from None


@certifications_cli.command("issue")
@click.argument("email")
@click.argument("certification_id")
@click.option("--note", default="", help="A note on the certificate.")
@transactional
def issue(email: str, certification_id: str, note: str):
    """Issue CERTIFICATION_ID to EMAIL (every requirement must be met)."""
    certificate = service.issue_by_trainer(
        _person(email), certification_id, current_catalog(), today(), actor=None, note=note
    )
    click.echo(
        f"Issued {certificate.title} to {email}: code {certificate.code}, "
        f"valid until {certificate.expires_on}."
    )


@certifications_cli.command("revoke")
@click.argument("code")
@click.option("--reason", required=True, help="Why the certificate is revoked.")
@transactional
def revoke(code: str, reason: str):
    """Revoke the certificate with this verification CODE."""
    certificate = service.revoke(code, reason, current_catalog(), today(), actor=None)
    click.echo(f"Revoked {certificate.title} (cycle {certificate.cycle}, code {certificate.code}).")


@certifications_cli.command("recompute")
@click.argument("email", required=False)
@transactional
def recompute(email: str | None):
    """Re-evaluate EMAIL (default: everyone active) after a content change or a new day.

    Issues what is now due and keeps every person's progress current; it never
    withdraws a certificate already issued. Run it daily (tenure and expiry move with
    the calendar, not with events). Re-evaluating everyone also counts the certification
    report's pipeline afresh.
    """
    catalog = current_catalog()
    if email:
        people = [_person(email)]
    else:
        people = list(db.session.scalars(select(User).where(User.active.is_(True))))
    issued = []
    for start in range(0, len(people), service.CHUNK):
        issued += service.refresh(people[start : start + service.CHUNK], catalog, today())
    if not email:
        service.recount_pipeline()
    click.echo(f"Re-evaluated {len(people)} person(s); issued {len(issued)} certificate(s).")
