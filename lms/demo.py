"""Demo accounts so a newcomer can sign in as each role; never in production."""

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lms.accounts import service
from lms.accounts.models import Role
from lms.catalog import current_catalog
from lms.errors import ServiceError
from lms.extensions import db
from lms.learning import service as learning
from lms.onboarding import service as onboarding
from lms.practice import service as practice
from lms.timeutil import today
from lms.transaction import transactional

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
    _seed_plans(start)
    return [email for email, *_ in DEMO_USERS]


def _seed_plans(monday: date) -> None:
    """The new hire starts this week; the engineer is in week 3 of the SRE track.

    Both plans then have items done, due and (for the engineer) overdue.
    """
    catalog = current_catalog()
    newhire = service.get_by_email("newhire@example.com")
    engineer = service.get_by_email("engineer@example.com")
    onboarding.assign_track(newhire, "new-hire", monday, catalog)
    onboarding.assign_track(engineer, "sre", monday - timedelta(weeks=2), catalog)
    for key in ("task:get-access", "task:meet-mentor"):
        onboarding.set_item_done(newhire, "new-hire", key, catalog, True)
    read = ("training-materials", "production-operations-runbook", "metrics-interpretation-guide")
    for doc_id in read:
        learning.set_document_read(engineer, catalog, doc_id, True)
    for module_id in ("production-system-architecture", "daily-operations"):
        for section in catalog.modules[module_id].sections:
            learning.set_section_read(engineer, catalog, module_id, section.slug, True)
    _seed_practice(engineer)


def right_answers(lab) -> dict:
    """Answers that pass every machine check of a lab (and a written answer for the rest)."""
    answers = {}
    for checkpoint in lab.checkpoints:
        if checkpoint.type == "choice":
            answers[checkpoint.id] = checkpoint.answer
        elif checkpoint.type == "number":
            answers[checkpoint.id] = f"{checkpoint.answer:g}"
        elif checkpoint.type == "pattern":
            answers[checkpoint.id] = checkpoint.example
        else:
            answers[checkpoint.id] = "My write-up: what I did, what I saw, and what I concluded."
    return answers


def _demo_submission(learner, lab, trainer=None, *, approve=None) -> None:
    """Submit the lab with right answers; a trainer then approves or returns it if asked."""
    if practice.submissions_of(learner.id, lab.id):
        return
    draft = practice.start_lab(learner, lab)
    draft.answers = right_answers(lab)
    practice.submit(draft)
    if approve is None or trainer is None:
        return
    scores = {
        c.id: [{"points": r.points if approve else 0, "comment": ""} for r in c.rubric]
        for c in lab.checkpoints
        if c.type == "review"
    }
    feedback = "" if approve else "Show the dependency diagram itself, not only the list."
    practice.decide(draft, trainer, scores, feedback, approve)


def _seed_practice(engineer) -> None:
    """The engineer: a lab passed, one waiting for review, one returned; five deployments
    verified by the mentor and two waiting for the mentor."""
    catalog = current_catalog()
    trainer = service.get_by_email("trainer@example.com")
    mentor = service.get_by_email("mentor@example.com")
    _demo_submission(engineer, catalog.labs["ex-2-1-morning-checklist"])
    _demo_submission(engineer, catalog.labs["lab-deploy-to-production"])
    _demo_submission(engineer, catalog.labs["ex-1-2-dependency-mapping"], trainer, approve=False)
    if practice.evidence_of(engineer.id):
        return
    for n in range(1, 8):
        entry = practice.EvidenceInput(
            kind="deployment",
            happened_on=today() - timedelta(days=7 * (8 - n)),
            title=f"checkout-service release {n}",
            reference=f"CHG-{4100 + n}",
            description="Canary 5% -> 25% -> 50% -> 100%, zero errors; checklist completed.",
        )
        evidence = practice.log_evidence(engineer, entry, catalog, today())
        if n <= 5:
            practice.decide_evidence(evidence, mentor, True, "Seen in the deployment log.")


@demo_cli.command("seed")
@transactional
def seed():
    """Create the demo accounts (password demo-pass-2026); safe to run again."""
    if current_app.config["ENV_NAME"] == "production":
        raise ServiceError("refusing to seed demo accounts in production.")
    emails = seed_demo()
    click.echo(f"Demo accounts ready ({DEMO_PASSWORD}): {', '.join(emails)}")
