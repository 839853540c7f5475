"""Certification: evaluate people, keep their progress, issue, renew, revoke, approvals.

Facts for any number of people load in a fixed number of queries (`load_facts`); the
pure rules (`lms.certification.rules`) turn them into checklists and states. Services
flush; the request or command that called them commits. Issuing is exactly-once: a
certificate's (person, certification, cycle) is unique, and a concurrent second issue
of the same cycle is dropped, not duplicated.
"""

from __future__ import annotations

import base64
import functools
import secrets
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Integer, bindparam, case, delete, false, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms import audit, events
from lms.accounts.models import User
from lms.assessment.models import SUBMITTED, QuizAttempt
from lms.certification import rules
from lms.certification.models import (
    Approval,
    ApprovalStatus,
    Certificate,
    CertificationDecline,
    CertificationPipeline,
    CertificationProgress,
)
from lms.content import Catalog
from lms.content.schema import Certification
from lms.errors import ServiceError
from lms.extensions import PeopleStatement, db, upsert
from lms.learning import service as learning
from lms.practice import service as practice
from lms.timeutil import as_utc, utcnow

CHUNK = 500  # people per batch of facts: keeps every IN list short on both databases
REASON_MAX = 2000


# --- reading the catalog ----------------------------------------


def certification_or_error(catalog: Catalog, certification_id: str) -> Certification:
    """The certification with this id, or a ServiceError naming the choices."""
    for certification in catalog.curriculum.certifications:
        if certification.id == certification_id:
            return certification
    ids = ", ".join(c.id for c in catalog.curriculum.certifications)
    raise ServiceError(f"No certification {certification_id!r}; choose one of {ids}.")


_named: tuple[Catalog | None, dict[str, str], dict[str, float]] = (None, {}, {})


def _names(catalog: Catalog) -> tuple[dict[str, str], dict[str, float]]:
    """Titles of everything a checklist can name, and the quizzes' pass marks: once per
    catalog load (grading a quiz evaluates every certification; at 1,000 modules building
    these each time cost more than the rules)."""
    global _named
    if _named[0] is not catalog:
        titles: dict[str, str] = {}
        for module in catalog.modules.values():
            titles[f"module:{module.id}"] = f"Module {module.number}: {module.title}"
        for quiz in catalog.quizzes.values():
            titles[f"quiz:{quiz.id}"] = quiz.title
        for lab in catalog.labs.values():
            titles[f"lab:{lab.id}"] = f"{lab.number} {lab.title}"
        for kind in catalog.curriculum.evidence_kinds:
            titles[f"evidence:{kind.id}"] = kind.label
        for certification in catalog.curriculum.certifications:
            titles[f"certification:{certification.id}"] = certification.title
        pass_scores = {quiz.id: quiz.pass_score for quiz in catalog.quizzes.values()}
        _named = (catalog, titles, pass_scores)
    return _named[1], _named[2]


def context(catalog: Catalog, today: date, certification_id: str) -> rules.Context:
    """The rules' context: titles of everything a checklist names, pass marks, today."""
    titles, pass_scores = _names(catalog)
    return rules.Context(today, certification_id, titles=titles, pass_scores=pass_scores)


# --- facts ----------------------------------------


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def held_certificates(user_ids: Iterable[int]) -> dict[int, list[Certificate]]:
    """Every certificate (every cycle) of these people, oldest first, in one query."""
    ids = sorted(set(user_ids))
    held: dict[int, list[Certificate]] = {user_id: [] for user_id in ids}
    if ids:
        query = (
            select(Certificate)
            .where(Certificate.user_id.in_(ids))
            .order_by(Certificate.certification_id, Certificate.cycle)
        )
        for certificate in db.session.scalars(query):
            held[certificate.user_id].append(certificate)
    return held


def as_held(certificate: Certificate) -> rules.HeldCertificate:
    """A certificate row as the rules see it."""
    return rules.HeldCertificate(
        certificate.id,
        certificate.certification_id,
        certificate.cycle,
        certificate.issued_on,
        certificate.expires_on,
        certificate.revoked_on,
        certificate.issued_at,
        frozenset(ref for refs in certificate.counted.values() for ref in refs),
        certificate.code,
    )


def load_facts(users: Sequence[User], catalog: Catalog) -> dict[int, rules.LearnerFacts]:
    """What the rules read about each person, in a fixed number of queries per 500 people."""
    facts: dict[int, rules.LearnerFacts] = {}
    for ids in _chunks([user.id for user in users]):
        facts.update(_load_chunk([u for u in users if u.id in set(ids)], ids, catalog))
    return facts


def _load_chunk(users: list[User], ids: list[int], catalog: Catalog):
    # only the complete modules are read here: no per-module progress for the whole catalogue
    progress = learning.progress_for(ids, catalog, module_ids=())
    results: dict[int, dict[str, list[rules.QuizResult]]] = defaultdict(lambda: defaultdict(list))
    for user_id, quiz_id, attempt_id, percent, submitted_at in db.session.execute(
        select(
            QuizAttempt.user_id,
            QuizAttempt.quiz_id,
            QuizAttempt.id,
            QuizAttempt.percent,
            QuizAttempt.submitted_at,
        ).where(QuizAttempt.user_id.in_(ids), QuizAttempt.status == SUBMITTED)
    ):
        moment = as_utc(submitted_at or utcnow())
        results[user_id][quiz_id].append(rules.QuizResult(attempt_id, float(percent or 0), moment))
    labs = practice.passed_labs(ids)
    evidence = practice.verified_evidence(ids)
    approvals: dict[int, dict[tuple[str, str], tuple[int, datetime]]] = defaultdict(dict)
    for approval in db.session.scalars(
        select(Approval)
        .where(Approval.user_id.in_(ids), Approval.status == ApprovalStatus.APPROVED)
        .order_by(Approval.decided_at)
    ):
        key = (approval.certification_id, approval.by)
        approvals[approval.user_id][key] = (approval.id, as_utc(approval.decided_at))
    held = held_certificates(ids)
    return {
        user.id: rules.LearnerFacts(
            user_id=user.id,
            start_date=user.start_date,
            has_manager=user.manager_id is not None,
            has_mentor=user.mentor_id is not None,
            modules_complete=frozenset(progress[user.id].modules_complete),
            quiz_results={quiz: tuple(r) for quiz, r in results[user.id].items()},
            passed_labs=dict(labs.get(user.id, {})),
            evidence={k: tuple(v) for k, v in evidence.get(user.id, {}).items()},
            approvals=dict(approvals[user.id]),
            certificates=tuple(as_held(c) for c in held[user.id]),
        )
        for user in users
    }


def statuses(
    users: Sequence[User], catalog: Catalog, today: date
) -> dict[int, dict[str, rules.CertificationStatus]]:
    """Every person's status on every certification, as of `today`."""
    facts = load_facts(users, catalog)
    certifications = catalog.curriculum.certifications
    contexts = {c.id: context(catalog, today, c.id) for c in certifications}
    return {
        user.id: {
            c.id: rules.certification_status(c, facts[user.id], contexts[c.id])
            for c in certifications
        }
        for user in users
    }


# --- keeping progress and issuing ----------------------------------------


def refresh(users: Sequence[User], catalog: Catalog, today: date) -> list[Certificate]:
    """Re-evaluate people: store their progress and issue every automatic certificate now due.

    Issuing one certificate can make another due (a prerequisite), so this repeats until
    nothing more is issued. Nothing issued is ever withdrawn. Returns what was issued.
    """
    issued: list[Certificate] = []
    automatic = {c.id: c for c in catalog.curriculum.certifications if c.issue == "automatic"}
    for _ in range(len(catalog.curriculum.certifications) + 1):
        by_person = statuses(users, catalog, today)
        _store_progress(by_person)
        new = [
            certificate
            for user_id, by_cert in by_person.items()
            for cert_id, status in by_cert.items()
            if cert_id in automatic and status.due
            if (certificate := _issue(user_id, automatic[cert_id], status, catalog, today))
        ]
        issued += new
        if not new:
            break
    return issued


def _store_progress(by_person: dict[int, dict[str, rules.CertificationStatus]]) -> None:
    """Store each person's status on each certification, and move the pipeline's counts
    from the state each row left to the state it entered."""
    rows = [
        {
            "user_id": user_id,
            "certification_id": cert_id,
            "state": status.state,
            "met": status.met,
            "total": status.total,
            "due": status.due,
            "renewing": status.renewing,
            "expires_on": status.current.expires_on if status.current else None,
            "updated_at": utcnow(),
        }
        for user_id, by_cert in by_person.items()
        for cert_id, status in by_cert.items()
    ]
    before = _counted(list(by_person))
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        key = (row["user_id"], row["certification_id"])
        now = (row["state"], row["due"], row["renewing"])
        if before.get(key) != now:
            _tally(tally, key[1], before.get(key), -1)
            _tally(tally, key[1], now, 1)
    if rows:
        db.session.execute(_store_statement(db.session.get_bind().dialect.name), rows)
    _move_counts(tally)


@functools.cache
def _store_statement(dialect: str):
    """The progress upsert, built once per database, run with many rows (built with its
    values, every evaluation compiled a statement anew)."""
    statement = upsert(CertificationProgress.__table__)
    changing = ("state", "met", "total", "due", "renewing", "expires_on", "updated_at")
    return statement.on_conflict_do_update(
        index_elements=["user_id", "certification_id"],
        set_={name: statement.excluded[name] for name in changing},
    )


# --- the pipeline's stored counts ----------------------------------------

Counted = tuple[str, bool, bool]  # a progress row as the pipeline counts it: state, due, renewing


def _counted(user_ids: Sequence[int]) -> dict[tuple[int, str], Counted]:
    """The stored progress of these people, as the pipeline counted it, by (person,
    certification), read once their user rows are locked until the transaction ends: two
    requests evaluating the same person move the counts one after the other."""
    ids = sorted(set(user_ids))
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # SQLite has no FOR UPDATE, and Python's driver reads outside a transaction until its
        # first write: unless the request wrote already (it holds the database's write lock
        # then), a write that changes nothing takes the lock first
        if not connection.connection.dbapi_connection.in_transaction:
            db.session.execute(_LOCK_SQLITE)
    else:
        for chunk in _chunks(ids):
            _LOCK_PEOPLE.rows(chunk).all()
    # a statement of its own, after the lock: in PostgreSQL's READ COMMITTED it sees what
    # the request that held the lock committed (the locking statement itself would not)
    found: dict[tuple[int, str], Counted] = {}
    for chunk in _chunks(ids):
        for user_id, cert_id, state, due, renewing in _COUNTED.rows(chunk).all():
            found[(user_id, cert_id)] = (state, bool(due), bool(renewing))
    return found


_LOCK_SQLITE = (
    update(CertificationPipeline)
    .where(false())
    .values(people=CertificationPipeline.people)
    .execution_options(synchronize_session=False)
)
_LOCK_PEOPLE = PeopleStatement(
    lambda person: select(User.id).where(person(User.id)).order_by(User.id).with_for_update()
)
_COUNTED = PeopleStatement(
    lambda person: select(
        CertificationProgress.user_id, CertificationProgress.certification_id,
        CertificationProgress.state, CertificationProgress.due, CertificationProgress.renewing,
    ).where(person(CertificationProgress.user_id))
)  # fmt: skip


def _tally(tally, cert_id: str, counted: Counted | None, sign: int) -> None:
    if counted is not None:
        state, due, renewing = counted
        moved = tally[(cert_id, state)]
        moved[0] += sign
        moved[1] += sign if due else 0
        moved[2] += sign if renewing else 0


def _move_counts(tally: dict[tuple[str, str], list[int]]) -> None:
    """Add these (people, due, renewing) changes to the stored counts, in one statement."""
    values = [
        {"certification_id": cert_id, "state": state, "people": n, "due": due, "renewing": renew}
        for (cert_id, state), (n, due, renew) in sorted(tally.items())
        if n or due or renew
    ]
    if values:
        db.session.execute(_move_statement(db.session.get_bind().dialect.name), values)


@functools.cache
def _move_statement(dialect: str):
    """The counts' upsert, built once per database (the rows are parameters: built with
    its values, each change compiled a statement anew, a millisecond on a graded quiz)."""
    table = CertificationPipeline.__table__
    statement = upsert(table)
    counts = ("people", "due", "renewing")
    added = {name: table.c[name] + statement.excluded[name] for name in counts}
    return statement.on_conflict_do_update(index_elements=["certification_id", "state"], set_=added)


def forget_progress(user_id: int) -> None:
    """Take a person's progress out of the pipeline's counts and delete it (before the
    person is deleted: their rows would go with them, uncounted). Again: nothing left."""
    tally: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for (_, cert_id), counted in _counted([user_id]).items():
        _tally(tally, cert_id, counted, -1)
    _move_counts(tally)
    progress = CertificationProgress
    db.session.execute(delete(progress).where(progress.user_id == user_id))


def recount_pipeline() -> None:
    """Count the pipeline afresh from every progress row."""
    progress = CertificationProgress
    db.session.execute(delete(CertificationPipeline))
    db.session.execute(
        insert(CertificationPipeline).from_select(
            ["certification_id", "state", "people", "due", "renewing"],
            select(
                progress.certification_id,
                progress.state,
                func.count(),
                func.sum(case((progress.due.is_(True), 1), else_=0)),
                func.sum(case((progress.renewing.is_(True), 1), else_=0)),
            ).group_by(progress.certification_id, progress.state),
        )
    )


def new_code() -> str:
    """An unguessable verification code: 128 random bits, base32 in groups of five."""
    text = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
    return "-".join(text[i : i + 5] for i in range(0, len(text), 5))


def _issue(
    user_id: int,
    certification: Certification,
    status: rules.CertificationStatus,
    catalog: Catalog,
    today: date,
    *,
    actor: User | None = None,
    note: str = "",
) -> Certificate | None:
    """Issue the next cycle; None if another request issued that cycle first."""
    previous = status.current
    renewal_of = previous if previous is not None and previous.revoked_on is None else None
    certificate = Certificate(
        user_id=user_id,
        certification_id=certification.id,
        cycle=(previous.cycle if previous else 0) + 1,
        code=new_code(),
        issued_on=today,
        expires_on=rules.next_expiry(today, certification.valid_for_months, renewal_of),
        issued_at=utcnow(),
        issued_by_id=actor.id if actor else None,
        note=note,
        title=certification.title,
        level=certification.level,
        curriculum_version=catalog.curriculum.content_hash,
        definition_hash=certification.definition_hash,
        counted=status.counted(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        return None
    audit.record(
        "certificate.issue",
        actor=actor,
        target=db.session.get(User, user_id),
        obj=certificate,
        detail=f"{certification.id} cycle {certificate.cycle} until {certificate.expires_on}",
        payload={
            "certification": certification.id,
            "cycle": certificate.cycle,
            "expires_on": certificate.expires_on.isoformat(),
            "renewal": renewal_of is not None,
            "counted": certificate.counted,
        },
    )
    events.certificate_issued.send(user_id=user_id, certificate=certificate)
    return certificate


def issue_by_trainer(
    learner: User, certification_id: str, catalog: Catalog, today: date, *, actor: User | None,
    note: str = "",
) -> Certificate:  # fmt: skip
    """A trainer (or the command line) issues a certificate: first, renewal, or anew."""
    certification = certification_or_error(catalog, certification_id)
    if actor is not None and actor.id == learner.id:
        raise ServiceError("You cannot issue a certificate to yourself.")
    status = statuses([learner], catalog, today)[learner.id][certification.id]
    if status.state == rules.REVOKED:
        # Issuing anew after a revocation: the first-time requirements, all of them.
        facts = load_facts([learner], catalog)[learner.id]
        ctx = context(catalog, today, certification.id)
        checklist = rules.evaluate_requirements(certification.requires, facts, ctx)
        status = rules.CertificationStatus(
            certification.id, rules.READY, checklist, False, status.current,
            all(r.met for r in checklist),
        )  # fmt: skip
    if status.state in (rules.CERTIFIED,):
        raise ServiceError(
            f"{learner.name} already holds {certification.title} until {status.current.expires_on}."
        )
    if not status.due:
        missing = "; ".join(r.label for r in status.requirements if not r.met)
        raise ServiceError(f"Not every requirement is met yet: {missing}.")
    certificate = _issue(
        learner.id, certification, status, catalog, today, actor=actor, note=note.strip()
    )
    if certificate is None:
        raise ServiceError("Someone issued this certificate a moment ago; reload the page.")
    _close_declines(learner.id, certification.id)
    refresh([learner], catalog, today)
    return certificate


def revoke(
    code: str, reason: str, catalog: Catalog, today: date, *, actor: User | None
) -> Certificate:
    """Revoke a certificate by its code, with a reason; only issuing anew undoes it."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the reason for revoking.", "reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"Keep the reason under {REASON_MAX} characters.", "reason")
    certificate = db.session.scalar(select(Certificate).where(Certificate.code == code.strip()))
    if certificate is None:
        raise ServiceError(f"No certificate with the code {code}.")
    claimed = db.session.execute(
        update(Certificate)
        .where(Certificate.id == certificate.id, Certificate.revoked_at.is_(None))
        .values(
            revoked_at=utcnow(),
            revoked_on=today,
            revoked_by_id=actor.id if actor else None,
            revoke_reason=reason,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ServiceError("This certificate is already revoked.")
    db.session.refresh(certificate)
    learner = db.session.get(User, certificate.user_id)
    audit.record(
        "certificate.revoke",
        actor=actor,
        target=learner,
        obj=certificate,
        detail=f"{certificate.certification_id} cycle {certificate.cycle}: {reason}",
        payload={"code": certificate.code, "reason": reason},
    )
    events.certificate_revoked.send(user_id=certificate.user_id, certificate=certificate)
    refresh([learner], catalog, today)
    return certificate


def certificate_by_id(certificate_id: int) -> Certificate | None:
    """The certificate with this id, or None."""
    return db.session.get(Certificate, certificate_id)


# --- trainers' ready queue and declines --------------------------------------------------------


class ReadyPerson(NamedTuple):
    """A person in the ready queue, as the queue shows them."""

    id: int
    name: str
    team: str | None


class ReadyProgress(NamedTuple):
    """What the ready queue shows of a person's progress on a certification."""

    renewing: bool
    updated_at: datetime
    expires_on: date | None


@dataclass(frozen=True)
class QueueRow:
    """A person ready for a trainer to issue a certification (first or renewal)."""

    user: ReadyPerson
    certification: Certification
    progress: ReadyProgress


QUEUE_PAGE_SIZE = 50


def ready_queue(
    catalog: Catalog, *, certification_id: str = "", team: str = "", page: int | None = 1
) -> tuple[list[QueueRow], int]:
    """People ready for a trainer to issue, longest waiting first, and how many in all: one
    page (`page` None: everyone) in one statement, the count a subquery beside it."""
    by_id = {c.id: c for c in catalog.curriculum.certifications if c.issue == "trainer"}
    wanted = [certification_id] if certification_id in by_id else list(by_id)
    params = {"wanted": wanted, "team": team.strip().lower()}
    query, paged = _ready_query(bool(team))
    if page is not None:
        query = paged
        params.update(size=QUEUE_PAGE_SIZE, skip=(page - 1) * QUEUE_PAGE_SIZE)
    rows = db.session.execute(query, params).all()
    queue = [
        QueueRow(ReadyPerson(*row[:3]), by_id[row.certification_id], ReadyProgress(*row[4:7]))
        for row in rows
    ]
    return queue, rows[0].total if rows else 0


@functools.cache
def _ready_query(by_team: bool):
    """The ready queue's statement and a page of it, built once (certifications, team and
    the page's size and offset are bound)."""
    open_decline = (
        select(CertificationDecline.id)
        .where(
            CertificationDecline.user_id == CertificationProgress.user_id,
            CertificationDecline.certification_id == CertificationProgress.certification_id,
            CertificationDecline.closed_at.is_(None),
        )
        .exists()
    )
    # the person's conditions as EXISTS, so that the planner reads the progress rows due
    # (ix_certification_progress_ready, in queue order) and looks each person up
    who = aliased(User, name="person")
    person = [who.id == CertificationProgress.user_id, who.active.is_(True)]
    if by_team:
        person.append(func.lower(who.team) == bindparam("team"))
    ready = [
        CertificationProgress.due.is_(True),
        CertificationProgress.certification_id.in_(bindparam("wanted", expanding=True)),
        select(who.id).where(*person).exists(),
        ~open_decline,
    ]
    total = select(func.count()).select_from(CertificationProgress).where(*ready)
    everyone = (
        select(
            User.id,
            User.name,
            User.team,
            CertificationProgress.certification_id,
            CertificationProgress.renewing,
            CertificationProgress.updated_at,
            CertificationProgress.expires_on,
            total.scalar_subquery().label("total"),
        )  # fmt: skip
        .join(User, User.id == CertificationProgress.user_id)
        .where(*ready)
        .order_by(CertificationProgress.updated_at, CertificationProgress.user_id)
    )
    paged = everyone.limit(bindparam("size", type_=Integer))
    return everyone, paged.offset(bindparam("skip", type_=Integer))


def decline(
    learner: User, certification_id: str, reason: str, catalog: Catalog, *, actor: User
) -> CertificationDecline:
    """A trainer declines to issue for now; the learner sees the reason and can ask again."""
    certification = certification_or_error(catalog, certification_id)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("Give the learner a reason.", "reason")
    if len(reason) > REASON_MAX:
        raise ServiceError(f"Keep the reason under {REASON_MAX} characters.", "reason")
    if open_decline(learner.id, certification.id) is not None:
        raise ServiceError("This request was already declined; the learner can ask again.")
    entry = CertificationDecline(
        user_id=learner.id,
        certification_id=certification.id,
        reason=reason,
        declined_by_id=actor.id,
        declined_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(entry)
    except IntegrityError:
        raise ServiceError(
            "This request was already declined; the learner can ask again."
        ) from None
    audit.record(
        "certification.decline",
        actor=actor,
        target=learner,
        obj=entry,
        detail=f"{certification.id}: {reason}",
        payload={"certification": certification.id, "reason": reason},
    )
    return entry


def open_decline(user_id: int, certification_id: str) -> CertificationDecline | None:
    """The trainer's standing decline of this person's certification, if any."""
    return db.session.scalar(
        select(CertificationDecline).where(
            CertificationDecline.user_id == user_id,
            CertificationDecline.certification_id == certification_id,
            CertificationDecline.closed_at.is_(None),
        )
    )


def _close_declines(user_id: int, certification_id: str) -> None:
    db.session.execute(
        update(CertificationDecline)
        .where(
            CertificationDecline.user_id == user_id,
            CertificationDecline.certification_id == certification_id,
            CertificationDecline.closed_at.is_(None),
        )
        .values(closed_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def ask_again(learner: User, certification_id: str, catalog: Catalog) -> None:
    """The learner dealt with a decline's reason: back into the trainers' queue."""
    certification = certification_or_error(catalog, certification_id)
    if open_decline(learner.id, certification.id) is None:
        raise ServiceError("There is nothing declined to ask again about.")
    _close_declines(learner.id, certification.id)


# --- approvals ----------------------------------------


def request_approval(learner: User, certification_id: str, by: str, catalog: Catalog) -> Approval:
    """The learner asks their manager or mentor to approve them for a certification."""
    certification = certification_or_error(catalog, certification_id)
    needs = {
        r.by
        for r in (*certification.requires, *certification.renewal_requirements)
        if r.kind == "approval"
    }
    if by not in needs:
        raise ServiceError(f"{certification.title} needs no approval from a {by}.")
    approver_id = learner.manager_id if by == "manager" else learner.mentor_id
    if approver_id is None:
        raise ServiceError(f"You have no {by} on your record: ask a trainer to add one.")
    approval = Approval(
        user_id=learner.id,
        certification_id=certification.id,
        by=by,
        approver_id=approver_id,
        requested_at=utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(approval)
    except IntegrityError:
        raise ServiceError(f"You have already asked your {by}; the request is waiting.") from None
    audit.record(
        "approval.request",
        actor=learner,
        target=learner,
        obj=approval,
        detail=f"{certification.id} by {by}",
        payload={"certification": certification.id, "by": by, "approver_id": approver_id},
    )
    return approval


def may_decide(approval: Approval, learner: User, person: User) -> bool:
    """Only the learner's current manager (or mentor) named by the request decides it."""
    if person.id == learner.id:
        return False
    wanted = learner.manager_id if approval.by == "manager" else learner.mentor_id
    return wanted == person.id


def decide_approval(
    approval: Approval, learner: User, approve: bool, comment: str, *, actor: User
) -> Approval:
    """The manager or mentor approves or declines; once only, audited, announced."""
    if not may_decide(approval, learner, actor):
        raise ServiceError("Only the person's own manager or mentor can decide this request.")
    comment = (comment or "").strip()
    if len(comment) > REASON_MAX:
        raise ServiceError(f"Keep the comment under {REASON_MAX} characters.", "comment")
    if not approve and not comment:
        raise ServiceError("Say why you decline, so the learner knows what to do.", "comment")
    status = ApprovalStatus.APPROVED if approve else ApprovalStatus.DECLINED
    claimed = db.session.execute(
        update(Approval)
        .where(Approval.id == approval.id, Approval.status == ApprovalStatus.REQUESTED)
        .values(status=status, comment=comment, decided_at=utcnow(), decided_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ServiceError("This request has already been decided.")
    db.session.refresh(approval)
    audit.record(
        f"approval.{status.value}",
        actor=actor,
        target=learner,
        obj=approval,
        detail=f"{approval.certification_id} by {approval.by}",
        payload={"certification": approval.certification_id, "comment": comment},
    )
    events.approval_decided.send(user_id=learner.id, approval=approval)
    return approval


def approvals_of(user_id: int) -> list[Approval]:
    """A learner's approval requests, newest first."""
    return list(
        db.session.scalars(
            select(Approval)
            .where(Approval.user_id == user_id)
            .order_by(Approval.requested_at.desc(), Approval.id.desc())
        )
    )


def approvals_waiting_for(person: User) -> list[tuple[Approval, User]]:
    """Requests waiting for this person as someone's current manager or mentor (one query)."""
    query = (
        select(Approval, User)
        .join(User, User.id == Approval.user_id)
        .where(
            Approval.status == ApprovalStatus.REQUESTED,
            or_(
                (Approval.by == "manager") & (User.manager_id == person.id),
                (Approval.by == "mentor") & (User.mentor_id == person.id),
            ),
        )
        .order_by(Approval.requested_at, Approval.id)
    )
    return [(approval, learner) for approval, learner in db.session.execute(query)]


def get_approval(approval_id: int) -> Approval | None:
    """The approval request with this id, or None."""
    return db.session.get(Approval, approval_id)


# --- exams ----------------------------------------


def exam_blockers(
    learner: User, quiz_id: str, catalog: Catalog, today: date
) -> list[tuple[Certification, list[rules.RequirementResult]]]:
    """For each certification whose exam this quiz is: what must be met before it starts."""
    exams = [c for c in catalog.curriculum.certifications if c.exam == quiz_id]
    if not exams:
        return []
    facts = load_facts([learner], catalog)[learner.id]
    blocked = []
    for certification in exams:
        missing = rules.exam_blockers(
            certification, facts, context(catalog, today, certification.id)
        )
        if missing:
            blocked.append((certification, missing))
    return blocked
