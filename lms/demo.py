"""Demo accounts so a newcomer can sign in as each role; never in production."""

from datetime import date, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from lms.accounts import service
from lms.accounts.models import Role
from lms.assessment import service as attempts
from lms.catalog import current_catalog
from lms.certification import service as certification
from lms.certification.models import Certificate
from lms.certification.rules import add_months
from lms.errors import ServiceError
from lms.extensions import db
from lms.learning import service as learning
from lms.onboarding import service as onboarding
from lms.practice import service as practice
from lms.practice.models import SubmissionStatus
from lms.timeutil import today, utcnow
from lms.transaction import transactional

DEMO_PASSWORD = "demo-pass-2026"
DEMO_USERS = [
    # email, name, role, team, mentor
    ("admin@example.com", "Ada Admin", Role.ADMIN, "Platform", None),
    ("trainer@example.com", "Tomas Trainer", Role.TRAINER, "Training", None),
    ("mentor@example.com", "Mira Mentor", Role.MENTOR, "SRE", None),
    ("engineer@example.com", "Eli Engineer", Role.LEARNER, "SRE", "mentor@example.com"),
    ("newhire@example.com", "Nia Newhire", Role.LEARNER, "SRE", "mentor@example.com"),
    ("pro@example.com", "Pat Professional", Role.LEARNER, "SRE", "mentor@example.com"),
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
        elif email == "pro@example.com":
            user.start_date = start - timedelta(weeks=60)
    db.session.flush()
    _seed_plans(start)
    _seed_certifications()
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
            answers[checkpoint.id] = checkpoint.accepted[0]
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
    if approve is None or trainer is None or draft.status != SubmissionStatus.SUBMITTED:
        return  # nothing to review (machine-checked labs are decided at submission)
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


def key_response(question: dict):
    """The response that answers a served question (a snapshot dict) right."""
    kind = question["type"]
    if kind == "single":
        return next(o["id"] for o in question["options"] if o.get("correct"))
    if kind == "multiple":
        return [o["id"] for o in question["options"] if o.get("correct")]
    if kind == "true_false":
        return "true" if question["answer"] else "false"
    if kind == "numeric":
        if question.get("answers"):
            best = max(question["answers"], key=lambda a: a.get("weight", 100))
            value = best.get("value", (best.get("range") or [0])[0])
        else:
            value = question.get("answer", (question.get("range") or [0])[0])
        return f"{value:g}"
    if kind == "short":
        accepted = question.get("accepted") or []
        first = accepted[0] if accepted else ""
        return first if isinstance(first, str) else first["text"]
    if kind == "matching":
        return {pair["left"]: pair["right"] for pair in question["pairs"]}
    return list(question["items"])  # ordering


def _pass_quiz(learner, quiz_id: str) -> None:
    """A graded attempt at 100%, answered through the quiz engine, unless one passed already."""
    if quiz_id in attempts.passed_quiz_ids([learner.id])[learner.id]:
        return
    attempt = attempts.start_attempt(learner.id, current_catalog().quizzes[quiz_id])
    attempts.submit_attempt(attempt, {q["id"]: key_response(q) for q in attempt.questions})


def _complete_module(learner, module_id: str) -> None:
    """Every section read and the module's quiz passed."""
    catalog = current_catalog()
    module = catalog.modules[module_id]
    for section in module.sections:
        learning.set_section_read(learner, catalog, module_id, section.slug, True)
    if module.quiz:
        _pass_quiz(learner, module.quiz)


def _verified(learner, kind: str, count: int, verifier, prefix: str) -> None:
    """`count` pieces of evidence of a kind, logged by the learner and verified."""
    catalog = current_catalog()
    logged = {(e.kind, e.reference) for e in practice.evidence_of(learner.id)}
    for n in range(1, count + 1):
        reference = f"{prefix}-{n}"
        if (kind, reference) in logged:
            continue
        entry = practice.EvidenceInput(
            kind=kind,
            happened_on=today() - timedelta(days=9 * n),
            title=f"{practice.evidence_kinds(catalog)[kind]} {n}",
            reference=reference,
            description="Recorded for the demo.",
        )
        evidence = practice.log_evidence(learner, entry, catalog, today())
        practice.decide_evidence(evidence, verifier, True, "Confirmed.")


def _held(learner, certification_id: str, issued_on: date, trainer, revoked: str = ""):
    """A certificate a trainer issued earlier (demo history), unless one exists already."""
    catalog = current_catalog()
    if any(
        c.certification_id == certification_id
        for c in certification.held_certificates([learner.id])[learner.id]
    ):
        return
    definition = certification.certification_or_error(catalog, certification_id)
    held = Certificate(
        user_id=learner.id, certification_id=certification_id, cycle=1,
        code=certification.new_code(), issued_on=issued_on,
        expires_on=add_months(issued_on, definition.valid_for_months),
        issued_at=utcnow() - timedelta(days=(today() - issued_on).days),
        issued_by_id=trainer.id, title=definition.title, level=definition.level,
        curriculum_version=catalog.curriculum.content_hash,
        definition_hash=definition.definition_hash, counted={},
    )  # fmt: skip
    db.session.add(held)
    db.session.flush()
    if revoked:
        certification.revoke(held.code, revoked, catalog, today(), actor=trainer)


def _seed_certifications() -> None:
    """The engineer earns Associate automatically from seeded results and is part-way to
    Professional; Pat is ready for a trainer to issue Professional; the mentor holds one
    certificate in its renewal window and one expired; Pat has one revoked."""
    catalog = current_catalog()
    trainer = service.get_by_email("trainer@example.com")
    mentor = service.get_by_email("mentor@example.com")
    engineer = service.get_by_email("engineer@example.com")
    pro = service.get_by_email("pro@example.com")
    for module_id in ("production-system-architecture", "daily-operations"):
        _complete_module(engineer, module_id)
    for lab_id in ("ex-1-1-architecture-walkthrough", "ex-2-2-metric-interpretation"):
        _demo_submission(engineer, catalog.labs[lab_id], trainer, approve=True)
    _held(pro, "associate", today() - timedelta(days=40), trainer)
    for module_id in (
        "production-system-architecture", "daily-operations", "incident-response-framework",
        "deep-troubleshooting", "performance-optimization",
    ):  # fmt: skip
        _complete_module(pro, module_id)
    _pass_quiz(pro, "professional-exam")
    _verified(pro, "deployment", 10, mentor, "CHG-PAT")
    _verified(pro, "incident_shadowed", 5, mentor, "INC-PAT")
    _held(pro, "performance-tuning-specialist", today() - timedelta(days=30), trainer,
          revoked="Issued before the case study was presented.")  # fmt: skip
    _held(mentor, "associate", add_months(today(), -6) + timedelta(days=20), trainer)
    _held(mentor, "incident-response", add_months(today(), -7), trainer)
    certification.refresh([engineer, pro, mentor], catalog, today())


@demo_cli.command("seed")
@transactional
def seed():
    """Create the demo accounts (password demo-pass-2026); safe to run again."""
    if current_app.config["ENV_NAME"] == "production":
        raise ServiceError("refusing to seed demo accounts in production.")
    emails = seed_demo()
    click.echo(f"Demo accounts ready ({DEMO_PASSWORD}): {', '.join(emails)}")
