"""Who reacts to which domain event: every listener is connected here, once, at start-up.

An area announces what happened (`lms.events`) and never imports the areas that care;
this module is the wiring between them. Listeners run inside the request's (or
command's) transaction, take the loaded content from the Flask side and hand it to
the services, so the services never fetch it themselves. Every listener must be
idempotent: an event may be announced more than once for the same fact.
"""

from lms import events
from lms.catalog import current_catalog
from lms.extensions import db
from lms.timeutil import today


def _module_may_be_complete(sender, *, user_id: int, attempt, **extra) -> None:
    """A graded quiz may complete the modules it assesses."""
    from lms.learning import service as learning

    catalog = current_catalog()
    if attempt.passed:
        modules = learning.modules_assessed_by(catalog, attempt.quiz_id)
        learning.announce_completed_modules(user_id, catalog, modules)


def _certifications_may_be_due(sender, *, user_id: int, **extra) -> None:
    """Learning counted toward a certification: re-evaluate the person, issue what is due."""
    from lms.accounts.models import User
    from lms.certification import service as certification

    learner = db.session.get(User, user_id)
    if learner is not None:
        certification.refresh([learner], current_catalog(), today())


def _plans_may_change(sender, *, user_id: int, **extra) -> None:
    """Reading, a graded quiz or a lab moving on may change a hire's onboarding plans:
    count the person's plans again (their stored counts feed Team plans and the report)."""
    from lms.onboarding import service as onboarding

    onboarding.refresh_progress([user_id], current_catalog())


def _plans_may_change_on_pass(sender, *, user_id: int, attempt, **extra) -> None:
    """Only a passed quiz completes a module (a failed one never undoes a pass)."""
    if attempt.passed:
        _plans_may_change(sender, user_id=user_id)


def _progress_goes_with_the_person(sender, *, user_id: int, **extra) -> None:
    """A deleted person's certification progress leaves the report's stored counts."""
    from lms.certification import service as certification

    certification.forget_progress(user_id)


def _exam_prerequisites(sender, *, user, quiz_id: str, **extra) -> list[events.Blocker]:
    """A certification exam starts only once the requirements marked before_exam are met."""
    from flask import url_for

    from lms.certification import service as certification

    found = []
    for cert, missing in certification.exam_blockers(user, quiz_id, current_catalog(), today()):
        url = url_for("certification.detail", cert_id=cert.id)
        found += [events.Blocker(f"{cert.title}: {r.label} ({r.progress})", url) for r in missing]
    return found


def _learner(user_id: int):
    from lms.accounts.models import User

    return db.session.get(User, user_id)


def _xapi_section_read(sender, *, user_id: int, module_id: str, slug: str, **extra) -> None:
    from lms.api import xapi

    if (learner := _learner(user_id)) is not None:
        xapi.section_read(learner, current_catalog(), module_id, slug)


def _xapi_module_completed(sender, *, user_id: int, module_id: str, **extra) -> None:
    from lms.api import xapi

    if (learner := _learner(user_id)) is not None:
        xapi.module_completed(learner, current_catalog(), module_id)


def _xapi_quiz_graded(sender, *, user_id: int, attempt, **extra) -> None:
    from lms.api import xapi

    if (learner := _learner(user_id)) is not None:
        xapi.quiz_graded(learner, attempt)


def _xapi_lab_reviewed(sender, *, user_id: int, submission, **extra) -> None:
    from lms.api import xapi
    from lms.practice.models import SubmissionStatus

    if submission.status == SubmissionStatus.PASSED and (learner := _learner(user_id)):
        xapi.lab_passed(learner, submission)


def _xapi_evidence_verified(sender, *, user_id: int, evidence, **extra) -> None:
    from lms.api import xapi
    from lms.practice.models import EvidenceStatus

    if evidence.status == EvidenceStatus.VERIFIED and (learner := _learner(user_id)):
        xapi.evidence_verified(learner, evidence)


def _xapi_certificate_issued(sender, *, user_id: int, certificate, **extra) -> None:
    from lms.api import xapi

    if (learner := _learner(user_id)) is not None:
        xapi.certificate_issued(learner, certificate)


def _xapi_certificate_revoked(sender, *, user_id: int, certificate, **extra) -> None:
    from lms.api import xapi

    if (learner := _learner(user_id)) is not None:
        xapi.certificate_revoked(learner, certificate)


XAPI_LISTENERS = (
    (events.section_read, _xapi_section_read),
    (events.module_completed, _xapi_module_completed),
    (events.quiz_graded, _xapi_quiz_graded),
    (events.lab_reviewed, _xapi_lab_reviewed),
    (events.evidence_verified, _xapi_evidence_verified),
    (events.certificate_issued, _xapi_certificate_issued),
    (events.certificate_revoked, _xapi_certificate_revoked),
)


def register() -> None:
    """Connect every listener (connecting the same function twice keeps one connection)."""
    events.quiz_graded.connect(_module_may_be_complete, weak=False)
    for counted in (
        events.quiz_graded,
        events.module_completed,
        events.lab_reviewed,
        events.evidence_verified,
        events.approval_decided,
    ):
        counted.connect(_certifications_may_be_due, weak=False)
    # Whatever ticks (or unticks) a plan item by itself; module_completed always follows
    # a section read or a graded quiz, so it needs no listener of its own.
    for counted in (
        events.section_read,
        events.section_unread,
        events.document_marked,
        events.lab_submitted,
        events.lab_reviewed,
    ):
        counted.connect(_plans_may_change, weak=False)
    events.quiz_graded.connect(_plans_may_change_on_pass, weak=False)
    events.quiz_start_blockers.connect(_exam_prerequisites, weak=False)
    events.user_deleting.connect(_progress_goes_with_the_person, weak=False)
    # Every learning event also becomes an xAPI statement, queued in the same transaction.
    for signal, listener in XAPI_LISTENERS:
        signal.connect(listener, weak=False)
