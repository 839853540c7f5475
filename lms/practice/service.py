"""Labs and practical evidence: attempts, uploads, review, hints, evidence and verification.

Services flush; the request or command that called them commits. Decisions (a trainer's
on a submission, a supervisor's on evidence) are conditional UPDATEs on the status, so
two people deciding the same thing at once decide it once. Every decision is audited and
announced (`lms.events`). The certification engine reads `passed_labs` and
`verified_evidence`, each a fixed number of queries whatever the number of people.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Integer, Row, bindparam, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from lms import audit, events
from lms.accounts.models import User
from lms.content import Catalog
from lms.content.schema import Lab
from lms.errors import ServiceError
from lms.extensions import PeopleStatement, db, insert_ignoring_duplicates
from lms.permissions import allowed
from lms.practice import checkpoints as kinds
from lms.practice import rules
from lms.practice.models import (
    OPEN_STATUSES,
    Artifact,
    Evidence,
    EvidenceStatus,
    LabHint,
    LabSubmission,
    SubmissionStatus,
)
from lms.practice.storage import ALLOWED_DESCRIPTION, Storage, sniff
from lms.timeutil import utcnow

MB = 1024 * 1024
QUEUE_PAGE_SIZE = 50  # rows per page of the review and verification queues


@dataclass(frozen=True)
class Limits:
    """Upload size limits in bytes (from UPLOAD_MAX_FILE_MB and UPLOAD_MAX_SUBMISSION_MB)."""

    per_file: int = 10 * MB
    per_submission: int = 25 * MB


@dataclass(frozen=True)
class Upload:
    """A file sent with a form: which checkpoint it answers, its name and bytes."""

    checkpoint_id: str | None
    filename: str
    data: bytes


# --- a learner's labs --------------------------------------------------------------------------


@dataclass(frozen=True)
class LabSummary:
    """A learner's standing on one lab."""

    state: str
    latest_id: int | None
    open_id: int | None  # the draft or waiting submission
    passed_id: int | None
    submissions: int


# built once: plans and home pages run it on every visit
_SUBMISSIONS_OF = PeopleStatement(
    lambda who: (
        select(LabSubmission.user_id, LabSubmission.lab_id, LabSubmission.id, LabSubmission.status)
        .where(who(LabSubmission.user_id))
        .order_by(LabSubmission.number.desc())
    )
)


def lab_summaries(user_ids: Iterable[int]) -> dict[int, dict[str, LabSummary]]:
    """Per learner, per lab they have started: their standing (one query)."""
    ids = list(set(user_ids))
    rows: dict[tuple[int, str], list[tuple[int, str]]] = {}
    if ids:
        for user_id, lab_id, submission_id, status in _SUBMISSIONS_OF.rows(ids):
            rows.setdefault((user_id, lab_id), []).append((submission_id, status))
    result: dict[int, dict[str, LabSummary]] = {user_id: {} for user_id in ids}
    for (user_id, lab_id), subs in rows.items():
        statuses = [str(status) for _, status in subs]
        open_id = next((i for i, s in subs if s in OPEN_STATUSES), None)
        passed = [i for i, s in subs if s == SubmissionStatus.PASSED]
        result[user_id][lab_id] = LabSummary(
            rules.lab_state(statuses), subs[0][0], open_id, passed[-1] if passed else None,
            len(subs),
        )  # fmt: skip
    return result


def lab_progress_for(user_ids: Iterable[int]) -> dict[int, tuple[set[str], set[str]]]:
    """Per learner: (labs passed, labs waiting for review), for onboarding plans."""
    summaries = lab_summaries(user_ids)
    return {
        user_id: (
            {lab for lab, s in labs.items() if s.state == rules.PASSED},
            {lab for lab, s in labs.items() if s.state == rules.IN_REVIEW},
        )
        for user_id, labs in summaries.items()
    }


def lab_keys(status: SubmissionStatus, people):
    """(user_id, key `lab:ID`) of every lab the people `people` selects have a submission of
    in this status, as a statement for reports to count in SQL (passed: done; submitted:
    waiting for review)."""
    key = (literal("lab:") + LabSubmission.lab_id).label("key")
    query = select(LabSubmission.user_id, key).distinct()
    return query.where(LabSubmission.status == status, LabSubmission.user_id.in_(people))


def submissions_of(user_id: int, lab_id: str) -> list[LabSubmission]:
    """The learner's submissions of a lab, newest first."""
    return list(
        db.session.scalars(
            select(LabSubmission)
            .where(LabSubmission.user_id == user_id, LabSubmission.lab_id == lab_id)
            .order_by(LabSubmission.number.desc())
        )
    )


def get_submission(submission_id: int) -> LabSubmission | None:
    """The submission with this id, or None."""
    return db.session.get(LabSubmission, submission_id)


def start_lab(user: User, lab: Lab, now=None) -> LabSubmission:
    """Open a draft of the lab (or return the open one); a resubmission starts from the
    answers and files of the last returned submission."""
    now = now or utcnow()
    history = submissions_of(user.id, lab.id)
    current = next((s for s in history if s.status in OPEN_STATUSES), None)
    if current is not None:
        return current
    if any(s.status == SubmissionStatus.PASSED for s in history):
        raise ServiceError("You have passed this lab already.")
    previous = history[0] if history else None
    draft = LabSubmission(
        user_id=user.id,
        lab_id=lab.id,
        number=(previous.number if previous else 0) + 1,
        status=SubmissionStatus.DRAFT,
        lab_title=lab.title,
        content_hash=lab.content_hash,
        time_limit=lab.time_limit,
        checkpoints=[kinds.snapshot(c) for c in lab.checkpoints],
        answers=dict(previous.answers) if previous else {},
        started_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(draft)
    except IntegrityError:
        concurrent = next(
            (s for s in submissions_of(user.id, lab.id) if s.status in OPEN_STATUSES), None
        )
        if concurrent is None:
            raise ServiceError("The lab could not start just now. Try again.") from None
        return concurrent
    if previous is not None:
        served = {c.id for c in lab.checkpoints}
        for artifact in artifacts_of([previous.id]).get(previous.id, []):
            if artifact.checkpoint_id in served:
                db.session.add(_copy_artifact(artifact, submission_id=draft.id))
        db.session.flush()
    return draft


def _copy_artifact(artifact: Artifact, **where) -> Artifact:
    return Artifact(
        user_id=artifact.user_id, checkpoint_id=artifact.checkpoint_id,
        filename=artifact.filename, content_type=artifact.content_type, size=artifact.size,
        storage_key=artifact.storage_key, uploaded_at=artifact.uploaded_at, **where,
    )  # fmt: skip


def _claim_draft(submission: LabSubmission) -> None:
    """Lock a draft for writing (a no-op UPDATE); refuse when it is no longer a draft."""
    result = db.session.execute(
        update(LabSubmission)
        .where(LabSubmission.id == submission.id, LabSubmission.status == SubmissionStatus.DRAFT)
        .values(status=LabSubmission.status)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise ServiceError("This submission was sent already; it can no longer change.")


@dataclass(frozen=True)
class SaveResult:
    """Errors by checkpoint id (nothing was saved when there are any)."""

    errors: dict[str, str]


def save_draft(
    submission: LabSubmission,
    form,
    uploads: Sequence[Upload],
    storage: Storage,
    limits: Limits,
    remove: Iterable[int] = (),
    now=None,
) -> SaveResult:
    """Save the answers (and files) of a draft; errors by checkpoint leave it unchanged."""
    now = now or utcnow()
    _claim_draft(submission)
    answers, errors = {}, {}
    for snapshot in submission.checkpoints:
        reading = kinds.kind_of(snapshot).read(kinds.load(snapshot), form)
        if reading.error:
            errors[snapshot["id"]] = reading.error
        answers[snapshot["id"]] = reading.value
    reviewed = {s["id"] for s in submission.checkpoints if s["type"] == "review"}
    for upload in uploads:
        if upload.checkpoint_id not in reviewed:
            errors[upload.checkpoint_id or ""] = "Files go with the reviewed checkpoints only."
    if errors:
        return SaveResult(errors)
    existing = artifacts_of([submission.id]).get(submission.id, [])
    removed = set(remove)
    for artifact in existing:
        if artifact.id in removed:
            db.session.delete(artifact)
    kept = [a for a in existing if a.id not in removed]
    add_artifacts(
        submission.user_id, uploads, storage, limits, already=sum(a.size for a in kept),
        submission_id=submission.id,
    )  # fmt: skip
    submission.answers = answers
    submission.saved_at = now
    db.session.flush()
    return SaveResult({})


def submit(submission: LabSubmission, now=None) -> LabSubmission:
    """Send a saved draft: grade the machine checks; go to review or be decided now."""
    now = now or utcnow()
    _claim_draft(submission)
    files = {a.checkpoint_id for a in artifacts_of([submission.id]).get(submission.id, [])}
    missing = [
        number
        for number, s in enumerate(submission.checkpoints, start=1)
        if submission.answers.get(s["id"]) in (None, "") and s["id"] not in files
    ]
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise ServiceError(f"Answer every checkpoint before you submit (missing: {listed}).")
    results = rules.machine_results(submission.checkpoints, submission.answers)
    submission.results = results
    submission.submitted_at = now
    if rules.needs_review(submission.checkpoints) and all(results.values()):
        submission.status = SubmissionStatus.SUBMITTED
        db.session.flush()
        events.lab_submitted.send(user_id=submission.user_id, submission=submission)
        return submission
    # Nothing for a trainer to score, or a machine check failed: decided at once.
    verdict = rules.outcome(submission.checkpoints, results, None)
    if rules.needs_review(submission.checkpoints):
        feedback = "Fix the machine-checked answers first; a trainer then scores the rest."
    else:
        feedback = None
    _record_decision(submission, None, verdict, feedback, now)
    return submission


def _record_decision(submission, reviewer, verdict, feedback, now) -> None:
    submission.status = SubmissionStatus.PASSED if verdict.passed else SubmissionStatus.RETURNED
    submission.feedback = feedback
    submission.decided_at = now
    submission.reviewer_id = reviewer.id if reviewer else None
    db.session.flush()
    learner = db.session.get(User, submission.user_id)
    audit.record(
        "lab.passed" if verdict.passed else "lab.returned",
        actor=reviewer,
        target=learner,
        obj=submission,
        detail=f"{submission.lab_id} submission {submission.number}",
        payload={
            "lab": submission.lab_id,
            "number": submission.number,
            "status": str(submission.status),
            "failures": list(verdict.failures),
            "scores": submission.scores,
        },
    )
    events.lab_reviewed.send(user_id=submission.user_id, submission=submission)


# --- hints -------------------------------------------------------------------------------------


def hints_used(user_id: int, lab_id: str) -> list[int]:
    """The numbers (1-based) of the lab's hints the learner has asked for."""
    return list(
        db.session.scalars(
            select(LabHint.hint_number)
            .where(LabHint.user_id == user_id, LabHint.lab_id == lab_id)
            .order_by(LabHint.hint_number)
        )
    )


def request_hint(user: User, lab: Lab, now=None) -> int:
    """Reveal the next hint of the lab to the learner; return its number."""
    used = hints_used(user.id, lab.id)
    number = len(used) + 1
    if number > len(lab.hints):
        raise ServiceError("You have seen every hint of this lab.")
    insert_ignoring_duplicates(
        LabHint, user_id=user.id, lab_id=lab.id, hint_number=number, requested_at=now or utcnow()
    )
    return number


# --- artifacts ---------------------------------------------------------------------------------


def add_artifacts(
    user_id: int,
    uploads: Sequence[Upload],
    storage: Storage,
    limits: Limits,
    *,
    already: int = 0,
    **where,
) -> list[Artifact]:
    """Check and store uploads for a submission or evidence; ServiceError says what is wrong."""
    total = already
    checked = []
    for upload in uploads:
        field = kinds.field_name(upload.checkpoint_id) if upload.checkpoint_id else "file"
        size = len(upload.data)
        if size > limits.per_file:
            raise ServiceError(
                f"{upload.filename} is {size / MB:.1f} MB; a file may be at most "
                f"{limits.per_file // MB} MB.", field,
            )  # fmt: skip
        content_type = sniff(upload.data)
        if content_type is None:
            raise ServiceError(
                f"{upload.filename} is not a file type we accept: {ALLOWED_DESCRIPTION}.", field
            )
        total += size
        if total > limits.per_submission:
            raise ServiceError(
                f"The files add up to more than {limits.per_submission // MB} MB.", field
            )
        checked.append((upload, content_type, size))
    artifacts = []
    for upload, content_type, size in checked:
        artifact = Artifact(
            user_id=user_id, checkpoint_id=upload.checkpoint_id,
            filename=_safe_filename(upload.filename), content_type=content_type, size=size,
            storage_key=storage.save(upload.data), **where,
        )  # fmt: skip
        db.session.add(artifact)
        artifacts.append(artifact)
    db.session.flush()
    return artifacts


def _safe_filename(name: str) -> str:
    """The last path part of an uploaded name, printable, at most 200 characters."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return cleaned.strip()[:200] or "file"


def _artifacts_by(owner, ids: Iterable[int]) -> dict[int, list[Artifact]]:
    """Artifacts whose `owner` column (submission or evidence) is one of `ids`, by that id."""
    ids = list(ids)
    found: dict[int, list[Artifact]] = {}
    if ids:
        query = select(Artifact).where(owner.in_(ids)).order_by(Artifact.id)
        for artifact in db.session.scalars(query):
            found.setdefault(getattr(artifact, owner.key), []).append(artifact)
    return found


def artifacts_of(submission_ids: Iterable[int]) -> dict[int, list[Artifact]]:
    """Artifacts of the given submissions, by submission id (one query)."""
    return _artifacts_by(Artifact.submission_id, submission_ids)


def get_artifact(artifact_id: int) -> Artifact | None:
    """The artifact with this id, or None."""
    return db.session.get(Artifact, artifact_id)


# --- the trainers' review queue ----------------------------------------------------------------


def review_queue(
    *,
    lab_id: str | None = None,
    team: str | None = None,
    learner: str | None = None,
    page: int = 1,
) -> tuple[list[Row], int]:
    """One page of the submissions waiting for a trainer, oldest first, and how many wait in
    all (one query). Rows carry only what the queue shows: id, submitted_at, lab_title,
    number, and the learner's name and team."""
    params = {"lab_id": lab_id, "team": team, "like": f"%{(learner or '').lower()}%"}
    query = _review_queue_query(bool(lab_id), bool(team), bool(learner))
    return _page_of(query, params, page)


@functools.cache
def _review_queue_query(by_lab: bool, by_team: bool, by_learner: bool):
    """The review queue's statement for the filters in use, built once (values bound)."""
    query = select(
        LabSubmission.id, LabSubmission.submitted_at, LabSubmission.lab_title,
        LabSubmission.number, User.name, User.team,
    ).join(User, User.id == LabSubmission.user_id)  # fmt: skip
    query = query.where(LabSubmission.status == SubmissionStatus.SUBMITTED)
    if by_lab:
        query = query.where(LabSubmission.lab_id == bindparam("lab_id"))
    if by_team:
        query = query.where(User.team == bindparam("team"))
    if by_learner:
        like = bindparam("like")
        query = query.where(
            or_(func.lower(User.name).like(like), func.lower(User.email).like(like))
        )
    return _with_total(query, (LabSubmission.submitted_at, LabSubmission.id))


def _with_total(query, order_by):
    """`query` in `order_by` order with a `total` column: how many rows it has in all (a
    scalar subquery beside the page's columns, so a page and its count are one statement)."""
    total = select(func.count()).select_from(query.subquery()).scalar_subquery()
    return query.add_columns(total.label("total")).order_by(*order_by)


def _page_of(query, params: dict, page: int) -> tuple[list[Row], int]:
    """One page of a `_with_total` statement and the total; 0 for an empty page, which a page
    past the last is."""
    window = {"size": QUEUE_PAGE_SIZE, "skip": (page - 1) * QUEUE_PAGE_SIZE}
    rows = db.session.execute(_paged(query), {**params, **window}).all()
    return rows, rows[0].total if rows else 0


@functools.lru_cache(maxsize=64)
def _paged(query):
    """A queue's statement with its page's size and offset bound, built once per statement
    (a new LIMIT and OFFSET each request cost a statement and its cache key)."""
    return query.limit(bindparam("size", type_=Integer)).offset(bindparam("skip", type_=Integer))


def queue_teams() -> list[str]:
    """Teams of learners with submissions waiting, for the queue's filter."""
    return list(db.session.scalars(_queue_teams_query()))


@functools.cache
def _queue_teams_query():
    return (
        select(User.team)
        .join(LabSubmission, LabSubmission.user_id == User.id)
        .where(LabSubmission.status == SubmissionStatus.SUBMITTED, User.team.is_not(None))
        .distinct()
        .order_by(User.team)
    )


def decide(
    submission: LabSubmission,
    reviewer: User,
    scores: dict[str, list[dict[str, Any]]],
    feedback: str,
    approve: bool,
    now=None,
) -> LabSubmission:
    """A trainer passes or returns a waiting submission, once: whoever decides second is told."""
    now = now or utcnow()
    if not allowed(reviewer, "review_labs"):
        raise ServiceError("Only the training team reviews labs.")
    if submission.user_id == reviewer.id:
        raise ServiceError("You cannot review your own submission.")
    for snapshot in submission.checkpoints:
        if snapshot["type"] == "review":
            points = [c.get("points") for c in scores.get(snapshot["id"], [])]
            problem = rules.check_scores(snapshot, points)
            if problem:
                raise ServiceError(problem)
    verdict = rules.outcome(submission.checkpoints, submission.results or {}, scores)
    if approve and not verdict.passed:
        raise ServiceError(
            "This submission cannot be approved: " + " ".join(verdict.failures)
            + " Return it with your comments instead."
        )  # fmt: skip
    if not approve and not feedback.strip():
        raise ServiceError("Say what to improve before you return the submission.", "feedback")
    status = SubmissionStatus.PASSED if approve else SubmissionStatus.RETURNED
    claimed = db.session.execute(
        update(LabSubmission)
        .where(
            LabSubmission.id == submission.id,
            LabSubmission.status == SubmissionStatus.SUBMITTED,
        )
        .values(status=status, decided_at=now, reviewer_id=reviewer.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ServiceError(
            "Another trainer decided this submission while you were reviewing it; "
            "nothing was changed. Reload the page to see their decision."
        )
    db.session.refresh(submission)
    submission.scores = scores
    if not approve and verdict.passed:
        verdict = rules.Outcome(False, ("Returned by the trainer.",))
    _record_decision(submission, reviewer, verdict, feedback.strip() or None, now)
    return submission


# --- what certification reads ------------------------------------------------------------------


def passed_labs(user_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Per learner: lab id -> id of the submission that passed it (the first pass)."""
    ids = list(set(user_ids))
    result: dict[int, dict[str, int]] = {user_id: {} for user_id in ids}
    if not ids:
        return result
    query = (
        select(LabSubmission.user_id, LabSubmission.lab_id, LabSubmission.id)
        .where(LabSubmission.user_id.in_(ids), LabSubmission.status == SubmissionStatus.PASSED)
        .order_by(LabSubmission.number)
    )
    for user_id, lab_id, submission_id in db.session.execute(query):
        result[user_id].setdefault(lab_id, submission_id)
    return result


def verified_evidence(user_ids: Iterable[int]) -> dict[int, dict[str, list[tuple[int, date]]]]:
    """Per learner: evidence kind -> [(evidence id, date it happened)] of verified entries."""
    ids = list(set(user_ids))
    result: dict[int, dict[str, list[tuple[int, date]]]] = {user_id: {} for user_id in ids}
    if not ids:
        return result
    query = (
        select(Evidence.user_id, Evidence.kind, Evidence.id, Evidence.happened_on)
        .where(Evidence.user_id.in_(ids), Evidence.status == EvidenceStatus.VERIFIED)
        .order_by(Evidence.happened_on, Evidence.id)
    )
    for user_id, kind, evidence_id, happened_on in db.session.execute(query):
        result[user_id].setdefault(kind, []).append((evidence_id, happened_on))
    return result


# --- evidence ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceInput:
    """What a learner types when logging (or correcting) evidence."""

    kind: str
    happened_on: date
    title: str
    reference: str
    description: str = ""


def evidence_kinds(catalog: Catalog) -> dict[str, str]:
    """Evidence kind id -> label, in curriculum order."""
    return {k.id: k.label for k in catalog.curriculum.evidence_kinds}


def _check_evidence(
    user_id: int, entry: EvidenceInput, catalog: Catalog, today: date, exclude=None
):
    if entry.kind not in evidence_kinds(catalog):
        raise ServiceError("Choose one of the kinds of evidence.", "kind")
    if entry.happened_on > today:
        raise ServiceError("The date cannot be in the future.", "happened_on")
    query = select(Evidence.id).where(
        Evidence.user_id == user_id,
        Evidence.kind == entry.kind,
        func.lower(Evidence.reference) == entry.reference.strip().lower(),
    )
    if exclude is not None:
        query = query.where(Evidence.id != exclude)
    if db.session.scalar(query) is not None:
        raise ServiceError(_duplicate_message(entry, catalog), "reference")


def _duplicate_message(entry: EvidenceInput, catalog: Catalog) -> str:
    label = evidence_kinds(catalog).get(entry.kind, entry.kind)
    return f"You have already logged “{entry.reference.strip()}” as {label.lower()}."


def log_evidence(
    learner: User,
    entry: EvidenceInput,
    catalog: Catalog,
    today: date,
    uploads: Sequence[Upload] = (),
    storage: Storage | None = None,
    limits: Limits = Limits(),
) -> Evidence:
    """Log a piece of evidence, to be verified by the mentor, else the manager, else trainers."""
    _check_evidence(learner.id, entry, catalog, today)
    evidence = Evidence(
        user_id=learner.id, kind=entry.kind, happened_on=entry.happened_on,
        title=entry.title.strip(), reference=entry.reference.strip(),
        description=entry.description.strip(), status=EvidenceStatus.PENDING,
        verifier_id=learner.mentor_id or learner.manager_id,
    )  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(evidence)
    except IntegrityError:
        # Logged twice at the same moment (a double click): say so as the check does.
        raise ServiceError(_duplicate_message(entry, catalog), "reference") from None
    if uploads and storage is not None:
        add_artifacts(learner.id, uploads, storage, limits, evidence_id=evidence.id)
    audit.record(
        "evidence.logged", actor=learner, target=learner, obj=evidence,
        detail=f"{entry.kind}: {evidence.reference}",
        payload={"kind": entry.kind, "reference": evidence.reference},
    )  # fmt: skip
    return evidence


def correct_evidence(
    evidence: Evidence,
    learner: User,
    entry: EvidenceInput,
    catalog: Catalog,
    today: date,
    uploads: Sequence[Upload] = (),
    storage: Storage | None = None,
    limits: Limits = Limits(),
) -> Evidence:
    """Correct a rejected entry and send it for verification again."""
    if evidence.user_id != learner.id:
        raise ServiceError("That entry is not yours.")
    if evidence.status != EvidenceStatus.REJECTED:
        raise ServiceError("Only a rejected entry can be corrected.")
    _check_evidence(learner.id, entry, catalog, today, exclude=evidence.id)
    evidence.kind = entry.kind
    evidence.happened_on = entry.happened_on
    evidence.title = entry.title.strip()
    evidence.reference = entry.reference.strip()
    evidence.description = entry.description.strip()
    evidence.status = EvidenceStatus.PENDING
    evidence.verifier_id = learner.mentor_id or learner.manager_id
    db.session.flush()
    if uploads and storage is not None:
        add_artifacts(learner.id, uploads, storage, limits, evidence_id=evidence.id)
    audit.record(
        "evidence.resubmitted", actor=learner, target=learner, obj=evidence,
        detail=f"{evidence.kind}: {evidence.reference}",
        payload={"kind": evidence.kind, "reference": evidence.reference},
    )  # fmt: skip
    return evidence


def get_evidence(evidence_id: int) -> Evidence | None:
    """The evidence entry with this id, or None."""
    return db.session.get(Evidence, evidence_id)


def may_decide_evidence(viewer: User, learner: User) -> bool:
    """A supervisor of the learner (mentor or manager) or a trainer; never the learner."""
    return viewer.id != learner.id and (
        allowed(viewer, "verify_evidence", learner) or allowed(viewer, "review_labs")
    )


def decide_evidence(
    evidence: Evidence, verifier: User, verify: bool, comment: str, now=None
) -> Evidence:
    """Verify or reject a pending entry, once; the learner sees the outcome and comment."""
    now = now or utcnow()
    learner = db.session.get(User, evidence.user_id)
    if not may_decide_evidence(verifier, learner):
        raise ServiceError("Only the learner's mentor, manager or a trainer can decide this.")
    if not verify and not comment.strip():
        raise ServiceError("Say why you reject it, so that it can be corrected.", "comment")
    status = EvidenceStatus.VERIFIED if verify else EvidenceStatus.REJECTED
    claimed = db.session.execute(
        update(Evidence)
        .where(Evidence.id == evidence.id, Evidence.status == EvidenceStatus.PENDING)
        .values(status=status, decided_at=now, decided_by_id=verifier.id,
                decision_comment=comment.strip() or None)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    if claimed.rowcount != 1:
        raise ServiceError("This entry was decided already; nothing was changed.")
    db.session.refresh(evidence)
    audit.record(
        "evidence.verified" if verify else "evidence.rejected",
        actor=verifier, target=learner, obj=evidence,
        detail=f"{evidence.kind}: {evidence.reference}",
        payload={"kind": evidence.kind, "reference": evidence.reference,
                 "status": str(status), "comment": evidence.decision_comment},
    )  # fmt: skip
    if verify:
        events.evidence_verified.send(user_id=learner.id, evidence=evidence)
    return evidence


def evidence_of(user_id: int) -> list[Evidence]:
    """A learner's evidence, newest first."""
    return list(
        db.session.scalars(
            select(Evidence)
            .where(Evidence.user_id == user_id)
            .order_by(Evidence.happened_on.desc(), Evidence.id.desc())
        )
    )


def evidence_artifacts(evidence_ids: Iterable[int]) -> dict[int, list[Artifact]]:
    """Artifacts attached to the given evidence entries (one query)."""
    return _artifacts_by(Artifact.evidence_id, evidence_ids)


def _waiting_for(viewer: User):
    """Pending evidence the viewer should decide: named to them, or of their people;
    for trainers, also entries whose learner has neither mentor nor manager."""
    mine = or_(
        Evidence.verifier_id == viewer.id, User.mentor_id == viewer.id,
        User.manager_id == viewer.id,
    )  # fmt: skip
    if allowed(viewer, "review_labs"):
        mine = or_(mine, Evidence.verifier_id.is_(None))
    return (
        select(Evidence, User)
        .join(User, User.id == Evidence.user_id)
        .where(Evidence.status == EvidenceStatus.PENDING, User.id != viewer.id, mine)
    )


def verification_queue(viewer: User, page: int = 1) -> tuple[list[Row], int]:
    """One page of the evidence waiting for the viewer's verification, oldest first, and how
    many wait in all (one query). Rows: `Evidence`, `learner_id` and `learner_name`."""
    query = _waiting_for(viewer).with_only_columns(
        Evidence, User.id.label("learner_id"), User.name.label("learner_name")
    )
    return _page_of(_with_total(query, (Evidence.logged_at, Evidence.id)), {}, page)


def waiting_count(viewer: User) -> int:
    """How many entries wait for the viewer's verification."""
    query = _waiting_for(viewer).with_only_columns(func.count(Evidence.id))
    return db.session.scalar(query) or 0


def people_summary(user_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Per learner: labs passed and in review, evidence verified and pending (two queries)."""
    ids = list(user_ids)
    summary = {
        user_id: {"passed": 0, "in_review": 0, "verified": 0, "pending": 0} for user_id in ids
    }
    if not ids:
        return summary
    for user_id, labs in lab_summaries(ids).items():
        for state in (s.state for s in labs.values()):
            if state in ("passed", "in_review"):
                summary[user_id][state] += 1
    query = (
        select(Evidence.user_id, Evidence.status, func.count())
        .where(Evidence.user_id.in_(ids))
        .group_by(Evidence.user_id, Evidence.status)
    )
    for user_id, status, count in db.session.execute(query):
        if status in (EvidenceStatus.VERIFIED, EvidenceStatus.PENDING):
            summary[user_id][str(status)] += count
    return summary
